package dgram

import (
	"errors"
	"strconv"

	"github.com/wirekit/wirekit/frame"
)

// Defaults for the sizes both endpoints take.
const (
	// DefaultMaxDatagram is the default largest datagram: an Ethernet MTU
	// of 1500 bytes less a 20-byte IPv4 header and an 8-byte UDP header.
	// Larger datagrams are fragmented by IP on such a path, and losing any
	// fragment loses the whole datagram.
	DefaultMaxDatagram = 1472
	// MaxUDPPayload is the most a UDP datagram over IPv4 can carry, and so
	// the largest MaxDatagram accepted.
	MaxUDPPayload = 65507
)

// datagramLimit returns the datagram limit that a MaxDatagram setting of v
// means.
func datagramLimit(v int) int {
	if v <= 0 {
		return DefaultMaxDatagram
	}
	return min(v, MaxUDPPayload)
}

// Reason says why bytes of a received datagram were dropped. A Reason is an
// error, so errors.Is(err, dgram.Incomplete) tells whether err is a
// [*DropError] for that reason.
type Reason uint8

const (
	// Oversized: the datagram is longer than MaxDatagram. It is dropped
	// whole, unread: a peer and this endpoint disagree about the limit, or
	// the peer is hostile.
	Oversized Reason = iota + 1
	// Incomplete: the datagram ends inside a frame. Frames never span
	// datagrams, so the rest of that frame will never come.
	Incomplete
	// Malformed: the framing refused a frame; DropError.Err is its error
	// (a *frame.Error, whose Kind says what was wrong).
	Malformed
)

var reasonNames = [...]string{
	Oversized:  "oversized datagram",
	Incomplete: "datagram ends inside a frame",
	Malformed:  "malformed frame",
}

// String returns the reason's description, such as "oversized datagram".
func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Error returns "dgram: " and the reason's description.
func (r Reason) Error() string { return "dgram: " + r.String() }

// DropError reports bytes of a received datagram that were dropped. The
// frames before them, complete and accepted by the framing, were delivered.
type DropError struct {
	Reason Reason
	// Offset is where the dropped bytes start in the datagram: 0 for an
	// oversized datagram, else the offset of the refused or incomplete
	// frame.
	Offset int
	// Len is the length of the datagram. For an oversized one it is only
	// known to be more than the limit, and Len is the limit plus one.
	Len int
	// Err is the framing's error, for Malformed. Its offsets count from
	// Offset, where the framing was asked to split.
	Err error
}

func (e *DropError) Error() string {
	s := "dgram: " + e.Reason.String() + " at offset " + strconv.Itoa(e.Offset) + " of a " + strconv.Itoa(e.Len) + "-byte datagram"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is e's Reason.
func (e *DropError) Is(target error) bool {
	r, ok := target.(Reason)
	return ok && r == e.Reason
}

// Unwrap returns the framing's error, so errors.Is(err, frame.BadChecksum)
// and errors.As(err, new(*frame.Error)) see through a DropError.
func (e *DropError) Unwrap() error { return e.Err }

// FrameTooLargeError is returned when a frame written to an endpoint cannot
// fit in one datagram. Frames never span datagrams, so the frame is not sent;
// the frames written before it are unaffected. errors.Is(err, frame.TooLarge)
// holds.
type FrameTooLargeError struct {
	Size        int // the frame's length, header and trailer included
	MaxDatagram int
}

func (e *FrameTooLargeError) Error() string {
	return "dgram: a " + strconv.Itoa(e.Size) + "-byte frame does not fit in a datagram of at most " + strconv.Itoa(e.MaxDatagram) + " bytes"
}

// Is reports whether target is [frame.TooLarge].
func (e *FrameTooLargeError) Is(target error) bool { return target == frame.TooLarge }

// datagram walks the frames of one received datagram.
//
//	b: +---------+---------+---------+-- - - - --+
//	   | frame 1 | frame 2 | frame 3 | ...       |
//	   +---------+---------+---------+-- - - - --+
//	   ◀── delivered ─────▶ off
//
// A datagram holds whole frames only: an error ends the datagram (everything
// from the bad frame on is dropped) unless the framing says the error is not
// fatal and how many bytes to skip, the way a Delimited framing that discards
// over-long lines does; then the walk goes on after them.
type datagram struct {
	b   []byte
	off int
	max int // the datagram limit: a longer b is dropped unread
}

// next stores the next frame of the datagram in *f, borrowing d.b, and
// reports whether there was one. A non-nil error reports dropped bytes; the
// walk may go on after it, so the caller calls next until it returns false
// and a nil error.
func (d *datagram) next(fr frame.Framing, f *frame.Frame) (bool, *DropError) {
	at := d.off
	switch {
	case at >= len(d.b):
		return false, nil
	case at == 0 && len(d.b) > d.max:
		d.off = len(d.b)
		return false, &DropError{Reason: Oversized, Len: len(d.b)}
	}
	n, err := fr.Split(d.b[at:], f)
	if err == nil && n > 0 {
		d.off += n
		return true, nil
	}
	d.off = len(d.b)
	if err == nil {
		return false, &DropError{Reason: Incomplete, Offset: at, Len: len(d.b)}
	}
	var fe *frame.Error
	// A non-fatal error with Resync set means the bad frame goes on past the
	// datagram's end, which drops the rest as well; so does a framing error
	// that gives no way to step over the frame.
	if errors.As(err, &fe) && !fe.Fatal && !fe.Resync && fe.Skip > 0 {
		d.off = min(at+fe.Skip, len(d.b))
	}
	return false, &DropError{Reason: Malformed, Offset: at, Len: len(d.b), Err: err}
}
