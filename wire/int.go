package wire

import (
	"encoding/binary"
	"strconv"
)

// ByteOrder says which end of a multi-byte integer goes first on the wire.
// The zero value is BigEndian, network byte order, and so is any value but
// LittleEndian.
//
// Its methods mirror encoding/binary's (BigEndian.AppendUint32) and add the
// widths that package lacks: 24 bits, and any width from 1 to 8 bytes, for
// fields whose width a framing chooses at run time. The 24-bit value
// 0x123456 goes on the wire as
//
//	BigEndian:    12 34 56
//	LittleEndian: 56 34 12
//
// Append and Put methods write the low bytes of v and drop the rest, as
// converting to a narrower type would. Read methods panic if b is shorter
// than the width, as encoding/binary's do: they are for bytes already
// known to be there. Use a Reader for input that may be short.
type ByteOrder uint8

const (
	BigEndian    ByteOrder = iota // most significant byte first
	LittleEndian                  // least significant byte first
)

func (o ByteOrder) String() string {
	switch o {
	case BigEndian:
		return "BigEndian"
	case LittleEndian:
		return "LittleEndian"
	}
	return "ByteOrder(" + strconv.Itoa(int(o)) + ")"
}

// AppendUint16 appends v in 2 bytes.
func (o ByteOrder) AppendUint16(dst []byte, v uint16) []byte {
	if o == LittleEndian {
		return binary.LittleEndian.AppendUint16(dst, v)
	}
	return binary.BigEndian.AppendUint16(dst, v)
}

// AppendUint24 appends the low 24 bits of v in 3 bytes.
func (o ByteOrder) AppendUint24(dst []byte, v uint32) []byte {
	if o == LittleEndian {
		return append(dst, byte(v), byte(v>>8), byte(v>>16))
	}
	return append(dst, byte(v>>16), byte(v>>8), byte(v))
}

// AppendUint32 appends v in 4 bytes.
func (o ByteOrder) AppendUint32(dst []byte, v uint32) []byte {
	if o == LittleEndian {
		return binary.LittleEndian.AppendUint32(dst, v)
	}
	return binary.BigEndian.AppendUint32(dst, v)
}

// AppendUint64 appends v in 8 bytes.
func (o ByteOrder) AppendUint64(dst []byte, v uint64) []byte {
	if o == LittleEndian {
		return binary.LittleEndian.AppendUint64(dst, v)
	}
	return binary.BigEndian.AppendUint64(dst, v)
}

// AppendUint appends the low width bytes of v. It panics if width is not
// in 1..8.
//
// A signed value needs no variant of its own: two's complement keeps its
// low bytes, so AppendUint(dst, uint64(v), width) is right, and Int reads
// it back.
func (o ByteOrder) AppendUint(dst []byte, v uint64, width int) []byte {
	checkWidth(width)
	n := len(dst)
	dst = append(dst, make([]byte, width)...)
	o.putUint(dst[n:], v)
	return dst
}

// PutUint writes the low width bytes of v to b[:width], for filling in a
// field reserved earlier. It panics if width is not in 1..8 or b is
// shorter than width.
func (o ByteOrder) PutUint(b []byte, v uint64, width int) {
	checkWidth(width)
	_ = b[width-1] // slicing alone would reach into spare capacity
	o.putUint(b[:width], v)
}

// putUint writes the low len(b) bytes of v to b.
func (o ByteOrder) putUint(b []byte, v uint64) {
	if o == LittleEndian {
		for i := range b {
			b[i] = byte(v)
			v >>= 8
		}
		return
	}
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// Uint16 reads 2 bytes.
func (o ByteOrder) Uint16(b []byte) uint16 {
	if o == LittleEndian {
		return binary.LittleEndian.Uint16(b)
	}
	return binary.BigEndian.Uint16(b)
}

// Uint24 reads 3 bytes.
func (o ByteOrder) Uint24(b []byte) uint32 {
	_ = b[2] // one bounds check for the three reads below
	if o == LittleEndian {
		return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	}
	return uint32(b[2]) | uint32(b[1])<<8 | uint32(b[0])<<16
}

// Int24 reads 3 bytes as a two's complement integer, so 0xff 0xff 0xff is
// -1 and not 16777215.
func (o ByteOrder) Int24(b []byte) int32 {
	return int32(signExtend(uint64(o.Uint24(b)), 3))
}

// Uint32 reads 4 bytes.
func (o ByteOrder) Uint32(b []byte) uint32 {
	if o == LittleEndian {
		return binary.LittleEndian.Uint32(b)
	}
	return binary.BigEndian.Uint32(b)
}

// Uint64 reads 8 bytes.
func (o ByteOrder) Uint64(b []byte) uint64 {
	if o == LittleEndian {
		return binary.LittleEndian.Uint64(b)
	}
	return binary.BigEndian.Uint64(b)
}

// Uint reads width bytes. It panics if width is not in 1..8.
func (o ByteOrder) Uint(b []byte, width int) uint64 {
	checkWidth(width)
	_ = b[width-1] // slicing alone would reach into spare capacity
	b = b[:width]
	var v uint64
	if o == LittleEndian {
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// Int reads width bytes as a two's complement integer, extending the sign
// bit of the top byte. It panics if width is not in 1..8.
func (o ByteOrder) Int(b []byte, width int) int64 {
	return signExtend(o.Uint(b, width), width)
}

// signExtend copies the top bit of a width-byte value into the bits above.
func signExtend(v uint64, width int) int64 {
	shift := 64 - 8*width
	return int64(v<<shift) >> shift
}

// checkWidth rejects widths outside 1..8. Widths come from code or
// configuration, never from input, so a bad one is a bug to stop at.
func checkWidth(width int) {
	if uint(width-1) > 7 {
		panicWidth("integer", width, "1..8")
	}
}

// panicWidth is kept out of line so that its callers stay small enough to
// inline.
//
//go:noinline
func panicWidth(what string, width int, valid string) {
	panic("wire: " + what + " width " + strconv.Itoa(width) + " not in " + valid)
}

// maxUint is the largest value width bytes hold.
func maxUint(width int) uint64 {
	return ^uint64(0) >> (64 - 8*width)
}
