package wire_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

type field struct {
	v uint64
	n int
}

// bitVectors were worked out by hand from the bit strings in the comments:
// MSB-first is the bit string cut into bytes; LSB-first puts the first
// field in the low bits of a little-endian number.
var bitVectors = []struct {
	name     string
	fields   []field
	msb, lsb string
}{{
	// a:3 b:7 c:6 of the package doc; 101 1010101 101010
	name:   "doc",
	fields: []field{{5, 3}, {0x55, 7}, {0x2a, 6}},
	msb:    "b5 6a",
	lsb:    "ad aa",
}, {
	// 101 1011010 1101010111100 00100100011010001010110011110001001101010
	name:   "3+7+13+41",
	fields: []field{{0b101, 3}, {0x5a, 7}, {0x1abc, 13}, {0x123456789ab, 41}},
	msb:    "b6 b5 79 23 45 67 89 ab",
	lsb:    "d5 f2 ea d5 c4 b3 a2 91",
}, {
	// A 64-bit field starting at bit 1 spans nine bytes.
	name:   "1+64+7",
	fields: []field{{1, 1}, {0xfedcba9876543210, 64}, {0x55, 7}},
	msb:    "ff 6e 5d 4c 3b 2a 19 08 55",
	lsb:    "21 64 a8 ec 30 75 b9 fd ab",
}, {
	// A 64-bit field after 7 pending bits: more than one accumulator holds.
	name:   "7+64+1",
	fields: []field{{0x3c, 7}, {0x0123456789abcdef, 64}, {1, 1}},
	msb:    "78 02 46 8a cf 13 57 9b df",
	lsb:    "bc f7 e6 d5 c4 b3 a2 91 80",
}, {
	name:   "64 aligned",
	fields: []field{{0x0102030405060708, 64}},
	msb:    "01 02 03 04 05 06 07 08",
	lsb:    "08 07 06 05 04 03 02 01",
}, {
	// The padding goes after the field: low bits MSB-first, high LSB-first.
	name:   "5 padded",
	fields: []field{{0b10110, 5}},
	msb:    "b0",
	lsb:    "16",
}, {
	name:   "one bit",
	fields: []field{{1, 1}},
	msb:    "80",
	lsb:    "01",
}, {
	name:   "zero widths",
	fields: []field{{0, 0}, {1, 1}, {0, 0}, {2, 2}},
	msb:    "c0",
	lsb:    "05",
}, {
	name: "nothing",
}}

func TestBitVectors(t *testing.T) {
	for _, tt := range bitVectors {
		for _, o := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
			want := unhex(tt.msb)
			if o == wire.LSBFirst {
				want = unhex(tt.lsb)
			}
			w := wire.NewBitWriter([]byte{0xee}, o)
			for _, f := range tt.fields {
				w.WriteBits(f.v, f.n)
			}
			if got := w.Bytes(); !bytes.Equal(got, append([]byte{0xee}, want...)) {
				t.Errorf("%s %v: wrote % x, want ee % x", tt.name, o, got, want)
			}
			r := wire.NewBitReader(want, o)
			for i, f := range tt.fields {
				if got := r.ReadBits(f.n); got != f.v {
					t.Errorf("%s %v: field %d read %#x, want %#x", tt.name, o, i, got, f.v)
				}
			}
			if err := r.Err(); err != nil {
				t.Errorf("%s %v: %v", tt.name, o, err)
			}
		}
	}
}

// WriteBits keeps the low n bits of v, so an oversized value cannot spill
// into the next field.
func TestWriteBitsIgnoresHighBits(t *testing.T) {
	for o, want := range map[wire.BitOrder]byte{wire.MSBFirst: 0xf0, wire.LSBFirst: 0x0f} {
		w := wire.NewBitWriter(nil, o)
		w.WriteBits(0xff, 4)
		w.WriteBits(0xff, 0)
		w.WriteBits(0xf0, 4)
		if got := w.Bytes(); !bytes.Equal(got, []byte{want}) {
			t.Errorf("%v: wrote % x, want %02x", o, got, want)
		}
	}
}

func TestBitWriterBytesRealigns(t *testing.T) {
	w := wire.NewBitWriter(nil, wire.MSBFirst)
	w.WriteBits(0b101, 3)
	if got := w.Bytes(); !bytes.Equal(got, []byte{0xa0}) {
		t.Fatalf("after 3 bits: % x, want a0", got)
	}
	w.WriteBits(0xff, 8)
	if got := w.Bytes(); !bytes.Equal(got, []byte{0xa0, 0xff}) {
		t.Fatalf("after 8 more bits: % x, want a0 ff", got)
	}
}

func TestBitReaderErrors(t *testing.T) {
	two := []byte{0xab, 0xcd}
	for _, tt := range []struct {
		name   string
		in     []byte
		widths []int // the last one fails
		want   wire.Error
	}{
		{"empty", nil, []int{1}, wire.Error{Need: 1, Have: 0}},
		{"one past the end", two, []int{16, 1}, wire.Error{Offset: 2, Need: 1, Have: 0}},
		{"crossing the end", two, []int{3, 14}, wire.Error{Offset: 0, Need: 3, Have: 2}},
		{"mid buffer", two, []int{12, 8}, wire.Error{Offset: 1, Need: 2, Have: 1}},
		{"64 at odd offset", make([]byte, 8), []int{1, 64}, wire.Error{Offset: 0, Need: 9, Have: 8}},
	} {
		for _, o := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
			r := wire.NewBitReader(tt.in, o)
			for _, n := range tt.widths[:len(tt.widths)-1] {
				r.ReadBits(n)
			}
			if r.Err() != nil {
				t.Fatalf("%s %v: early error %v", tt.name, o, r.Err())
			}
			if got := r.ReadBits(tt.widths[len(tt.widths)-1]); got != 0 {
				t.Errorf("%s %v: failed read returned %#x", tt.name, o, got)
			}
			want := tt.want
			want.Kind, want.Op = wire.ErrShort, "bits"
			checkError(t, r.Err(), want)
			// The first error sticks: later reads, even ones that would
			// fit, return zero and leave it alone.
			if got := r.ReadBits(0); got != 0 || r.Err() == nil {
				t.Errorf("%s %v: read after failure = %#x, %v", tt.name, o, got, r.Err())
			}
			checkError(t, r.Err(), want)
		}
	}
}

func TestBitWidthPanics(t *testing.T) {
	w := wire.NewBitWriter(nil, wire.MSBFirst)
	mustPanic(t, "WriteBits(65)", func() { w.WriteBits(0, 65) })
	mustPanic(t, "WriteBits(-1)", func() { w.WriteBits(0, -1) })
	r := wire.NewBitReader(make([]byte, 16), wire.MSBFirst)
	mustPanic(t, "ReadBits(65)", func() { r.ReadBits(65) })
}

func TestBitOrderString(t *testing.T) {
	for o, want := range map[wire.BitOrder]string{
		wire.MSBFirst: "MSBFirst",
		wire.LSBFirst: "LSBFirst",
		9:             "BitOrder(9)",
	} {
		if got := o.String(); got != want {
			t.Errorf("BitOrder(%d).String() = %q, want %q", uint8(o), got, want)
		}
	}
}

// packBits is the slow, obvious model of BitWriter: one bit at a time, in
// wire order, into its place in the byte.
func packBits(fields []field, o wire.BitOrder) []byte {
	var out []byte
	pos := 0
	for _, f := range fields {
		for i := range f.n {
			bit := f.v >> (f.n - 1 - i) & 1 // MSB-first: the field's top bit first
			if o == wire.LSBFirst {
				bit = f.v >> i & 1
			}
			if pos%8 == 0 {
				out = append(out, 0)
			}
			shift := 7 - pos%8
			if o == wire.LSBFirst {
				shift = pos % 8
			}
			out[pos/8] |= byte(bit) << shift
			pos++
		}
	}
	return out
}

func TestBitsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var buf []byte
	for range 2000 {
		o := wire.BitOrder(rng.IntN(2))
		fields := make([]field, rng.IntN(20))
		for i := range fields {
			n := rng.IntN(65)
			fields[i] = field{rng.Uint64() >> (64 - n), n}
		}
		w := wire.NewBitWriter(buf[:0], o)
		for _, f := range fields {
			w.WriteBits(f.v, f.n)
		}
		buf = w.Bytes()
		if want := packBits(fields, o); !bytes.Equal(buf, want) {
			t.Fatalf("%v %v: wrote % x, want % x", o, fields, buf, want)
		}
		r := wire.NewBitReader(buf, o)
		for i, f := range fields {
			if got := r.ReadBits(f.n); got != f.v {
				t.Fatalf("%v %v: field %d read %#x, want %#x", o, fields, i, got, f.v)
			}
		}
		if r.Err() != nil {
			t.Fatalf("%v %v: %v", o, fields, r.Err())
		}
	}
}

// Any BitOrder but LSBFirst is MSB-first, as documented.
func TestBitOrderOtherValues(t *testing.T) {
	w := wire.NewBitWriter(nil, 9)
	w.WriteBits(1, 1)
	w.WriteBits(0x0123456789abcdef, 64)
	want := []byte{0x80, 0x91, 0xa2, 0xb3, 0xc4, 0xd5, 0xe6, 0xf7, 0x80}
	if got := w.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("BitOrder(9) wrote % x, want % x", got, want)
	}
	if r := wire.NewBitReader(want, 9); r.ReadBits(9) != 0x101 {
		t.Errorf("BitOrder(9) did not read MSB-first")
	}
}
