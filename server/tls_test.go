package server

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"crypto/tls"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// serveTLS serves s over TLS on a loopback port and returns its address and
// a client configuration that trusts it.
func serveTLS(t testing.TB, s *Server) (string, *tls.Config) {
	t.Helper()
	cert, pool := wktest.SelfSigned(t)
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	ln := listen(t, "tcp")
	if s.Framing == nil {
		s.Framing = orders.Framing()
	}
	if s.Handler == nil {
		s.Handler = HandlerFunc(answer)
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; err != ErrServerClosed {
			t.Errorf("ServeTLS returned %v", err)
		}
	})
	return ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func dialTLS(t testing.TB, addr string, cfg *tls.Config) *client {
	t.Helper()
	nc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, nc)
}

func newLFConn(nc net.Conn, f frame.Framing) *stream.Conn { return stream.New(nc, f, stream.Config{}) }

func TestTLSRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) {
			st := req.TLS()
			if st == nil || !st.HandshakeComplete {
				w.WriteFrame(frame.Meta{Type: orders.TypeError, ID: req.ID}, []byte("no TLS state"))
				return
			}
			answer(w, req)
		})}
		addr, cfg := serveTLS(t, s)
		c := dialTLS(t, addr, cfg)
		for i := range 50 {
			c.queue(orders.TypeEchoRequest, uint64(i), "over TLS")
		}
		c.flush()
		for i := range 50 {
			c.expect(orders.TypeEchoResponse, uint64(i), "over TLS")
		}
	})
}

func TestUnixRoundTrip(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e}
		addr := start(t, s, listen(t, "unix"))
		c := dial(t, "unix", addr)
		c.roundTrip(1, "over a Unix socket")
		c.roundTrip(2, "again")
	})
}

func TestListenAndServe(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, Framing: orders.Framing(), Handler: HandlerFunc(answer)}
		errc := make(chan error, 1)
		path := t.TempDir() + "/l.sock"
		go func() { errc <- s.ListenAndServe("unix", path) }()
		var c *client
		eventually(t, "the listener", func() bool {
			nc, err := net.Dial("unix", path)
			if err == nil {
				c = newClient(t, nc)
			}
			return err == nil
		})
		c.roundTrip(1, "x")
		if err := s.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != ErrServerClosed {
			t.Errorf("ListenAndServe returned %v", err)
		}
		if err := s.ListenAndServe("unix", path); err != ErrServerClosed {
			t.Errorf("ListenAndServe after Shutdown returned %v", err)
		}
	})
}
