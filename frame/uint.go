package frame

import "encoding/binary"

// byteOrder reads and writes the unsigned integers of 0 to 8 bytes that
// framings configure by width; a width of 0 is an absent field.
type byteOrder struct{ little bool }

func (o byteOrder) std() binary.ByteOrder {
	if o.little {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

func (o byteOrder) uint(b []byte, width int) uint64 {
	switch width {
	case 0:
		return 0
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(o.std().Uint16(b))
	case 4:
		return uint64(o.std().Uint32(b))
	case 8:
		return o.std().Uint64(b)
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
		o.std().PutUint16(b, uint16(v))
	case 4:
		o.std().PutUint32(b, uint32(v))
	case 8:
		o.std().PutUint64(b, v)
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
	if width >= 8 {
		return 1<<64 - 1
	}
	return 1<<(8*width) - 1
}
