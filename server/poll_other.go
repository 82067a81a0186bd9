//go:build !linux

package server

import (
	"net"
	"runtime"
)

// The poll engine runs on Linux only: elsewhere the goroutine engine serves
// every listener.

type pollEngine struct{}

type pollConn struct{}

// engine returns the engine running c.
func (c *conn) engine() engine { return goroutineEngine{} }

func (s *Server) acceptorFor(net.Listener, int) acceptor {
	if s.Engine != EngineGoroutine {
		s.fallBack("the poll engine runs on Linux, not " + runtime.GOOS)
	}
	return nil
}

func (s *Server) reusePortListeners(string, string) ([]net.Listener, error) { return nil, nil }

func (s *Server) stopPollLocked() {}
