package dgram

import (
	"net/netip"

	"github.com/wirekit/wirekit/frame"
)

// span is one datagram ready to go: buf[start:end] of its packer, to peer.
// A span is never empty.
type span struct {
	start, end int
	peer       netip.AddrPort
}

// packer packs frames into datagrams. Frames are appended to one buffer, and
// consecutive frames to the same peer share a datagram while it stays within
// max bytes; the frame that would overflow it opens the next one. A
// datagram is a range of the buffer, so packing copies nothing.
//
//	buf: +----------------+----------------+----------- - -+
//	     | frames to A    | frames to B    | frames to B   |
//	     +----------------+----------------+----------- - -+
//	      closed[0]        closed[1]        ▲open
//
// Its Begin, Finish and WriteFrame methods are the writing API of [Writer]
// and [Conn].
type packer struct {
	framing frame.Framing
	max     int
	buf     []byte
	open    int            // where the open datagram starts in buf
	peer    netip.AddrPort // the open datagram's destination
	closed  []span
}

// Begin starts a frame: it returns the buffer with the frame's header
// appended, and a mark for Finish. The caller appends the body to the
// returned slice and passes the result to Finish; until then it must call no
// other writing method.
//
//	buf, m := w.Begin(frame.Meta{Type: orders.TypeOrderAck, ID: req.ID})
//	buf = ack.Append(buf) // the message encodes itself
//	err := w.Finish(buf, m)
func (p *packer) Begin(h frame.Meta) ([]byte, frame.Mark) {
	return p.framing.Begin(p.buf, h)
}

// Finish completes the frame begun with Begin: the framing backfills its
// length and appends its trailer. The frame joins the datagram being filled
// if it fits within the datagram limit, and starts the next datagram
// otherwise. It is queued, not sent.
//
// A frame longer than the datagram limit is refused with a
// [*FrameTooLargeError], and one the framing refuses with the framing's
// error; either way the frame is dropped and the frames queued before it
// stay.
func (p *packer) Finish(buf []byte, m frame.Mark) error {
	buf, err := p.framing.Finish(buf, m, nil)
	p.buf = buf // on error, the framing has cut buf back to m.Start()
	if err != nil {
		return err
	}
	if size := len(buf) - m.Start(); size > p.max {
		p.buf = buf[:m.Start()]
		return &FrameTooLargeError{Size: size, MaxDatagram: p.max}
	}
	if len(buf)-p.open > p.max {
		p.closed = append(p.closed, span{p.open, m.Start(), p.peer})
		p.open = m.Start()
	}
	return nil
}

// WriteFrame queues a frame with the given body, copied. It is Begin,
// append, Finish.
func (p *packer) WriteFrame(h frame.Meta, body []byte) error {
	buf, m := p.Begin(h)
	return p.Finish(append(buf, body...), m)
}

// to closes the open datagram and opens one to peer.
func (p *packer) to(peer netip.AddrPort) {
	p.closeOpen()
	p.peer = peer
}

// closeOpen closes the open datagram, if it holds a frame, so that it is
// sent with the closed ones.
func (p *packer) closeOpen() {
	if len(p.buf) > p.open {
		p.closed = append(p.closed, span{p.open, len(p.buf), p.peer})
		p.open = len(p.buf)
	}
}

// reset forgets the closed datagrams once they are sent, and moves the open
// one, if it holds frames, to the front of the buffer.
func (p *packer) reset() {
	p.buf = p.buf[:copy(p.buf, p.buf[p.open:])]
	p.open = 0
	p.closed = p.closed[:0]
}
