// Command wirekit-server serves WK orders v1 with wirekit (package
// wirekitpeer) for the benchmark; see package serve for the common flags.
// -engine selects the server's engine: auto (the default: poll on Linux),
// goroutine or poll; -loop-block sets the poll engine's LoopBlock.
package main

import (
	"flag"

	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/wirekitpeer"
)

func main() {
	engine := flag.String("engine", "auto", "server engine: auto, goroutine or poll")
	loopBlock := flag.Duration("loop-block", 0, "how long an idle poll loop blocks in epoll before it parks (server.Server.LoopBlock)")
	serve.Main("wirekit-server", func(addr string) (*wirekitpeer.Server, error) {
		e, err := wirekitpeer.ParseEngine(*engine)
		if err != nil {
			return nil, err
		}
		return wirekitpeer.Start(addr, e, *loopBlock)
	})
}
