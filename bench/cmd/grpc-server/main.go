// Command grpc-server serves the orders service over gRPC, unary and bidi
// streaming (package grpcpeer), for the benchmark; see package serve for the
// flags.
package main

import (
	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/grpcpeer"
)

func main() { serve.Main("grpc-server", grpcpeer.Start) }
