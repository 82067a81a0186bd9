package wire_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

// intVectors are big-endian; each test also checks the reversed bytes in
// little-endian order. signed is the value read back as two's complement.
var intVectors = []struct {
	width  int
	v      uint64
	be     string
	signed int64
}{
	{1, 0, "00", 0},
	{1, 0x7f, "7f", 127},
	{1, 0x80, "80", -128},
	{1, 0xff, "ff", -1},
	{2, 0x0102, "01 02", 0x0102},
	{2, 0x7fff, "7f ff", math.MaxInt16},
	{2, 0x8000, "80 00", math.MinInt16},
	{2, 0xffff, "ff ff", -1},
	{3, 0, "00 00 00", 0},
	{3, 0x123456, "12 34 56", 0x123456},
	{3, 0x7fffff, "7f ff ff", 1<<23 - 1},
	{3, 0x800000, "80 00 00", -1 << 23},
	{3, 0xfffffe, "ff ff fe", -2},
	{3, 0xffffff, "ff ff ff", -1},
	{4, 0x01020304, "01 02 03 04", 0x01020304},
	{4, 0x80000000, "80 00 00 00", math.MinInt32},
	{4, 0xffffffff, "ff ff ff ff", -1},
	{5, 0x0102030405, "01 02 03 04 05", 0x0102030405},
	{5, 0x8000000000, "80 00 00 00 00", -1 << 39},
	{6, 0xffffffffffff, "ff ff ff ff ff ff", -1},
	{6, 0x7fffffffffff, "7f ff ff ff ff ff", 1<<47 - 1},
	{7, 0x01020304050607, "01 02 03 04 05 06 07", 0x01020304050607},
	{7, 0x80000000000000, "80 00 00 00 00 00 00", -1 << 55},
	{8, 0, "00 00 00 00 00 00 00 00", 0},
	{8, 0x0102030405060708, "01 02 03 04 05 06 07 08", 0x0102030405060708},
	{8, 1 << 63, "80 00 00 00 00 00 00 00", math.MinInt64},
	{8, math.MaxUint64, "ff ff ff ff ff ff ff ff", -1},
}

// fixedWidth gives, for the widths with methods of their own, those
// methods in the shape of AppendUint and Uint, so one table covers both.
var fixedWidth = map[int]struct {
	append func(wire.ByteOrder, []byte, uint64) []byte
	read   func(wire.ByteOrder, []byte) uint64
}{
	2: {
		func(o wire.ByteOrder, b []byte, v uint64) []byte { return o.AppendUint16(b, uint16(v)) },
		func(o wire.ByteOrder, b []byte) uint64 { return uint64(o.Uint16(b)) },
	},
	3: {
		func(o wire.ByteOrder, b []byte, v uint64) []byte { return o.AppendUint24(b, uint32(v)) },
		func(o wire.ByteOrder, b []byte) uint64 { return uint64(o.Uint24(b)) },
	},
	4: {
		func(o wire.ByteOrder, b []byte, v uint64) []byte { return o.AppendUint32(b, uint32(v)) },
		func(o wire.ByteOrder, b []byte) uint64 { return uint64(o.Uint32(b)) },
	},
	8: {
		func(o wire.ByteOrder, b []byte, v uint64) []byte { return o.AppendUint64(b, v) },
		func(o wire.ByteOrder, b []byte) uint64 { return o.Uint64(b) },
	},
}

func TestByteOrderVectors(t *testing.T) {
	prefix := []byte{0xee} // appending must keep what dst held
	for _, tt := range intVectors {
		for _, o := range orders {
			want := unhex(tt.be)
			if o == wire.LittleEndian {
				want = reversed(want)
			}
			full := append([]byte{0xee}, want...)

			if got := o.AppendUint(prefix[:1:1], tt.v, tt.width); !bytes.Equal(got, full) {
				t.Errorf("%v.AppendUint(%#x, %d) = % x, want % x", o, tt.v, tt.width, got, full)
			}
			put := make([]byte, tt.width)
			if o.PutUint(put, tt.v, tt.width); !bytes.Equal(put, want) {
				t.Errorf("%v.PutUint(%#x, %d) = % x, want % x", o, tt.v, tt.width, put, want)
			}
			if got := o.Uint(want, tt.width); got != tt.v {
				t.Errorf("%v.Uint(% x, %d) = %#x, want %#x", o, want, tt.width, got, tt.v)
			}
			if got := o.Int(want, tt.width); got != tt.signed {
				t.Errorf("%v.Int(% x, %d) = %d, want %d", o, want, tt.width, got, tt.signed)
			}
			if tt.width == 3 {
				if got := o.Int24(want); int64(got) != tt.signed {
					t.Errorf("%v.Int24(% x) = %d, want %d", o, want, got, tt.signed)
				}
			}
			if f, ok := fixedWidth[tt.width]; ok {
				if got := f.append(o, prefix[:1:1], tt.v); !bytes.Equal(got, full) {
					t.Errorf("%v: %d-byte append of %#x = % x, want % x", o, tt.width, tt.v, got, full)
				}
				if got := f.read(o, want); got != tt.v {
					t.Errorf("%v: %d-byte read of % x = %#x, want %#x", o, tt.width, want, got, tt.v)
				}
			}
		}
	}
}

// Appending drops the bits above the width, as a conversion would.
func TestAppendDropsHighBits(t *testing.T) {
	for _, o := range orders {
		if got, want := o.AppendUint24(nil, 0xaa123456), o.AppendUint24(nil, 0x123456); !bytes.Equal(got, want) {
			t.Errorf("%v.AppendUint24(0xaa123456) = % x, want % x", o, got, want)
		}
		if got, want := o.AppendUint(nil, 0xaabb_0102, 2), o.AppendUint16(nil, 0x0102); !bytes.Equal(got, want) {
			t.Errorf("%v.AppendUint(0xaabb0102, 2) = % x, want % x", o, got, want)
		}
	}
}

func TestByteOrderPanics(t *testing.T) {
	spare := make([]byte, 2, 8) // capacity must not count as length
	for _, o := range orders {
		mustPanic(t, "AppendUint width 0", func() { o.AppendUint(nil, 0, 0) })
		mustPanic(t, "AppendUint width 9", func() { o.AppendUint(nil, 0, 9) })
		mustPanic(t, "Uint width -1", func() { o.Uint(spare, -1) })
		mustPanic(t, "Uint short", func() { o.Uint(spare, 3) })
		mustPanic(t, "PutUint short", func() { o.PutUint(spare, 0, 3) })
		mustPanic(t, "Int short", func() { o.Int(spare, 3) })
		mustPanic(t, "Uint24 short", func() { o.Uint24(spare) })
	}
}

func TestByteOrderString(t *testing.T) {
	for o, want := range map[wire.ByteOrder]string{
		wire.BigEndian:    "BigEndian",
		wire.LittleEndian: "LittleEndian",
		7:                 "ByteOrder(7)",
	} {
		if got := o.String(); got != want {
			t.Errorf("ByteOrder(%d).String() = %q, want %q", uint8(o), got, want)
		}
	}
}

func TestIntRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		width := 1 + rng.IntN(8)
		o := orders[rng.IntN(2)]
		v := rng.Uint64() >> (64 - 8*width)
		b := o.AppendUint(nil, v, width)
		if got := o.Uint(b, width); got != v {
			t.Fatalf("%v width %d: % x read back as %#x, want %#x", o, width, b, got, v)
		}
		// A signed value in the width's range survives the trip through
		// its low bytes.
		s := int64(rng.Uint64()) >> (64 - 8*width)
		b = o.AppendUint(b[:0], uint64(s), width)
		if got := o.Int(b, width); got != s {
			t.Fatalf("%v width %d: % x read back as %d, want %d", o, width, b, got, s)
		}
	}
}

// Any ByteOrder but LittleEndian is big-endian, as documented.
func TestByteOrderOtherValues(t *testing.T) {
	odd := wire.ByteOrder(7)
	if got := odd.AppendUint(nil, 0x0102, 2); !bytes.Equal(got, []byte{1, 2}) {
		t.Errorf("ByteOrder(7).AppendUint = % x, want 01 02", got)
	}
	if got := odd.Uint32([]byte{1, 2, 3, 4}); got != 0x01020304 {
		t.Errorf("ByteOrder(7).Uint32 = %#x, want 0x01020304", got)
	}
}
