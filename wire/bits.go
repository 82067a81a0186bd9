package wire

import "strconv"

// BitOrder says where in a byte a bit field starts. The package doc draws
// both orders. The zero value is MSBFirst, and so is any value but
// LSBFirst.
type BitOrder uint8

const (
	// MSBFirst fills each byte from its most significant bit down, and
	// puts each field's most significant bit first: the layout of RFC
	// packet diagrams, IP and TCP headers, MPEG and H.264.
	MSBFirst BitOrder = iota

	// LSBFirst fills each byte from its least significant bit up, and puts
	// each field's least significant bit first: the layout of DEFLATE,
	// DWARF and C bit-fields on little-endian machines.
	LSBFirst
)

func (o BitOrder) String() string {
	switch o {
	case MSBFirst:
		return "MSBFirst"
	case LSBFirst:
		return "LSBFirst"
	}
	return "BitOrder(" + strconv.Itoa(int(o)) + ")"
}

// A BitWriter appends bit fields of 0 to 64 bits to a byte slice. Fields
// may cross byte boundaries; nothing pads between them.
//
// Whole bytes go to the slice as soon as they are complete and fewer than
// eight bits wait in the BitWriter, so writing never allocates beyond the
// slice's own growth. Bytes finishes the slice.
type BitWriter struct {
	buf   []byte
	acc   uint64 // pending bits, in the low nacc bits; nacc < 8 between calls
	nacc  uint
	order BitOrder
}

// NewBitWriter returns a BitWriter that appends to dst in the given order.
func NewBitWriter(dst []byte, order BitOrder) *BitWriter {
	return &BitWriter{buf: dst, order: order}
}

// WriteBits writes the low n bits of v as one field and ignores the rest
// of v. It panics if n is not in 0..64.
func (w *BitWriter) WriteBits(v uint64, n int) {
	checkBits(n)
	u := uint(n)
	v &= mask(u)
	if w.nacc+u > 64 {
		// The field and the pending bits overflow the accumulator: write
		// the field as two halves, in the order they go on the wire.
		if w.order == LSBFirst {
			w.WriteBits(v, 32)
			w.WriteBits(v>>32, n-32)
		} else {
			w.WriteBits(v>>32, n-32)
			w.WriteBits(v, 32)
		}
		return
	}
	if w.order == LSBFirst {
		w.acc |= v << w.nacc
		w.nacc += u
		for w.nacc >= 8 {
			w.buf = append(w.buf, byte(w.acc))
			w.acc >>= 8
			w.nacc -= 8
		}
		return
	}
	w.acc = w.acc<<u | v // n = 64 leaves nacc = 0, and Go's acc<<64 is 0
	w.nacc += u
	for w.nacc >= 8 {
		w.nacc -= 8
		w.buf = append(w.buf, byte(w.acc>>w.nacc))
	}
	w.acc &= mask(w.nacc)
}

// Bytes pads a final partial byte with zero bits (after the last field, in
// the writer's order) and returns the slice with everything written so far.
// Later writes start on a new byte.
func (w *BitWriter) Bytes() []byte {
	if w.nacc > 0 {
		if w.order != LSBFirst {
			w.acc <<= 8 - w.nacc
		}
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

// A BitReader reads back the fields a BitWriter wrote, given the same
// widths and order.
//
// Like Reader, it keeps the first error: a read past the end returns 0,
// records an *Error of kind ErrShort whose Offset is the byte holding the
// field's first bit, and makes every later read return 0. Check Err when
// done.
type BitReader struct {
	buf   []byte
	off   int  // byte holding the next bit
	bit   uint // bits of buf[off] already read, 0..7
	order BitOrder
	err   error
}

// NewBitReader returns a BitReader over b in the given order.
func NewBitReader(b []byte, order BitOrder) *BitReader {
	return &BitReader{buf: b, order: order}
}

// ReadBits reads an n-bit field. It panics if n is not in 0..64.
func (r *BitReader) ReadBits(n int) uint64 {
	checkBits(n)
	if r.err != nil {
		return 0
	}
	// Counting in bytes cannot overflow, as a bit count of a large
	// buffer could on 32-bit platforms.
	need := (r.bit + uint(n) + 7) / 8
	if have := uint(len(r.buf) - r.off); need > have {
		r.err = errShort("bits", r.off, uint64(need), uint64(have))
		return 0
	}
	var v uint64
	for got := uint(0); got < uint(n); {
		avail := 8 - r.bit
		take := min(avail, uint(n)-got)
		c := uint64(r.buf[r.off])
		if r.order == LSBFirst {
			v |= c >> r.bit & mask(take) << got
		} else {
			v = v<<take | c>>(avail-take)&mask(take)
		}
		got += take
		r.bit += take
		if r.bit == 8 {
			r.off++
			r.bit = 0
		}
	}
	return v
}

// Err returns the first error, or nil.
func (r *BitReader) Err() error { return r.err }

func checkBits(n int) {
	if uint(n) > 64 {
		panicWidth("bit field", n, "0..64")
	}
}

// mask has the low n bits set, for n in 0..64.
func mask(n uint) uint64 {
	return ^uint64(0) >> (64 - n)
}
