package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
)

// BenchmarkIdleConns measures what an idle connection costs the server, on
// each engine:
// heap and goroutine stacks (heap-B/conn), and resident memory
// (rss-B/conn). The connections come from a client process, so the numbers
// are the server's alone. "fresh" connections have sent nothing; "used"
// ones have had one request answered (their goroutine's stack has grown and
// their buffers have come and gone). WIREKIT_IDLE_CONNS sets the number of
// connections (default 2000; this machine allows 20,000 open files per
// process). It measures once, whatever b.N:
//
//	go test ./server -run '^$' -bench IdleConns -benchtime 1x
func BenchmarkIdleConns(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("WIREKIT_IDLE_CONNS")); err == nil && v > 0 {
		n = v
	}
	for _, e := range []Engine{EngineGoroutine, EnginePoll} {
		if e == EnginePoll && !pollEngineRuns() {
			continue
		}
		// A first round warms the process up (pools, maps, the runtime's
		// own structures), so that no measurement carries one-time costs.
		measureIdle(b, e, 100, "used")
		for _, mode := range []string{"fresh", "used"} {
			b.Run(fmt.Sprintf("engine=%s/conns=%d/%s", e, n, mode), func(b *testing.B) { measureIdle(b, e, n, mode) })
		}
	}
}

func measureIdle(b *testing.B, e Engine, n int, mode string) {
	var news, idles atomic.Int64
	s := &Server{
		Engine: e,
		Logger: slog.New(slog.DiscardHandler),
		ConnState: func(_ net.Conn, st ConnState) {
			switch st {
			case StateNew:
				news.Add(1)
			case StateIdle:
				idles.Add(1)
			}
		},
	}
	addr := start(b, s, listen(b, "tcp"))
	heap0, rss0 := wktest.Memory()

	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClientProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("WIREKIT_IDLE_CLIENT=%s %d %s", addr, n, mode))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close() // the client closes its connections and exits
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		b.Fatalf("client process: %q %v", line, err)
	}
	ready := func() bool { return news.Load() == int64(n) && (mode == "fresh" || idles.Load() == int64(n)) }
	for deadline := time.Now().Add(time.Minute); !ready(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d connections served, %d idle, want %d", news.Load(), idles.Load(), n)
		}
	}
	// Every connection idle long enough to wait on a fresh goroutine (on
	// the goroutine engine).
	time.Sleep(rehomeAfter + 500*time.Millisecond)
	heap1, rss1 := wktest.Memory()
	b.ReportMetric(float64(heap1-heap0)/float64(n), "heap-B/conn")
	b.ReportMetric(float64(rss1-rss0)/float64(n), "rss-B/conn")
	b.ReportMetric(0, "ns/op")
}

// TestIdleClientProcess is BenchmarkIdleConns's client, run in a process of
// its own: it opens the connections, says "ready", and holds them until its
// standard input closes.
func TestIdleClientProcess(t *testing.T) {
	spec := os.Getenv("WIREKIT_IDLE_CLIENT")
	if spec == "" {
		t.Skip("the client process of BenchmarkIdleConns")
	}
	var addr, mode string
	var n int
	if _, err := fmt.Sscan(spec, &addr, &n, &mode); err != nil {
		t.Fatal(err)
	}
	req, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("hello"))
	resp := make([]byte, len(req))
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	for i := range n {
		// Spread over loopback source addresses: each has ~28,000 ports.
		// The first ones leave the choice to connect, which, unlike an
		// explicit bind, reuses ports that earlier runs left in TIME_WAIT.
		var d net.Dialer
		if i >= 16000 {
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i/16000))}
		}
		nc, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
		if mode == "used" {
			if _, err := nc.Write(req); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(nc, resp); err != nil {
				t.Fatal(err)
			}
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}
