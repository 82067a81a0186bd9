package server

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// answer is the reference protocol's handler (examples/orders/ordersvc has
// the real one, which these internal tests cannot import).
func answer(w *Writer, req *Request) {
	r := orders.Answer(req.Frame, uint64(time.Now().UnixNano()))
	buf, m := w.Begin(r.Meta)
	w.Finish(r.AppendBody(buf), m)
}

func listen(t testing.TB, network string) net.Listener {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// forEachEngine runs test once per engine, as subtests: the server's
// behaviour is the same on both, and one suite checks it. The poll engine
// runs twice: parking its loops at once, and, in the subtest named
// pollTuned, polling and then blocking in epoll first (Server.LoopSpin and
// LoopBlock, which start sets for the servers of that subtest and its
// own subtests).
func forEachEngine(t *testing.T, test func(t *testing.T, e Engine)) {
	t.Helper()
	for _, name := range []string{"goroutine", "poll", pollTuned} {
		t.Run(name, func(t *testing.T) {
			e := EngineGoroutine
			if name != "goroutine" {
				e = EnginePoll
				if !pollEngineRuns() {
					t.Skip("the poll engine runs on Linux")
				}
			}
			test(t, e)
		})
	}
}

// pollTuned names forEachEngine's subtests whose poll loops poll for up to
// testLoopSpin, then block in epoll for up to testLoopBlock, before they
// park.
const (
	pollTuned     = "poll-tuned"
	testLoopSpin  = 50 * time.Microsecond
	testLoopBlock = 2 * time.Millisecond
)

// pollEngineRuns reports whether the poll engine runs on this system.
func pollEngineRuns() bool { return runtime.GOOS == "linux" }

// start serves s on ln and closes it when the test ends, checking that
// Serve returned ErrServerClosed, and that a server asked for the poll
// engine did not fall back to the goroutine engine.
func start(t testing.TB, s *Server, ln net.Listener) string {
	t.Helper()
	if s.LoopBlock == 0 && s.LoopSpin == 0 && strings.Contains(t.Name(), "/"+pollTuned) {
		s.LoopBlock, s.LoopSpin = testLoopBlock, testLoopSpin
	}
	if s.Engine == EnginePoll {
		t.Cleanup(func() {
			if s.fellBack.Load() {
				t.Error("the server fell back to the goroutine engine")
			}
		})
	}
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
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

func serveTCP(t testing.TB, s *Server) string { return start(t, s, listen(t, "tcp")) }

// client is a peer speaking the reference protocol.
type client struct {
	t  testing.TB
	nc net.Conn
	sc *stream.Conn
}

func dial(t testing.TB, network, addr string) *client {
	t.Helper()
	nc, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, nc)
}

func newClient(t testing.TB, nc net.Conn) *client {
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, sc: stream.New(nc, orders.Framing(), stream.Config{})}
}

func (c *client) queue(typ uint32, id uint64, body string) {
	c.t.Helper()
	if err := c.sc.WriteFrame(frame.Meta{Type: typ, ID: id}, []byte(body)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) flush() {
	c.t.Helper()
	if err := c.sc.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) echo(id uint64, body string) {
	c.t.Helper()
	c.queue(orders.TypeEchoRequest, id, body)
	c.flush()
}

// expect reads one frame and checks its type, id and payload.
func (c *client) expect(typ uint32, id uint64, body string) {
	c.t.Helper()
	f, err := c.sc.ReadFrame()
	if err != nil {
		c.t.Fatalf("reading the answer to %d: %v", id, err)
	}
	if f.Type != typ || f.ID != id || string(f.Payload) != body {
		c.t.Fatalf("got type %d id %d %q, want type %d id %d %q", f.Type, f.ID, f.Payload, typ, id, body)
	}
}

func (c *client) roundTrip(id uint64, body string) {
	c.t.Helper()
	c.echo(id, body)
	c.expect(orders.TypeEchoResponse, id, body)
}

// expectClosed reads until the server closes the connection and returns
// how long that took; any frame on the way fails the test.
func (c *client) expectClosed() time.Duration {
	c.t.Helper()
	start := time.Now()
	f, err := c.sc.ReadFrame()
	if err == nil {
		c.t.Fatalf("got frame type %d id %d, want the connection closed", f.Type, f.ID)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err) {
		c.t.Fatalf("read: %v, want the connection closed", err)
	}
	return time.Since(start)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// logBuffer is a slog handler target the tests can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: level}))
}

// counts is a Metrics that counts.
type counts struct {
	accepted, rejected, closed atomic.Int64
	framesIn, bytesIn          atomic.Int64
	framesOut, bytesOut        atomic.Int64
	protocol                   [8]atomic.Int64
	handled                    atomic.Int64
}

func (m *counts) ConnAccepted()                 { m.accepted.Add(1) }
func (m *counts) ConnRejected()                 { m.rejected.Add(1) }
func (m *counts) ConnClosed()                   { m.closed.Add(1) }
func (m *counts) FramesIn(n, b int)             { m.framesIn.Add(int64(n)); m.bytesIn.Add(int64(b)) }
func (m *counts) FramesOut(n, b int)            { m.framesOut.Add(int64(n)); m.bytesOut.Add(int64(b)) }
func (m *counts) ProtocolError(k frame.Kind)    { m.protocol[k%8].Add(1) }
func (m *counts) HandlerDuration(time.Duration) { m.handled.Add(1) }

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// within returns what ch gives, failing the test if that takes 10 s.
func within[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// countWrites returns a listener for s whose connections' write system
// calls are counted, and the count: by a wrapping listener on the goroutine
// engine, by the engine itself on the poll engine (which would not serve a
// wrapped listener).
func countWrites(t testing.TB, s *Server) (net.Listener, func() int64) {
	ln := listen(t, "tcp")
	if s.Engine == EngineGoroutine {
		cl := &countingListener{Listener: ln}
		return cl, cl.writes.Load
	}
	s.writes = new(atomic.Int64)
	return ln, s.writes.Load
}

// countingListener counts the Write calls of the connections it accepts:
// the server's write system calls. Its connections embed *net.TCPConn, so
// they are still syscall.Conns and wait for input without a buffer.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{TCPConn: nc.(*net.TCPConn), writes: &l.writes}, nil
}

type countingConn struct {
	*net.TCPConn
	writes *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.TCPConn.Write(p)
}

// held collects the Replies a deferring handler makes.
type held struct {
	mu      sync.Mutex
	replies []*Reply
	ids     []uint64
}

func (h *held) add(r *Reply, id uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replies = append(h.replies, r)
	h.ids = append(h.ids, id)
}

func (h *held) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.replies)
}

func (h *held) take() ([]*Reply, []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ids := h.replies, h.ids
	h.replies, h.ids = nil, nil
	return r, ids
}

// doneEcho answers a deferred echo request with its id and payload.
func doneEcho(r *Reply, id uint64, body string) {
	r.WriteFrame(frame.Meta{Type: orders.TypeEchoResponse, ID: id}, []byte(body))
	r.Done()
}
