// Command gnet-server serves WK orders v1 on gnet v2 (package gnetpeer) for
// the benchmark; see package serve for the flags.
package main

import (
	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/gnetpeer"
)

func main() { serve.Main("gnet-server", gnetpeer.Start) }
