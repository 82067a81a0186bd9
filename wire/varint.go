package wire

import "math/bits"

// MaxVarintLen is the most bytes a 64-bit LEB128 varint takes.
const MaxVarintLen = 10

// AppendUvarint appends v as unsigned LEB128: seven bits a byte, least
// significant group first, the top bit of each byte set when another
// follows. 300 = 0b10_0101100 is
//
//	0xac 0x02
//
// It is the same encoding as encoding/binary's AppendUvarint and
// protobuf's varint.
func AppendUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// UvarintLen is how many bytes AppendUvarint takes for v.
func UvarintLen(v uint64) int {
	return (bits.Len64(v|1) + 6) / 7
}

// AppendVarint appends v as signed LEB128, the two's complement encoding of
// DWARF and WebAssembly: groups as in AppendUvarint, ending at the first
// byte whose bit 6 repeats the sign of what remains. -2 is 0x7e; 64 is
// 0xc0 0x00, since 0x40 alone would read as -64.
//
// This is not encoding/binary's AppendVarint, which zigzags; for that
// encoding use AppendZigzag.
func AppendVarint(dst []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic: the sign stays
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

// AppendZigzag appends v the way protobuf's sint64 and encoding/binary's
// AppendVarint do: 0, -1, 1, -2, ... mapped onto 0, 1, 2, 3, ... and
// written as a uvarint. It takes as many bytes as AppendVarint for every
// value, since both spend one bit on the sign; use whichever the protocol
// names.
func AppendZigzag(dst []byte, v int64) []byte {
	return AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

// Uvarint decodes an unsigned LEB128 varint from the start of b and returns
// its value and length. Only the shortest encoding of each value is
// accepted. The error, an *Error, is ErrShort if b ends inside the varint,
// ErrOverflow if the value needs more than 64 bits (including a tenth byte
// above 0x01, and any encoding longer than MaxVarintLen), and
// ErrNonCanonical if the last byte is a zero that adds nothing, as in
// 0x80 0x00.
func Uvarint(b []byte) (uint64, int, error) {
	return uvarint(b, 0)
}

// Varint decodes a signed LEB128 varint, as written by AppendVarint, from
// the start of b and returns its value and length. Errors are as for
// Uvarint; ErrNonCanonical here means a last byte of 0x00 or 0x7f that
// only repeats the sign already given by the byte before it.
func Varint(b []byte) (int64, int, error) {
	return varint(b, 0)
}

// Zigzag decodes a varint written by AppendZigzag from the start of b and
// returns its value and length. Errors are as for Uvarint.
func Zigzag(b []byte) (int64, int, error) {
	return zigzag(b, 0)
}

// The decoders below read from b[off:] and report errors at off, so that
// Reader can use them on its buffer without slicing and without patching
// offsets afterwards.

func uvarint(b []byte, off int) (uint64, int, error) {
	if off < len(b) && b[off] < 0x80 {
		return uint64(b[off]), 1, nil // most lengths, tags and counts
	}
	v, n, err := leb128(b, off, "uvarint")
	if err != nil {
		return 0, 0, err
	}
	last := b[off+n-1]
	if n == MaxVarintLen && last > 1 {
		return 0, 0, errOverflow("uvarint", off)
	}
	if n > 1 && last == 0 {
		return 0, 0, errNonCanonical("uvarint", off)
	}
	return v, n, nil
}

func varint(b []byte, off int) (int64, int, error) {
	if off < len(b) && b[off] < 0x80 {
		return int64(int8(b[off]<<1) >> 1), 1, nil // bit 6 is the sign
	}
	v, n, err := leb128(b, off, "varint")
	if err != nil {
		return 0, 0, err
	}
	// The tenth byte holds bit 63; its other six bits can only repeat it.
	last := b[off+n-1]
	if n == MaxVarintLen && last != 0 && last != 0x7f {
		return 0, 0, errOverflow("varint", off)
	}
	if n > 1 && last == signFill(b[off+n-2]) {
		return 0, 0, errNonCanonical("varint", off)
	}
	if last&0x40 != 0 {
		v |= ^uint64(0) << (7 * n) // zero once n is 10: bit 63 came from the wire
	}
	return int64(v), n, nil
}

func zigzag(b []byte, off int) (int64, int, error) {
	u, n, err := uvarint(b, off)
	return int64(u>>1) ^ -int64(u&1), n, err
}

// signFill is the byte that, following c, would only repeat c's sign bit.
func signFill(c byte) byte {
	if c&0x40 != 0 {
		return 0x7f
	}
	return 0
}

// leb128 gathers the 7-bit groups of the varint at b[off:], leaving the
// checks that depend on signedness to its callers. A tenth group keeps only
// its lowest bit, which lands in bit 63.
func leb128(b []byte, off int, op string) (uint64, int, error) {
	var v uint64
	var shift uint
	for i, c := range b[off:] {
		if i == MaxVarintLen {
			return 0, 0, errOverflow(op, off)
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1, nil
		}
		shift += 7
	}
	if have := len(b) - off; have < MaxVarintLen {
		return 0, 0, errShort(op, off, uint64(have)+1, uint64(have))
	}
	return 0, 0, errOverflow(op, off) // ten bytes, each promising another
}
