package stream

import (
	"io"

	"github.com/wirekit/wirekit/frame"
)

// ref is a payload attached by reference: it goes on the wire just before
// out[at].
type ref struct {
	at      int
	payload []byte
}

// Begin starts a frame: it returns the outbound buffer with the frame's
// header appended, and a mark for [Conn.Finish]. The caller appends the body
// to the returned slice and passes the result to Finish or
// [Conn.FinishRef]; until then it must call no other writing method.
//
//	buf, m := c.Begin(frame.Meta{Type: 3, ID: id})
//	buf = order.Append(buf) // the message encodes itself
//	err := c.Finish(buf, m)
func (c *Conn) Begin(h frame.Meta) ([]byte, frame.Mark) {
	if c.outBox == nil {
		c.outBox = c.pool.Get(c.readSize)
		c.out = *c.outBox
	}
	return c.framing.Begin(c.out, h)
}

// Finish completes the frame begun with [Conn.Begin]: the framing backfills
// its length and appends its trailer, and buf becomes the outbound buffer.
// The frame is queued, not written: nothing is sent before [Conn.Flush].
//
// If the framing refuses the frame (a body over its maximum, say), Finish
// returns its error and the frame is dropped; the frames queued before it
// stay.
func (c *Conn) Finish(buf []byte, m frame.Mark) error {
	return c.FinishRef(buf, m, nil)
}

// FinishRef is [Conn.Finish] for a frame whose body ends with payload,
// attached by reference instead of copied: the framing counts it in the
// length and the checksum, and [Conn.Flush] writes it from where it is, with
// the queued bytes around it, in one [net.Buffers] write (writev on TCP).
// On the wire the frame is buf, then payload, then the trailer the framing
// appends. The caller must not modify payload until Flush has written it.
func (c *Conn) FinishRef(buf []byte, m frame.Mark, payload []byte) error {
	at := len(buf)
	buf, err := c.framing.Finish(buf, m, payload)
	c.out = buf
	if err != nil {
		return err
	}
	if len(payload) > 0 {
		c.refs = append(c.refs, ref{at: at, payload: payload})
		c.refBytes += len(payload)
	}
	c.updateWritable()
	return nil
}

// WriteFrame queues a frame with the given body, copied into the outbound
// buffer. It is Begin, append, Finish.
func (c *Conn) WriteFrame(h frame.Meta, body []byte) error {
	buf, m := c.Begin(h)
	return c.Finish(append(buf, body...), m)
}

// QueueRaw queues p, bytes that already hold complete frames of this Conn's
// framing, copied into the outbound buffer: frames built elsewhere, such as
// a reply another goroutine wrote into a buffer of its own while this Conn
// was busy. Like Finish it only queues; [Conn.Flush] writes. It is a writing
// method (see [Conn]).
func (c *Conn) QueueRaw(p []byte) {
	if c.outBox == nil {
		c.outBox = c.pool.Get(max(c.readSize, len(p)))
		c.out = *c.outBox
	}
	c.out = append(c.out, p...)
	c.updateWritable()
}

// A BuffersWriter writes several byte slices in one call, as writev does,
// and returns the bytes written. [Conn.Flush] uses it when the underlying
// io.ReadWriter has it: a writer over a raw socket, which [net.Buffers]
// cannot reach (it knows net's own connections only).
type BuffersWriter interface {
	WriteBuffers(v [][]byte) (int, error)
}

// Flush writes everything queued: in one Write call, or, when payloads are
// attached, in one [BuffersWriter.WriteBuffers] call if the underlying
// writer has it, else one [net.Buffers.WriteTo] call, which is one writev
// on a TCP connection (other writers get one Write per segment).
//
// If the write fails (a write deadline, say), the bytes not written stay
// queued, and a later Flush writes them and only them: no byte is sent twice
// or lost. Finish never flushes by itself: a writer checks [Conn.Writable]
// and calls Flush when it is false, or when it has nothing more to queue.
func (c *Conn) Flush() error {
	var n int
	var err error
	if c.refHead == len(c.refs) {
		p := c.out[c.sent:]
		if len(p) == 0 {
			return nil
		}
		n, err = c.rw.Write(p)
		if n < len(p) && err == nil {
			err = io.ErrShortWrite
		}
	} else if bw, ok := c.rw.(BuffersWriter); ok {
		n, err = bw.WriteBuffers(c.segments())
		clear(c.iovBuf) // drop the references to payloads
	} else {
		c.iov = c.segments()
		var n64 int64
		n64, err = c.iov.WriteTo(c.rw)
		n = int(n64)
		clear(c.iovBuf)
		c.iov = nil
	}
	c.advance(n)
	return err
}

// segments lists the unwritten bytes in wire order, for a vectored write.
func (c *Conn) segments() [][]byte {
	iov := c.iovBuf[:0]
	from := c.sent
	for _, r := range c.refs[c.refHead:] {
		if r.at > from {
			iov = append(iov, c.out[from:r.at])
		}
		iov = append(iov, r.payload)
		from = r.at
	}
	if from < len(c.out) {
		iov = append(iov, c.out[from:])
	}
	c.iovBuf = iov
	return iov
}

// advance marks the next n queued bytes as written.
func (c *Conn) advance(n int) {
	for c.refHead < len(c.refs) {
		r := &c.refs[c.refHead]
		gap := r.at - c.sent
		if n < gap {
			break
		}
		c.sent, n = r.at, n-gap
		if n < len(r.payload) {
			r.payload = r.payload[n:]
			c.refBytes -= n
			n = 0
			break
		}
		n -= len(r.payload)
		c.refBytes -= len(r.payload)
		*r = ref{}
		c.refHead++
	}
	c.sent += n
	if c.sent == len(c.out) && c.refHead == len(c.refs) {
		c.resetOutbound()
	}
	c.updateWritable()
}

// resetOutbound empties the queue, keeping the buffers' capacity.
func (c *Conn) resetOutbound() {
	clear(c.refs)
	c.out, c.sent = c.out[:0], 0
	c.refs, c.refHead, c.refBytes = c.refs[:0], 0, 0
}

// OutboundBuffered returns the number of bytes queued and not yet written,
// attached payloads included.
func (c *Conn) OutboundBuffered() int { return len(c.out) - c.sent + c.refBytes }

// Writable reports whether the writer should go on queueing frames. It turns
// false when more than [Config.HighWater] bytes are queued, and true again
// only when a flush has brought them down to [Config.LowWater] or less: in
// between it keeps its last value, so a writer near the mark does not flap.
func (c *Conn) Writable() bool { return c.writable }

func (c *Conn) updateWritable() {
	switch n := c.OutboundBuffered(); {
	case n > c.highWater:
		c.writable = false
	case n <= c.lowWater:
		c.writable = true
	}
}
