package load_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/internal/wk"
	"github.com/wirekit/wirekit/bench/load"
	"github.com/wirekit/wirekit/bench/peers/gnetpeer"
	"github.com/wirekit/wirekit/bench/peers/grpcpeer"
	"github.com/wirekit/wirekit/bench/peers/httppeer"
	"github.com/wirekit/wirekit/bench/peers/netpeer"
	"github.com/wirekit/wirekit/bench/peers/wirekitpeer"
	"github.com/wirekit/wirekit/server"
)

func start[S serve.Server](f func(string) (S, error)) func(t *testing.T) string {
	return func(t *testing.T) string {
		s, err := f("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s.Addr().String()
	}
}

func wirekitOn(e server.Engine) func(string) (*wirekitpeer.Server, error) {
	return func(addr string) (*wirekitpeer.Server, error) { return wirekitpeer.Start(addr, e, 0, 0) }
}

// statsServer answers like a server's stats side channel, with this
// process's counts.
func statsServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Fprintf(c, "mallocs %d gcs %d\n", m.Mallocs, m.NumGC)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestRunEveryPeer drives every peer briefly, in every mode the scenarios
// use, through the same Run as the benchmark, with the server in this
// process (so the server figures are this process's).
func TestRunEveryPeer(t *testing.T) {
	peers := []struct {
		name, proto string
		start       func(t *testing.T) string
	}{
		{"wirekit-poll", load.ProtoWK, start(wirekitOn(server.EnginePoll))},
		{"wirekit-goroutine", load.ProtoWK, start(wirekitOn(server.EngineGoroutine))},
		{"net", load.ProtoWK, start(netpeer.Start)},
		{"gnet", load.ProtoWK, start(gnetpeer.Start)},
		{"http", load.ProtoHTTP, start(httppeer.Start)},
		{"grpc-unary", load.ProtoGRPCUnary, start(grpcpeer.Start)},
		{"grpc-stream", load.ProtoGRPCStream, start(grpcpeer.Start)},
	}
	shapes := []struct {
		name string
		cfg  load.Config
	}{
		{"pipelined", load.Config{Conns: 4, Depth: 8}},
		{"echo", load.Config{Conns: 2, Depth: 2, Echo: 4096}},
		{"rate", load.Config{Conns: 8, Depth: 1, Rate: 100, Sources: 2}},
	}
	stats := statsServer(t)
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			addr := p.start(t)
			for _, s := range shapes {
				t.Run(s.name, func(t *testing.T) {
					cfg := s.cfg
					cfg.Proto, cfg.Addr = p.proto, addr
					cfg.Warmup, cfg.Duration = 50*time.Millisecond, 150*time.Millisecond
					cfg.Server = load.Probe{Pid: os.Getpid(), Stats: stats}
					r, err := load.Run(context.Background(), cfg)
					if err != nil {
						t.Fatal(err)
					}
					if r.Requests == 0 || r.RPS <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.BytesPerReq <= 0 {
						t.Fatalf("implausible result %+v", r)
					}
					if r.ServerCPUPerReq < 0 || r.AllocsPerReq < 0 || r.ServerRSS <= 0 {
						t.Fatalf("server figures missing: %+v", r)
					}
					// A WK NewOrder of this load is 47 bytes, its OrderAck 35;
					// the requests in flight at the ends of the window blur
					// the count a little.
					if p.proto == load.ProtoWK && s.cfg.Echo == 0 && math.Abs(r.BytesPerReq-82) > 4 {
						t.Fatalf("bytes per request %v, want 82", r.BytesPerReq)
					}
				})
			}
		})
	}
}

// TestRunFailsOnWrongAnswers checks that a peer answering with the wrong
// request id is not measured.
func TestRunFailsOnWrongAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					// Always id 99, whatever was asked.
					c.Write(wk.AppendAck(nil, 99, &wk.Ack{OrderID: 1}))
				}
			}()
		}
	}()
	_, err = load.Run(context.Background(), load.Config{Proto: load.ProtoWK, Addr: ln.Addr().String(),
		Conns: 1, Depth: 1, Warmup: 10 * time.Millisecond, Duration: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("Run measured a server that answers with the wrong ids")
	}
	if errors.Is(err, io.EOF) {
		t.Fatalf("Run failed for another reason: %v", err)
	}
}
