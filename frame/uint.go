package frame

import (
	"encoding/binary"

	"github.com/wirekit/wirekit/wire"
)

// byteOrder reads and writes the unsigned integers of 0 to 8 bytes that
// framings configure by width; a width of 0 is an absent field.
type byteOrder struct{ little bool }

// wire returns the byte order as package wire spells it.
func (o byteOrder) wire() wire.ByteOrder {
	if o.little {
		return wire.LittleEndian
	}
	return wire.BigEndian
}

func (o byteOrder) uint(b []byte, width int) uint64 {
	if len(b) >= 8 {
		// One 8-byte load and a shift or mask: no branch on the width, which
		// matters on the hot path where every header field goes through here.
		if o.little {
			return binary.LittleEndian.Uint64(b) & maxUint(width)
		}
		return binary.BigEndian.Uint64(b) >> (64 - 8*uint(width)) & maxUint(width)
	}
	if width == 0 {
		return 0
	}
	return o.wire().Uint(b, width)
}

func (o byteOrder) put(b []byte, v uint64, width int) {
	// The common widths without a loop: Finish backfills every frame's
	// length through here.
	switch {
	case width == 4 && !o.little:
		binary.BigEndian.PutUint32(b, uint32(v))
	case width == 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	case width > 0:
		o.wire().PutUint(b, v, width)
	}
}

func (o byteOrder) append(dst []byte, v uint64, width int) []byte {
	if width == 0 {
		return dst
	}
	return o.wire().AppendUint(dst, v, width)
}

// maxUint returns the largest value a width-byte unsigned field holds.
func maxUint(width int) uint64 {
	return 1<<(8*uint(width)) - 1 | -(uint64(width) >> 3) // width 8: all ones
}

// field locates a header field for byteOrder.field.
type field struct {
	off   int
	shift uint   // big-endian: 64 - 8*width
	mask  uint64 // little-endian: maxUint(width)
}

func newField(off, width int) field {
	return field{off: off, shift: 64 - 8*uint(width), mask: maxUint(width)}
}

// store writes v's low bytes to field f with one 8-byte store, and zeros to
// the 8-width bytes after the field; b must hold 8 bytes from f.off.
func (o byteOrder) store(b []byte, f field, v uint64) {
	if o.little {
		binary.LittleEndian.PutUint64(b[f.off:], v&f.mask)
		return
	}
	binary.BigEndian.PutUint64(b[f.off:], v<<f.shift)
}

// field reads f with one 8-byte load; b must hold 8 bytes from f.off.
func (o byteOrder) field(b []byte, f field) uint64 {
	if o.little {
		return binary.LittleEndian.Uint64(b[f.off:]) & f.mask
	}
	return binary.BigEndian.Uint64(b[f.off:]) >> f.shift
}
