package frame

import "encoding/binary"

// byteOrder reads and writes the unsigned integers of 0 to 8 bytes that
// framings configure by width; a width of 0 is an absent field.
type byteOrder struct{ little bool }

func (o byteOrder) uint(b []byte, width int) uint64 {
	if len(b) >= 8 {
		// One 8-byte load and a shift or mask: no branch on the width, which
		// matters on the hot path where every header field goes through here.
		if o.little {
			return binary.LittleEndian.Uint64(b) & maxUint(width)
		}
		return binary.BigEndian.Uint64(b) >> (64 - 8*uint(width)) & maxUint(width)
	}
	var v uint64
	for i := range width {
		if o.little {
			v |= uint64(b[i]) << (8 * i)
		} else {
			v = v<<8 | uint64(b[i])
		}
	}
	return v
}

func (o byteOrder) put(b []byte, v uint64, width int) {
	switch width {
	case 0:
	case 1:
		b[0] = byte(v)
	case 2:
		if o.little {
			binary.LittleEndian.PutUint16(b, uint16(v))
		} else {
			binary.BigEndian.PutUint16(b, uint16(v))
		}
	case 4:
		if o.little {
			binary.LittleEndian.PutUint32(b, uint32(v))
		} else {
			binary.BigEndian.PutUint32(b, uint32(v))
		}
	case 8:
		if o.little {
			binary.LittleEndian.PutUint64(b, v)
		} else {
			binary.BigEndian.PutUint64(b, v)
		}
	default:
		for i := range width {
			if o.little {
				b[i] = byte(v >> (8 * i))
			} else {
				b[width-1-i] = byte(v >> (8 * i))
			}
		}
	}
}

func (o byteOrder) append(dst []byte, v uint64, width int) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, width)...)
	o.put(dst[n:], v, width)
	return dst
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

// field reads f with one 8-byte load; b must hold 8 bytes from f.off.
func (o byteOrder) field(b []byte, f field) uint64 {
	if o.little {
		return binary.LittleEndian.Uint64(b[f.off:]) & f.mask
	}
	return binary.BigEndian.Uint64(b[f.off:]) >> f.shift
}
