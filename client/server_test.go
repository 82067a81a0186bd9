package client_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// testServer is a server the tests script: each request frame goes to
// handle, which answers it at once (srvConn.queue), later from another
// goroutine (srvConn.send), never, or kills the connection. Queued answers
// are flushed when no complete request is left in the inbound buffer, as a
// real server batches them.
type testServer struct {
	ln      net.Listener
	framing frame.Framing
	handle  func(c *srvConn, f frame.Frame)

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []*srvConn // in accept order
}

// srvConn is one accepted connection of a testServer.
type srvConn struct {
	srv      *testServer
	index    int // accept order, from 0
	nc       net.Conn
	sc       *stream.Conn
	wmu      sync.Mutex // the stream's writing side: the read loop and senders
	requests atomic.Int64
}

// echo answers a request with a frame of the same id and payload, and the
// type after the request's (EchoRequest 1 → EchoResponse 2 in the reference
// protocol).
func echo(c *srvConn, f frame.Frame) { c.queue(f.ID, f.Type+1, f.Payload) }

// startServer serves framing on a loopback port with handle (echo if nil)
// until the test ends.
func startServer(t testing.TB, framing frame.Framing, handle func(*srvConn, frame.Frame)) *testServer {
	return startServerOn(t, listen(t), framing, handle)
}

func listen(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func startServerOn(t testing.TB, ln net.Listener, framing frame.Framing, handle func(*srvConn, frame.Frame)) *testServer {
	s := serve(ln, framing, handle)
	t.Cleanup(s.stop)
	return s
}

// serve serves framing on ln with handle (echo if nil) until stop.
func serve(ln net.Listener, framing frame.Framing, handle func(*srvConn, frame.Frame)) *testServer {
	if handle == nil {
		handle = echo
	}
	s := &testServer{ln: ln, framing: framing, handle: handle}
	s.wg.Add(1)
	go s.accept()
	return s
}

// answerOrders answers as a WK orders v1 server does: OrderAck, EchoResponse
// or Error.
func answerOrders(c *srvConn, f frame.Frame) {
	r := orders.Answer(f, uint64(time.Now().UnixNano()))
	c.wmu.Lock()
	buf, m := c.sc.Begin(r.Meta)
	c.sc.Finish(r.AppendBody(buf), m)
	c.wmu.Unlock()
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

func (s *testServer) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		c := &srvConn{srv: s, index: len(s.conns), nc: nc, sc: stream.New(nc, s.framing, stream.Config{})}
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Go(func() { s.serve(c) })
	}
}

func (s *testServer) serve(c *srvConn) {
	defer c.nc.Close()
	for {
		f, ok, err := c.sc.TryReadFrame()
		if !ok && err == nil {
			c.flush()
			f, err = c.sc.ReadFrame()
		}
		if err != nil {
			return
		}
		c.requests.Add(1)
		s.handle(c, f)
	}
}

// stop closes the listener and every connection and waits for the
// goroutines, those started with later included.
func (s *testServer) stop() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// later runs f on a goroutine that the server's stop waits for: a handler
// answers later with it.
func (c *srvConn) later(f func()) { c.srv.wg.Go(f) }

// conn returns the i-th accepted connection.
func (s *testServer) conn(i int) *srvConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[i]
}

func (s *testServer) accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// queue queues a response; the read loop flushes it.
func (c *srvConn) queue(id uint64, typ uint32, payload []byte) {
	c.wmu.Lock()
	c.sc.WriteFrame(frame.Meta{Type: typ, ID: id}, payload)
	c.wmu.Unlock()
}

func (c *srvConn) flush() {
	c.wmu.Lock()
	c.sc.Flush()
	c.wmu.Unlock()
}

// send writes a response at once, from any goroutine.
func (c *srvConn) send(id uint64, typ uint32, payload []byte) {
	c.queue(id, typ, payload)
	c.flush()
}

// writeRaw writes bytes as they are, from any goroutine.
func (c *srvConn) writeRaw(b []byte) {
	c.wmu.Lock()
	c.nc.Write(b)
	c.wmu.Unlock()
}

// dial opens a client to s with the reference framing (unless cfg has one)
// and a fast backoff, closed when the test ends.
func dial(t testing.TB, s *testServer, cfg client.Config) *client.Client {
	t.Helper()
	if cfg.Framing == nil {
		cfg.Framing = orders.Framing()
	}
	if cfg.Backoff == (client.Backoff{}) {
		cfg.Backoff = client.Backoff{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	}
	cfg.Stream.Poison = true // a payload kept without copying would read garbage
	checkOnLoops(t, &cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "tcp", s.addr(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// echoCall sends an EchoRequest and returns the response payload appended
// to dst.
func echoCall(ctx context.Context, c *client.Client, payload, dst []byte) ([]byte, error) {
	resp, err := c.Call(ctx, client.Request{Meta: frame.Meta{Type: orders.TypeEchoRequest}, Body: payload}, dst)
	return resp.Payload, err
}

// testCtx returns a context that ends with the test, or after d.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// gate returns a channel that the test closes with open, or at its end
// (before the server stops), so that goroutines waiting on it always end.
func gate(t testing.TB) (ch chan struct{}, open func()) {
	ch = make(chan struct{})
	var once sync.Once
	open = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(open)
	return ch, open
}
