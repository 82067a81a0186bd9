// Command net-server serves WK orders v1 with the hand-tuned net + bufio
// server (package netpeer) for the benchmark; see package serve for the
// flags.
package main

import (
	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/netpeer"
)

func main() { serve.Main("net-server", netpeer.Start) }
