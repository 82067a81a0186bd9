// Command http-server serves the orders service over HTTP/1.1 + JSON
// (package httppeer) for the benchmark; see package serve for the flags.
package main

import (
	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/httppeer"
)

func main() { serve.Main("http-server", httppeer.Start) }
