package stream

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/wirekit/wirekit/frame"
)

// maxEmptyReads is how many reads in a row may return no data and no error
// before a read gives up with io.ErrNoProgress, as in bufio.
const maxEmptyReads = 100

// ReadFrame returns the next frame. It reads from the underlying connection
// only when the inbound buffer holds no complete frame, one Read call at a
// time, each asking for all the free buffer space.
//
// The frame borrows the inbound buffer: it is valid until the next call to
// ReadFrame, [Conn.TryReadFrame] or [Conn.Release]. Use [frame.Frame.Clone]
// to keep it longer.
//
// Errors:
//   - A framing error is a *frame.Error whose Offset counts from the start of
//     the connection. A fatal one is sticky: every later read returns it. A
//     non-fatal one is returned once; the bad frame is dropped (its Skip
//     bytes, then, if Resync is set, the bytes the framing's
//     [frame.Resyncer] claims, as they arrive) and the next read goes on with
//     the frame after it. A non-fatal error the Conn cannot step over (no
//     Skip, or Resync from a framing that is no Resyncer) is made fatal.
//   - A frame that cannot fit in [Config.MaxInbound] bytes is a fatal
//     *frame.Error of kind frame.TooLarge at the frame's offset.
//   - io.EOF when the connection ends between frames; an error that
//     satisfies errors.Is(err, io.ErrUnexpectedEOF) and gives the offset
//     when it ends inside one.
//   - Any other error from the underlying Read, returned as is (a deadline
//     gives os.ErrDeadlineExceeded), after the frames completed by the bytes
//     that came with it. Such errors are not sticky: reading may be retried.
func (c *Conn) ReadFrame() (frame.Frame, error) {
	err := c.ReadFrameTo(&c.cur)
	return c.cur, err
}

// ReadFrameTo is [Conn.ReadFrame] storing the frame in *f, which is zeroed
// on an error. A frame is about 100 bytes: a caller that keeps it in a
// struct of its own, such as a server's request, saves copying it twice.
func (c *Conn) ReadFrameTo(f *frame.Frame) error {
	c.releaseFrame()
	for {
		if ok, err := c.next(f); ok || err != nil {
			if err != nil {
				*f = frame.Frame{}
			}
			return err
		}
		if err := c.fill(); err != nil {
			*f = frame.Frame{}
			return c.readError(err)
		}
	}
}

// TryReadFrame returns the next frame if it is complete in the inbound
// buffer, and ok == false otherwise. It never reads from the connection: a
// server calls it after each request and flushes its responses when it
// reports false, so that one write carries the responses to all the requests
// one read brought in.
//
// The frame borrows the buffer as with [Conn.ReadFrame]; framing errors are
// returned as ReadFrame returns them.
func (c *Conn) TryReadFrame() (frame.Frame, bool, error) {
	c.releaseFrame()
	ok, err := c.next(&c.cur)
	return c.cur, ok, err
}

// TryReadFrameTo is [Conn.TryReadFrame] into *f, which a server keeps for
// the request it serves: the frame is not copied on the way. Unless it
// reports true, *f holds no frame to use.
func (c *Conn) TryReadFrameTo(f *frame.Frame) (bool, error) {
	c.releaseFrame()
	return c.next(f)
}

// Fill reads from the connection once into the inbound buffer, making room
// for the frame begun there or growing the buffer for it as ReadFrame
// would, then [Conn.TryReadFrame] or [Conn.TryReadFrameTo] take what is
// complete. It is for a caller that knows input is waiting (a readiness
// check) and wants it without the risk of a second read, which could block:
// a server that would rather send its answers than wait for the rest of a
// slow frame. It ends the validity of the frame last returned.
func (c *Conn) Fill() error { return c.FillFrom(c.rw) }

// FillFrom is [Conn.Fill] reading from r instead of the connection's
// reader: for a caller with another way to read the same connection, such
// as a read that never waits (r returns an error of its own when nothing
// has arrived, and FillFrom returns it unchanged).
func (c *Conn) FillFrom(r io.Reader) error {
	c.releaseFrame()
	if c.fatal != nil {
		return c.fatal
	}
	if err := c.fillFrom(r); err != nil {
		return c.readError(err)
	}
	return nil
}

// InboundBuffered returns the number of bytes received and not yet returned
// as frames or skipped: complete frames waiting, and the start of an
// incomplete one.
func (c *Conn) InboundBuffered() int { return c.w - c.r }

// releaseFrame ends the validity of the frame last returned.
func (c *Conn) releaseFrame() {
	if c.poison {
		b := c.in[c.r-c.lent : c.r]
		for i := range b {
			b[i] = PoisonByte
		}
	}
	c.lent = 0
}

// next splits the next frame off the buffered bytes into *f, without
// reading. Unless it reports true, *f holds no frame to use.
func (c *Conn) next(f *frame.Frame) (bool, error) {
	if c.fatal != nil {
		return false, c.fatal
	}
	if c.discard > 0 {
		d := min(c.discard, c.w-c.r)
		c.discard -= d
		c.consume(d)
	}
	if c.resyncer != nil && c.r < c.w {
		n, done := c.resyncer.Resync(c.in[c.r:c.w])
		c.consume(n)
		if done {
			c.resyncer = nil
		}
	}
	if c.resyncer != nil || c.r == c.w {
		return false, nil
	}
	// The frame goes into the Conn or the caller's struct, never a local:
	// through the interface call a pointer to a local would escape, one
	// allocation per frame.
	n, err := c.framing.Split(c.in[c.r:c.w], f)
	if n == 0 || err != nil {
		*f = frame.Frame{}
		if err != nil {
			err = c.splitError(err)
		}
		return false, err
	}
	c.consume(n)
	c.lent = n
	return true, nil
}

func (c *Conn) consume(n int) {
	c.r += n
	c.pos += int64(n)
}

// splitError turns an error from Split into the error to return, and drops
// the bytes it says to skip. The framing's *frame.Error is copied so that its
// offset can count from the start of the connection.
func (c *Conn) splitError(err error) error {
	var fe *frame.Error
	if !errors.As(err, &fe) {
		// Not a framing error: nothing says where the next frame starts.
		c.fatal = err
		return err
	}
	e := *fe
	e.Offset += c.pos
	rs, canResync := c.framing.(frame.Resyncer)
	switch {
	case e.Fatal:
		// The framing's verdict: the stream cannot be trusted any more.
	case e.Resync && !canResync:
		// Nothing can find the end of the bad frame.
		e.Fatal = true
	case !e.Resync && e.Skip <= 0:
		// Skipping nothing would split the same bytes again forever.
		e.Fatal = true
	}
	if e.Fatal {
		c.fatal = &e
		return &e
	}
	d := min(e.Skip, c.w-c.r)
	c.consume(d)
	c.discard = e.Skip - d
	if e.Resync {
		c.resyncer = rs
	}
	return &e
}

// fill reads once into the free space at the end of the inbound buffer,
// taking, compacting or growing the buffer first if needed.
func (c *Conn) fill() error { return c.fillFrom(c.rw) }

// fillFrom is fill reading from r.
func (c *Conn) fillFrom(r io.Reader) error {
	if err := c.pending; err != nil {
		c.pending = nil
		return err
	}
	switch {
	case c.inBox == nil:
		c.takeInbound(c.adaptive)
	case c.r == c.w:
		c.r, c.w = 0, 0
	case c.r > 0 && len(c.in)-c.w < c.adaptive:
		c.w = copy(c.in, c.in[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.in) {
		if err := c.grow(); err != nil {
			return err
		}
	}
	for range maxEmptyReads {
		n, err := r.Read(c.in[c.w:])
		c.w += n
		if n > 0 {
			c.adapt(n)
			c.pending = err
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// MaxAdaptiveRead is the largest inbound buffer a Conn takes because its
// reads fill their buffers (see Config.ReadSize): as large as the buffers of
// a hand-tuned bufio server, and of gnet's loops.
const MaxAdaptiveRead = 64 << 10

// adapt sizes the next inbound buffer after a read of n bytes: twice as
// large if the read filled the buffer, and a good part of a buffer of the
// current size (not just the end of one), as input is likely waiting; half as
// large after four reads in a row that brought less than an eighth of it.
// The hysteresis keeps a connection whose batches vary from switching
// buffer sizes at each one.
func (c *Conn) adapt(n int) {
	switch {
	case c.w == len(c.in) && n >= c.adaptive/2 && c.adaptive < min(MaxAdaptiveRead, c.maxInbound):
		c.adaptive = min(2*c.adaptive, MaxAdaptiveRead, c.maxInbound)
		c.small = 0
	case n < c.adaptive/8 && c.adaptive > c.readSize:
		if c.small++; c.small == 4 {
			c.adaptive = max(c.adaptive/2, c.readSize)
			c.small = 0
		}
	default:
		c.small = 0
	}
}

// grow replaces the full inbound buffer, which holds the start of one frame,
// by one twice its size, or refuses the frame at MaxInbound.
func (c *Conn) grow() error {
	if len(c.in) >= c.maxInbound {
		c.fatal = &frame.Error{
			Kind:   frame.TooLarge,
			Offset: c.pos,
			Fatal:  true,
			Detail: "frame does not fit in the " + strconv.Itoa(c.maxInbound) + "-byte inbound buffer (stream.Config.MaxInbound)",
		}
		return c.fatal
	}
	old, oldBox := c.in[c.r:c.w], c.inBox
	c.takeInbound(min(2*len(c.in), c.maxInbound))
	c.r, c.w = 0, copy(c.in, old)
	c.pool.Put(oldBox)
	return nil
}

func (c *Conn) takeInbound(size int) {
	c.inBox = c.pool.Get(size)
	b := *c.inBox
	c.in = b[:min(cap(b), c.maxInbound)]
}

// readError describes a failed read. EOF inside a frame becomes an error
// that wraps io.ErrUnexpectedEOF and tells where the frame began.
func (c *Conn) readError(err error) error {
	if err != io.EOF {
		return err
	}
	switch {
	case c.discard > 0 || c.resyncer != nil:
		return fmt.Errorf("stream: connection closed at offset %d, inside a frame being skipped: %w",
			c.pos+int64(c.w-c.r), io.ErrUnexpectedEOF)
	case c.r < c.w:
		return fmt.Errorf("stream: connection closed at offset %d, inside the frame at offset %d: %w",
			c.pos+int64(c.w-c.r), c.pos, io.ErrUnexpectedEOF)
	}
	return io.EOF
}
