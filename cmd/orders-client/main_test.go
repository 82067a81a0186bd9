package main

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ordersServer serves WK orders v1 on ln until the test ends: one goroutine
// per connection, answers flushed when no complete request is left. With
// dropEvery > 0 it closes each connection after that many requests.
func ordersServer(t *testing.T, ln net.Listener, dropEvery int) string {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			wg.Go(func() {
				defer nc.Close()
				c := stream.New(nc, orders.Framing(), stream.Config{})
				for n := 1; ; n++ {
					f, ok, err := c.TryReadFrame()
					if !ok && err == nil {
						if c.Flush() != nil {
							return
						}
						f, err = c.ReadFrame()
					}
					if err != nil || n == dropEvery {
						return
					}
					r := orders.Answer(f, uint64(time.Now().UnixNano()))
					buf, m := c.Begin(r.Meta)
					c.Finish(r.AppendBody(buf), m)
				}
			})
		}
	})
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

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	t.Logf("orders-client %s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String() + errOut.String()
}

var answered = regexp.MustCompile(`requests +(\d+) answered, (\d+) errors`)

func TestCount(t *testing.T) {
	addr := ordersServer(t, listen(t), 0)
	code, out := runArgs(t, "-addr", addr, "-conns", "3", "-depth", "8", "-n", "5000")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if m := answered.FindStringSubmatch(out); m == nil || m[1] != "5000" || m[2] != "0" {
		t.Fatalf("want 5000 answered and 0 errors in:\n%s", out)
	}
	for _, want := range []string{"requests/s", "p50", "p99"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the summary", want)
		}
	}
}

// TestLoops: 200 connections on two event loops, waiting at once and
// polling first.
func TestLoops(t *testing.T) {
	for _, spin := range []string{"0", "50us"} {
		t.Run("spin="+spin, func(t *testing.T) {
			addr := ordersServer(t, listen(t), 0)
			code, out := runArgs(t, "-addr", addr, "-conns", "200", "-depth", "2", "-n", "5000", "-loops", "2", "-loop-spin", spin)
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			if m := answered.FindStringSubmatch(out); m == nil || m[1] != "5000" || m[2] != "0" {
				t.Fatalf("want 5000 answered and 0 errors in:\n%s", out)
			}
		})
	}
}

func TestDurationEcho(t *testing.T) {
	addr := ordersServer(t, listen(t), 0)
	start := time.Now()
	code, out := runArgs(t, "-addr", addr, "-depth", "4", "-duration", "200ms", "-echo", "100")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a 200ms run took %v", d)
	}
	if m := answered.FindStringSubmatch(out); m == nil || m[1] == "0" || m[2] != "0" {
		t.Fatalf("want answers and no errors in:\n%s", out)
	}
}

func TestTLS(t *testing.T) {
	cert, certPEM := selfSigned(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr := ordersServer(t, tls.NewListener(listen(t), &tls.Config{Certificates: []tls.Certificate{cert}}), 0)
	if code, _ := runArgs(t, "-addr", addr, "-n", "500", "-tls", "-ca", ca); code != 0 {
		t.Fatalf("-tls -ca: exit %d", code)
	}
	if code, _ := runArgs(t, "-addr", addr, "-n", "10", "-tls", "-insecure"); code != 0 {
		t.Fatalf("-tls -insecure: exit %d", code)
	}
	if code, _ := runArgs(t, "-addr", addr, "-n", "10", "-tls"); code != 1 {
		t.Fatalf("-tls without the CA: exit %d, want 1", code)
	}
}

// TestErrors: connections that drop make requests fail; the summary counts
// them and the exit status says so.
func TestErrors(t *testing.T) {
	addr := ordersServer(t, listen(t), 50)
	code, out := runArgs(t, "-addr", addr, "-depth", "4", "-n", "500", "-timeout", "2s")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if m := answered.FindStringSubmatch(out); m == nil || m[2] == "0" || !strings.Contains(out, "connection") {
		t.Fatalf("want errors counted and the first one shown in:\n%s", out)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-conns", "0"},
		{"-n", "-1"},
		{"-echo", "-5"},
		{"-loops", "-1"},
		{"-nope"},
		{"extra"},
	} {
		if code, _ := runArgs(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// selfSigned returns a certificate for 127.0.0.1 and its PEM encoding.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	cert, _ := wktest.SelfSigned(t)
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
}
