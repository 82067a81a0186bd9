package frame

import (
	"errors"
	"strconv"
)

// Fixed frames are all Size bytes long, with no header: the stream is cut
// every Size bytes.
//
//	Size = 4
//	input:  +---------+---------+--
//	        | a b c d | e f g h | i
//	        +---------+---------+--
//	frames: "abcd", "efgh"; "i" waits for three more bytes
type Fixed struct {
	size int
}

// NewFixed returns a framing of size-byte frames. size must be positive.
func NewFixed(size int) (*Fixed, error) {
	if size <= 0 {
		return nil, errors.New("frame: fixed size must be positive, got " + strconv.Itoa(size))
	}
	return &Fixed{size: size}, nil
}

// Size returns the length of every frame.
func (x *Fixed) Size() int { return x.size }

// Split implements [Framing].
func (x *Fixed) Split(b []byte, f *Frame) (int, error) {
	if len(b) < x.size {
		return 0, nil
	}
	raw := b[:x.size:x.size]
	*f = Frame{Raw: raw, Payload: raw}
	return x.size, nil
}

// Begin implements [Framing]; fixed frames have no header.
func (x *Fixed) Begin(dst []byte, _ Meta) ([]byte, Mark) {
	return dst, Mark{start: len(dst), body: len(dst)}
}

// Finish implements [Framing]. It fails with [BadBody] unless the body is
// exactly Size bytes.
func (x *Fixed) Finish(dst []byte, m Mark, tail []byte) ([]byte, error) {
	if n := len(dst) - m.body + len(tail); n != x.size {
		return dst[:m.start], writeError(BadBody, 0, "fixed frame of "+strconv.Itoa(x.size)+" bytes given a "+strconv.Itoa(n)+"-byte body")
	}
	return dst, nil
}
