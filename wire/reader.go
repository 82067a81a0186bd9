package wire

// A Reader decodes a byte slice from front to back, checking every read
// against the bytes left, for input that may be short or hostile.
//
// Reads return the value alone. The first failure is kept: it makes that
// read and every later one return the zero value without consuming input,
// and Err reports it as an *Error with the offset where the failing item
// starts. Decoding a message is a straight run of reads with one check at
// the end:
//
//	r := wire.NewReader(b)
//	m.ID = r.Uint32(wire.BigEndian)
//	m.Kind = Kind(r.Uint8())
//	m.Name = r.LengthPrefixed(1, wire.BigEndian)
//	if err := r.Err(); err != nil {
//		return err
//	}
//
// This beats (value, error) results, which put a branch after every field,
// and cryptobyte's bool results with out-pointers, which need a temporary
// for every field of a named type such as Kind; generated codecs are made
// of such runs. Its cost is that a value read after a failure is a zero,
// not data: check Err before acting on values, and in a loop whose count
// comes from the input check Err every iteration or bound the count by
// Remaining, since a failed Reader does not end the loop by itself.
//
// Byte slices from a Reader alias its input, so they are valid as long as
// the input is. Their capacity ends where they do, so appending to one
// copies instead of overwriting the bytes that follow it.
//
// A Reader never panics on input, whatever lengths it declares. It panics
// only on a bug in the caller: an integer width outside 1..8. A failure
// allocates its *Error; nothing else does, and a failed Reader costs
// nothing more however many reads follow.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader {
	return &Reader{buf: b}
}

// Err returns the first error, or nil.
func (r *Reader) Err() error { return r.err }

// Offset is how many bytes have been consumed. After an error it is the
// offset of the item that failed, or of its body if the prefix was read.
func (r *Reader) Offset() int { return r.off }

// Remaining is how many bytes are left.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Empty reports whether every byte has been consumed. A decoder ends with
// it to reject trailing garbage.
func (r *Reader) Empty() bool { return r.off == len(r.buf) }

// take consumes n bytes, or fails with ErrShort. It counts in uint64 so
// that a declared length beyond the int range is an error, not a wrap.
func (r *Reader) take(n uint64, op string) ([]byte, bool) {
	if r.err != nil {
		return nil, false
	}
	if have := uint64(len(r.buf) - r.off); n > have {
		r.err = errShort(op, r.off, n, have)
		return nil, false
	}
	end := r.off + int(n)
	b := r.buf[r.off:end:end]
	r.off = end
	return b, true
}

// Uint8 reads one byte.
func (r *Reader) Uint8() uint8 {
	b, ok := r.take(1, "uint8")
	if !ok {
		return 0
	}
	return b[0]
}

// Uint16 reads a 2-byte integer.
func (r *Reader) Uint16(o ByteOrder) uint16 {
	b, ok := r.take(2, "uint16")
	if !ok {
		return 0
	}
	return o.Uint16(b)
}

// Uint24 reads a 3-byte integer.
func (r *Reader) Uint24(o ByteOrder) uint32 {
	b, ok := r.take(3, "uint24")
	if !ok {
		return 0
	}
	return o.Uint24(b)
}

// Int24 reads a 3-byte two's complement integer.
func (r *Reader) Int24(o ByteOrder) int32 {
	return int32(signExtend(uint64(r.Uint24(o)), 3))
}

// Uint32 reads a 4-byte integer.
func (r *Reader) Uint32(o ByteOrder) uint32 {
	b, ok := r.take(4, "uint32")
	if !ok {
		return 0
	}
	return o.Uint32(b)
}

// Uint64 reads an 8-byte integer.
func (r *Reader) Uint64(o ByteOrder) uint64 {
	b, ok := r.take(8, "uint64")
	if !ok {
		return 0
	}
	return o.Uint64(b)
}

// Uint reads a width-byte integer. It panics if width is not in 1..8.
func (r *Reader) Uint(width int, o ByteOrder) uint64 {
	checkWidth(width)
	return r.uint(width, o, uintNames[width])
}

// uintNames are the Ops of Uint's errors, by width.
var uintNames = [...]string{1: "uint8", "uint16", "uint24", "uint32", "uint40", "uint48", "uint56", "uint64"}

// uint reads a width-byte integer, already checked, naming it op in an
// error.
func (r *Reader) uint(width int, o ByteOrder, op string) uint64 {
	b, ok := r.take(uint64(width), op)
	if !ok {
		return 0
	}
	return o.Uint(b, width)
}

// Int reads a width-byte two's complement integer. It panics if width is
// not in 1..8.
func (r *Reader) Int(width int, o ByteOrder) int64 {
	return signExtend(r.Uint(width, o), width)
}

// Uvarint reads an unsigned LEB128 varint; see the function Uvarint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n, err := uvarint(r.buf, r.off)
	r.advance(n, err)
	return v
}

// Varint reads a signed LEB128 varint; see the function Varint.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n, err := varint(r.buf, r.off)
	r.advance(n, err)
	return v
}

// Zigzag reads a zigzag varint; see the function Zigzag.
func (r *Reader) Zigzag() int64 {
	if r.err != nil {
		return 0
	}
	v, n, err := zigzag(r.buf, r.off)
	r.advance(n, err)
	return v
}

// advance records the outcome of a decoder that read n bytes at r.off.
// Decoders return n = 0 with an error, so the cursor stays put.
func (r *Reader) advance(n int, err error) {
	r.off += n
	r.err = err
}

// Bytes reads the next n bytes. A negative n is taken as the uint64 it
// converts to, so a length that wrapped on conversion to int fails with
// the length it had. Bytes(0) returns an empty slice and cannot fail except
// after an earlier error.
func (r *Reader) Bytes(n int) []byte {
	b, _ := r.take(uint64(n), "bytes")
	return b
}

// Skip consumes n bytes without looking at them; n is as for Bytes.
func (r *Reader) Skip(n int) {
	r.take(uint64(n), "bytes")
}

// LengthPrefixed reads a width-byte length and then that many bytes.
// A length larger than the input, even 2^64-1, fails with ErrShort before
// anything is allocated or sliced. It panics if width is not in 1..8.
func (r *Reader) LengthPrefixed(width int, o ByteOrder) []byte {
	checkWidth(width)
	n := r.uint(width, o, "length prefix")
	b, _ := r.take(n, "length-prefixed bytes")
	return b
}

// UvarintPrefixed reads a uvarint length and then that many bytes.
func (r *Reader) UvarintPrefixed() []byte {
	n := r.Uvarint()
	b, _ := r.take(n, "length-prefixed bytes")
	return b
}
