// Package wirekitpeer is the wirekit peer of the benchmark: the library's
// orders service (examples/orders/ordersvc) on server.Server, as a user
// would run it, with the server's defaults but for the engine, which the
// benchmark compares.
package wirekitpeer

import (
	"fmt"
	"net"
	"time"

	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/server"
)

// ParseEngine returns the server.Engine named name: "auto" (the server's
// default: the poll engine on Linux), "goroutine" or "poll".
func ParseEngine(name string) (server.Engine, error) {
	for e := server.EngineAuto; e <= server.EnginePoll; e++ {
		if e.String() == name {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown engine %q: want auto, goroutine or poll", name)
}

// Server is a running wirekit orders server.
type Server struct {
	srv *server.Server
	ln  net.Listener
}

// Start listens on the TCP address addr and serves on engine in the
// background; loopBlock and loopSpin are the server's LoopBlock and
// LoopSpin (0: the default).
func Start(addr string, engine server.Engine, loopBlock, loopSpin time.Duration) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{srv: ordersvc.NewServer(), ln: ln}
	s.srv.Engine = engine
	s.srv.LoopBlock = loopBlock
	s.srv.LoopSpin = loopSpin
	go s.srv.Serve(ln)
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server and closes its connections.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.ln.Close() // in case Serve has not taken it over yet
	return err
}
