package dgram

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
	"github.com/wirekit/wirekit/trace"
)

// A Handler answers the frames that arrive in datagrams.
//
// ServeFrame is called once per frame, in the order of the frames in their
// datagram, from the goroutine running [Server.Serve]; a server serving
// several sockets calls it from several goroutines at once. req borrows the
// receive buffer: it and its bytes are valid only until ServeFrame returns
// (use [frame.Frame.Clone] to keep them). w writes response frames to the
// peer that sent req; it too is valid only during the call. A handler that
// answers nothing writes nothing.
//
// A handler that must block for long holds up every peer of its socket: the
// datagrams queue in the socket's receive buffer, and the kernel drops those
// that overflow it.
type Handler interface {
	ServeFrame(w *Writer, req *frame.Frame)
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(w *Writer, req *frame.Frame)

// ServeFrame calls f(w, req).
func (f HandlerFunc) ServeFrame(w *Writer, req *frame.Frame) { f(w, req) }

// Writer writes response frames to the peer of the frame being handled, with
// Begin, Finish and WriteFrame. The responses to the frames of one datagram
// are packed into as few datagrams as fit in MaxDatagram, and sent when the
// server has handled the datagrams of one read (see [Server.Batch]).
type Writer struct {
	packer
}

// Peer returns the address of the peer whose frame is being handled, to
// which the responses go.
func (w *Writer) Peer() netip.AddrPort { return w.peer }

// ErrServerClosed is returned by [Server.Serve] and [Server.ListenAndServe]
// after [Server.Shutdown] or [Server.Close].
var ErrServerClosed = errors.New("dgram: Server closed")

// DefaultBatch is the default number of datagrams read, and sent, per system
// call where batching is available.
const DefaultBatch = 32

// maxBatch is the most messages one recvmmsg or sendmmsg call takes on Linux
// (UIO_MAXIOV).
const maxBatch = 1024

// Server answers the frames that arrive in UDP datagrams. Its fields
// configure it; set them before calling Serve and do not change them after.
// A Server may serve several sockets at once (for example one per core, bound
// to one port with SO_REUSEPORT), one Serve call for each.
//
// Each datagram is split into frames with Framing until it is consumed, and
// each frame is handed to Handler:
//
//	datagram from peer A: +---------+---------+---------+
//	                      | frame 1 | frame 2 | frame 3 |  → ServeFrame × 3
//	                      +---------+---------+---------+
//	response to peer A:   +-------+-------+-------+
//	                      | resp 1| resp 2| resp 3|         (packed, ≤ MaxDatagram)
//	                      +-------+-------+-------+
//
// Frames never span datagrams. A datagram that cannot be read whole as frames
// is malformed: longer than MaxDatagram (dropped unread), ending inside a
// frame, or holding a frame the framing refuses (bad magic, bad checksum, ...).
// The frames before the bad bytes, complete and verified by the framing, are
// handled; the bad bytes and, unless the framing can step over the bad frame,
// everything after them are dropped and counted in [Stats] by reason. A
// malformed datagram never disturbs other datagrams: there is no state per
// peer, and nothing is sent back for the dropped bytes.
type Server struct {
	// Framing splits datagrams into frames and writes the responses.
	// Required.
	Framing frame.Framing
	// Handler is called for each frame. Required.
	Handler Handler
	// MaxDatagram is the largest datagram read or written, in bytes. Zero
	// means [DefaultMaxDatagram] (1472: no IP fragmentation on an Ethernet
	// path); values above [MaxUDPPayload] mean MaxUDPPayload. A response
	// frame that does not fit is refused when written; a datagram received
	// that is longer is dropped as [Oversized].
	MaxDatagram int
	// Batch is how many datagrams one system call reads, and one sends, with
	// recvmmsg and sendmmsg on Linux; zero means [DefaultBatch], and values
	// over 1024 mean 1024. One means one datagram per call (recvfrom,
	// sendto), which is also what other systems get, and sockets other than
	// *net.UDPConn. Each Serve call holds Batch receive buffers of
	// MaxDatagram+1 bytes. Batching saves system calls, not the kernel's
	// work per datagram, so it pays most when datagrams queue up: under
	// load, when one call finds many.
	Batch int
	// Logger receives the server's logs: dropped datagrams (with a hex dump
	// of the bytes dropped) and failed sends at debug level, since peers
	// can cause them at will and [Server.Stats] counts them, and handler
	// panics at error level. Nil means [slog.Default].
	Logger *slog.Logger
	// Poison, a debugging aid, overwrites each frame's bytes with
	// [stream.PoisonByte] as soon as its handler returns, so that a handler
	// keeping a borrowed frame reads garbage in tests instead of a later
	// datagram's bytes by chance in production.
	Poison bool

	mu        sync.Mutex
	endpoints map[*endpoint]struct{}
	closing   atomic.Bool
	stats     counters
}

// PacketConn is what [Server.Serve] needs of a socket. *net.UDPConn has it
// all; Serve batches reads and writes when the socket is a *net.UDPConn on
// Linux.
type PacketConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	SetReadDeadline(t time.Time) error
	LocalAddr() net.Addr
	Close() error
}

// ListenAndServe listens on the UDP address addr ("host:port") and serves it
// with [Server.Serve].
func (s *Server) ListenAndServe(addr string) error {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return err
	}
	return s.Serve(pc.(*net.UDPConn))
}

// Serve reads datagrams from pc and answers their frames until pc fails or
// the server is shut down, then closes pc. It returns [ErrServerClosed]
// after [Server.Shutdown] or [Server.Close], and the read error otherwise.
func (s *Server) Serve(pc PacketConn) error {
	if s.Framing == nil || s.Handler == nil {
		pc.Close()
		return errors.New("dgram: Server needs a Framing and a Handler")
	}
	ep, err := s.newEndpoint(pc)
	if err != nil {
		pc.Close()
		return err
	}
	if !s.track(ep) {
		pc.Close()
		return ErrServerClosed
	}
	defer s.untrack(ep)
	for {
		n, err := ep.io.read(ep.msgs)
		ep.serve(ep.msgs[:n])
		switch {
		case err == nil:
		case s.closing.Load():
			return ErrServerClosed
		case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
			// An ICMP error for an earlier send, which some systems report on
			// the next read. It concerns one peer, not the socket.
		default:
			return err
		}
	}
}

// Shutdown stops every Serve loop of the server: each finishes handling the
// datagrams it has read, sends their responses, closes its socket and
// returns ErrServerClosed. Shutdown waits for that, or for ctx to end, in
// which case it closes the sockets at once ([Server.Close]) and returns
// ctx's error. Serve calls made after Shutdown return ErrServerClosed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	eps := s.snapshot()
	for _, ep := range eps {
		// A deadline in the past wakes a blocked read, and fails the next.
		ep.pc.SetReadDeadline(time.Unix(1, 0))
	}
	for _, ep := range eps {
		select {
		case <-ep.done:
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		}
	}
	return nil
}

// Close closes every socket the server is serving at once: responses not
// yet sent are lost. The Serve calls return ErrServerClosed, and so do those
// made later.
func (s *Server) Close() error {
	s.closing.Store(true)
	var errs []error
	for _, ep := range s.snapshot() {
		if err := ep.pc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Server) track(ep *endpoint) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.endpoints == nil {
		s.endpoints = make(map[*endpoint]struct{})
	}
	s.endpoints[ep] = struct{}{}
	return true
}

func (s *Server) untrack(ep *endpoint) {
	ep.pc.Close()
	s.mu.Lock()
	delete(s.endpoints, ep)
	s.mu.Unlock()
	close(ep.done)
}

func (s *Server) snapshot() []*endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	eps := make([]*endpoint, 0, len(s.endpoints))
	for ep := range s.endpoints {
		eps = append(eps, ep)
	}
	return eps
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// endpoint is one Serve call: a socket, its receive buffers and the writer
// of its responses. Only the Serve goroutine touches it, but for done.
type endpoint struct {
	s    *Server
	pc   PacketConn
	io   packetIO
	msgs []message
	w    Writer
	req  frame.Frame // the frame being handled; a field so that passing it does not allocate
	done chan struct{}
}

func (s *Server) newEndpoint(pc PacketConn) (*endpoint, error) {
	size := datagramLimit(s.MaxDatagram)
	batch := min(max(s.Batch, 0), maxBatch)
	if batch == 0 {
		batch = DefaultBatch
	}
	io, batch, err := newPacketIO(pc, batch)
	if err != nil {
		return nil, err
	}
	ep := &endpoint{
		s:    s,
		pc:   pc,
		io:   io,
		msgs: make([]message, batch),
		w:    Writer{packer{framing: s.Framing, max: size}},
		done: make(chan struct{}),
	}
	// One backing array for all receive buffers: one object for the GC,
	// and neighbouring datagrams in neighbouring memory. One byte more than
	// the limit tells an oversized datagram from one of exactly the limit.
	slot := size + 1
	bufs := make([]byte, batch*slot)
	for i := range ep.msgs {
		ep.msgs[i].buf = bufs[i*slot : (i+1)*slot : (i+1)*slot]
	}
	return ep, nil
}

// serve handles the datagrams of one read, then sends the responses.
func (ep *endpoint) serve(ms []message) {
	if len(ms) == 0 {
		return
	}
	frames := 0
	for i := range ms {
		frames += ep.serveDatagram(ms[i].buf[:ms[i].n], ms[i].peer)
		// Responses go out a batch at a time, but no more than a batch of
		// datagrams wait: peers whose requests bring many answers do not
		// grow the buffer to hold them all.
		if len(ep.w.closed) >= len(ep.msgs) {
			ep.flush()
		}
	}
	ep.s.stats.datagrams.Add(uint64(len(ms)))
	ep.s.stats.frames.Add(uint64(frames))
	ep.w.closeOpen()
	ep.flush()
}

// serveDatagram hands the frames of datagram b from peer to the handler,
// counts what it drops, and returns the number of frames handled. A
// handler's panic is recovered, and drops the rest of the datagram.
func (ep *endpoint) serveDatagram(b []byte, peer netip.AddrPort) (frames int) {
	ep.w.to(peer)
	defer func() {
		if v := recover(); v != nil {
			ep.s.stats.panics.Add(1)
			ep.s.logger().Error("dgram: handler panic", "peer", peer, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	d := datagram{b: b, max: ep.w.max}
	for {
		ok, de := d.next(ep.s.Framing, &ep.req)
		if de != nil {
			ep.drop(b, peer, de)
			continue
		}
		if !ok {
			return frames
		}
		frames++
		raw := ep.req.Raw // the handler may change *req, not the bytes it owns
		ep.s.Handler.ServeFrame(&ep.w, &ep.req)
		if ep.s.Poison {
			for i := range raw {
				raw[i] = stream.PoisonByte
			}
		}
	}
}

// drop counts and logs the bytes of a datagram that could not be handled.
func (ep *endpoint) drop(b []byte, peer netip.AddrPort, de *DropError) {
	ep.s.stats.count(de)
	log := ep.s.logger()
	if log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("dgram: datagram dropped", "peer", peer, "err", de, "dropped", trace.HexN(b[de.Offset:], 64))
	}
}

// flush sends the closed response datagrams.
func (ep *endpoint) flush() {
	if len(ep.w.closed) == 0 {
		return
	}
	failed, err := ep.io.write(ep.w.buf, ep.w.closed)
	ep.s.stats.sent.Add(uint64(len(ep.w.closed) - failed))
	if failed > 0 {
		ep.s.stats.sendErrors.Add(uint64(failed))
		// Debug, not warn: a peer can make sends fail (a spoofed,
		// unreachable source address), and so flood a log at a higher level.
		ep.s.logger().Debug("dgram: responses not sent", "datagrams", failed, "err", err)
	}
	ep.w.reset()
}

// Stats counts what a [Server] did since it was created, over all its
// sockets. One datagram may count in several drop counters: a frame skipped
// by a framing that can step over bad frames, then an incomplete one.
type Stats struct {
	Datagrams uint64 // datagrams received
	Frames    uint64 // frames handed to the handler
	Sent      uint64 // response datagrams sent
	// SendErrors counts response datagrams the socket refused.
	SendErrors uint64
	// Oversized counts datagrams longer than MaxDatagram, dropped unread.
	Oversized uint64
	// Incomplete counts datagrams that ended inside a frame.
	Incomplete uint64
	// Malformed counts frames the framing refused, by the [frame.Kind] of
	// its error; kind 0 counts errors that are not a *frame.Error. Nil when
	// there were none.
	Malformed map[frame.Kind]uint64
	// Panics counts handler panics, each of which dropped the rest of its
	// datagram.
	Panics uint64
}

// Stats returns the server's counters. A Serve loop counts drops and panics
// as they happen, datagrams and frames once it has handled those of a read
// and before sending their responses (so a peer that has its response sees
// every datagram read before its own counted), and sends once they return.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Datagrams:  c.datagrams.Load(),
		Frames:     c.frames.Load(),
		Sent:       c.sent.Load(),
		SendErrors: c.sendErrors.Load(),
		Oversized:  c.oversized.Load(),
		Incomplete: c.incomplete.Load(),
		Panics:     c.panics.Load(),
	}
	for k := range c.malformed {
		if n := c.malformed[k].Load(); n > 0 {
			if st.Malformed == nil {
				st.Malformed = make(map[frame.Kind]uint64)
			}
			st.Malformed[frame.Kind(k)] = n
		}
	}
	return st
}

// counters are the live [Stats].
type counters struct {
	datagrams, frames, sent, sendErrors atomic.Uint64
	oversized, incomplete, panics       atomic.Uint64
	// malformed is indexed by frame.Kind, a uint8: any kind has a slot.
	malformed [256]atomic.Uint64
}

// count counts a drop by its reason.
func (c *counters) count(de *DropError) {
	switch de.Reason {
	case Oversized:
		c.oversized.Add(1)
	case Incomplete:
		c.incomplete.Add(1)
	case Malformed:
		var fe *frame.Error
		var k frame.Kind
		if errors.As(de.Err, &fe) {
			k = fe.Kind
		}
		c.malformed[k].Add(1)
	}
}
