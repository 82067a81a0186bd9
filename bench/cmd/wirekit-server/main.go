// Command wirekit-server serves WK orders v1 with wirekit (package
// wirekitpeer) for the benchmark; see package serve for the common flags.
// -engine selects the server's engine: auto (the default: poll on Linux),
// goroutine or poll; -loop-block and -loop-spin set the poll engine's
// LoopBlock and LoopSpin.
package main

import (
	"flag"

	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/peers/wirekitpeer"
)

func main() {
	engine := flag.String("engine", "auto", "server engine: auto, goroutine or poll")
	loopBlock := flag.Duration("loop-block", 0, "how long an idle poll loop blocks in epoll before it parks (server.Server.LoopBlock)")
	loopSpin := flag.Duration("loop-spin", 0, "how long, at most, an idle poll loop polls before it waits (server.Server.LoopSpin)")
	serve.Main("wirekit-server", func(addr string) (*wirekitpeer.Server, error) {
		e, err := wirekitpeer.ParseEngine(*engine)
		if err != nil {
			return nil, err
		}
		return wirekitpeer.Start(addr, e, *loopBlock, *loopSpin)
	})
}
