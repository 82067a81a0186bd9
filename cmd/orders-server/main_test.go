package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/internal/wktest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe to write from run and read from the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAnswerMetricsAndShutdown(t *testing.T) {
	for _, engine := range []string{"poll", "goroutine"} {
		t.Run(engine, func(t *testing.T) { testServe(t, "-engine", engine) })
	}
	t.Run("poll-tuned", func(t *testing.T) { testServe(t, "-engine", "poll", "-loop-spin", "50us", "-loop-block", "1ms") })
}

func testServe(t *testing.T, extra ...string) {
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"-addr", "127.0.0.1:0", "-metrics", "127.0.0.1:0"}, extra...), &stdout, &stderr)
	}()

	addrs := regexp.MustCompile(`on (\S+)\n.*http://(\S+)/metrics`)
	var m []string
	deadline := time.Now().Add(10 * time.Second)
	for m == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no addresses printed: %q %q", stdout.String(), stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
		m = addrs.FindStringSubmatch(stdout.String())
	}

	nc, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write(wktest.Unhex(t, wktest.SpecVector)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 12+19+4)
	if _, err := io.ReadFull(nc, buf); err != nil {
		t.Fatal(err)
	}
	f, _, err := frame.Next(orders.Framing(), buf)
	var ack orders.OrderAck
	if err != nil || f.Type != orders.TypeOrderAck || f.ID != 7 || ack.Decode(f.Payload) != nil || ack.OrderID != 42 {
		t.Fatalf("answer %+v %v", f.Meta, err)
	}

	resp, err := http.Get("http://" + m[2] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"wirekit_server_frames_in_total 1", "wirekit_server_connections_open 1", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	cancel() // as SIGTERM does
	if _, err := nc.Read(buf); err != io.EOF {
		t.Errorf("after shutdown the connection read %v, want EOF", err)
	}
	if code := <-exit; code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"extra"}, {"-addr", "256.0.0.1:1"}, {"-engine", "gnet"}} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), args, &out, &errOut); code == 0 {
			t.Errorf("%q: exit 0", args)
		}
	}
}
