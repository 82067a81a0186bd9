package wire

import (
	"errors"
	"fmt"
)

// The kinds of Error; test for them with errors.Is.
var (
	// ErrShort means the input ended inside an item. Error.Need says how
	// many bytes the item needs, so a caller reading a stream can wait for
	// that many and try again instead of failing.
	ErrShort = errors.New("wire: short buffer")

	// ErrOverflow means a value does not fit where it goes: a varint that
	// needs more than 64 bits, or a body too long for its length prefix.
	ErrOverflow = errors.New("wire: overflow")

	// ErrNonCanonical means a varint took more bytes than its value needs,
	// as 0x80 0x00 does for 0. Decoders reject such encodings so that every
	// value has exactly one: equal values give equal bytes, which signatures,
	// caches and deduplication rely on, and a peer cannot pad a field to
	// make it longer than its value says.
	ErrNonCanonical = errors.New("wire: non-canonical encoding")
)

// Error reports an item that could not be decoded, or a length that could
// not be encoded, and where it is. Every error the package returns is an
// *Error; use errors.As to get the offset and errors.Is to test the Kind.
//
// All of these are errors in one message. Whether one also ends the
// connection is the framing's decision, not this package's.
type Error struct {
	// Kind is ErrShort, ErrOverflow or ErrNonCanonical.
	Kind error

	// Op names the item, as in "uint32", "uvarint", "bits" or
	// "length prefix".
	Op string

	// Offset is where the item starts, in bytes from the start of the
	// input (for EndLength, of dst). For a BitReader it is the byte
	// holding the field's first bit.
	Offset int

	// For ErrShort, Need is how many bytes from Offset the item needs and
	// Have how many there were. Need is a lower bound for a varint, whose
	// length is not known until its last byte arrives.
	//
	// For ErrOverflow from EndLength, Need is the body's length and Have
	// the largest length the prefix can hold. Otherwise both are zero.
	Need, Have uint64
}

func (e *Error) Error() string {
	switch {
	case e.Kind == ErrShort:
		unit := "bytes"
		if e.Need == 1 {
			unit = "byte"
		}
		return fmt.Sprintf("wire: short buffer reading %s at offset %d: need %d %s, have %d",
			e.Op, e.Offset, e.Need, unit, e.Have)
	case e.Kind == ErrOverflow && e.Have != 0:
		return fmt.Sprintf("wire: overflow writing %s at offset %d: %d exceeds maximum %d",
			e.Op, e.Offset, e.Need, e.Have)
	case e.Kind == ErrOverflow:
		return fmt.Sprintf("wire: overflow reading %s at offset %d: value exceeds 64 bits", e.Op, e.Offset)
	default:
		return fmt.Sprintf("wire: non-canonical %s at offset %d: a shorter encoding exists", e.Op, e.Offset)
	}
}

// Unwrap returns e.Kind, which is what lets errors.Is(err, ErrShort) work.
func (e *Error) Unwrap() error { return e.Kind }

func errShort(op string, off int, need, have uint64) error {
	return &Error{Kind: ErrShort, Op: op, Offset: off, Need: need, Have: have}
}

func errOverflow(op string, off int) error {
	return &Error{Kind: ErrOverflow, Op: op, Offset: off}
}

func errNonCanonical(op string, off int) error {
	return &Error{Kind: ErrNonCanonical, Op: op, Offset: off}
}
