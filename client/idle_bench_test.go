package client_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/internal/wktest"
)

// BenchmarkIdleConns measures what an idle connection of the pool costs
// the client, with the connections on goroutines and on event loops: heap
// and goroutine stacks (heap-B/conn) and resident memory (rss-B/conn). Each
// connection has carried one call, then sits idle. The server runs in a
// process of its own, so the numbers are the client's alone.
// WIREKIT_IDLE_CONNS sets the number of connections (default 2000; this
// machine allows 20,000 open files per process). It measures once, whatever
// b.N:
//
//	go test ./client -run '^$' -bench IdleConns -benchtime 1x
func BenchmarkIdleConns(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("WIREKIT_IDLE_CONNS")); err == nil && v > 0 {
		n = v
	}
	addr := idleServer(b)
	for _, mode := range []string{"goroutines", "loops"} {
		if mode == "loops" && runtime.GOOS != "linux" {
			continue
		}
		// A first round warms the process up (pools, the runtime's own
		// structures), so that no measurement carries one-time costs.
		measureIdle(b, addr, mode, 100)
		b.Run(fmt.Sprintf("%s/conns=%d", mode, n), func(b *testing.B) { measureIdle(b, addr, mode, n) })
	}
}

func measureIdle(b *testing.B, addr, mode string, n int) {
	var loops *client.Loops
	if mode == "loops" {
		loops = newLoops(b)
	}
	heap0, rss0 := wktest.Memory()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := client.Dial(ctx, "tcp", addr, client.Config{Framing: orders.Framing(), Conns: n, Loops: loops})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	// Sequential calls go round robin: one per connection.
	dst := make([]byte, 0, 64)
	for range n {
		if _, err := echoCall(ctx, cl, []byte("hello"), dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
	heap1, rss1 := wktest.Memory()
	b.ReportMetric(float64(heap1-heap0)/float64(n), "heap-B/conn")
	b.ReportMetric(float64(rss1-rss0)/float64(n), "rss-B/conn")
	b.ReportMetric(0, "ns/op")
}

// idleServer starts BenchmarkIdleConns's server in a process of its own
// and returns its address; the process ends with the benchmark.
func idleServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WIREKIT_IDLE_SERVER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the server exits
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(line, "listening ")
	if err != nil || !ok {
		b.Fatalf("server process: %q %v", line, err)
	}
	return strings.TrimSpace(addr)
}

// TestIdleServerProcess is BenchmarkIdleConns's server, run in a process
// of its own: the test server, echoing, until its standard input closes.
func TestIdleServerProcess(t *testing.T) {
	if os.Getenv("WIREKIT_IDLE_SERVER") == "" {
		t.Skip("the server process of BenchmarkIdleConns")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(ln, orders.Framing(), echo)
	defer srv.stop()
	fmt.Println("listening", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
}
