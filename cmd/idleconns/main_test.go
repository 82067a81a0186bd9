//go:build linux

package main

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer answers WK orders frames on 127.0.0.1 until the test ends.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := stream.New(nc, orders.Framing(), stream.Config{})
				for {
					f, err := c.ReadFrame()
					if err != nil {
						return
					}
					r := orders.Answer(f, 0)
					buf, m := c.Begin(r.Meta)
					if c.Finish(r.AppendBody(buf), m) != nil || c.Flush() != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, nc := range conns {
			nc.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestMeasureOwnProcess(t *testing.T) {
	addr := echoServer(t)
	r, err := measure(context.Background(), config{addr: addr, pid: os.Getpid(), n: 40, sources: 4, warm: true, settle: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.conns != 40 || r.before <= 0 || r.after <= 0 {
		t.Fatalf("result %+v", r)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	var out strings.Builder
	err := run([]string{"-addr", "192.0.2.1:7070", "-pid", "1"}, &out)
	if err == nil || !strings.Contains(err.Error(), "not a loopback") {
		t.Fatalf("err = %v", err)
	}
	if err := run([]string{"-pid", "0"}, &out); err == nil {
		t.Fatal("pid 0 accepted")
	}
}

func TestRSSOfSelf(t *testing.T) {
	n, err := rss(os.Getpid())
	if err != nil || n < 1<<20 {
		t.Fatalf("rss = %d, %v", n, err)
	}
	if _, err := rss(-5); err == nil {
		t.Fatal("rss of a missing process")
	}
}
