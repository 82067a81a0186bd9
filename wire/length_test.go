package wire_test

import (
	"bytes"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

func TestLengthPrefixVectors(t *testing.T) {
	body := []byte("hello")
	for _, tt := range []struct {
		width int
		o     wire.ByteOrder
		want  string
	}{
		{1, wire.BigEndian, "05"},
		{2, wire.BigEndian, "00 05"},
		{2, wire.LittleEndian, "05 00"},
		{3, wire.BigEndian, "00 00 05"},
		{3, wire.LittleEndian, "05 00 00"},
		{4, wire.BigEndian, "00 00 00 05"},
		{4, wire.LittleEndian, "05 00 00 00"},
		{8, wire.BigEndian, "00 00 00 00 00 00 00 05"},
		{8, wire.LittleEndian, "05 00 00 00 00 00 00 00"},
	} {
		dst, m := wire.BeginLength([]byte{0xee}, tt.width, tt.o)
		dst = append(dst, body...)
		dst, err := wire.EndLength(dst, m)
		want := append(append([]byte{0xee}, unhex(tt.want)...), body...)
		if err != nil || !bytes.Equal(dst, want) {
			t.Errorf("width %d %v: % x, %v; want % x", tt.width, tt.o, dst, err, want)
		}
	}
}

func TestLengthPrefixLimits(t *testing.T) {
	for _, tt := range []struct {
		width int
		max   uint64
	}{{1, 0xff}, {2, 0xffff}} {
		for _, o := range orders {
			// The largest length that fits is written in full.
			dst, m := wire.BeginLength(nil, tt.width, o)
			dst = append(dst, make([]byte, tt.max)...)
			dst, err := wire.EndLength(dst, m)
			if err != nil || o.Uint(dst, tt.width) != tt.max {
				t.Errorf("width %d %v, length %d: prefix % x, %v", tt.width, o, tt.max, dst[:tt.width], err)
			}

			// One more is refused, and dst is left as it was.
			dst, m = wire.BeginLength([]byte{0xee, 0xee}, tt.width, o)
			dst = append(dst, make([]byte, tt.max+1)...)
			before := bytes.Clone(dst)
			dst, err = wire.EndLength(dst, m)
			checkError(t, err, wire.Error{Kind: wire.ErrOverflow, Op: "length prefix", Offset: 2, Need: tt.max + 1, Have: tt.max})
			if !bytes.Equal(dst, before) {
				t.Errorf("width %d %v: failed EndLength changed dst", tt.width, o)
			}
		}
	}
}

func TestUvarintLengthPrefix(t *testing.T) {
	// 127 fits the reserved byte; 128 and 16384 move the body up by one
	// and two bytes.
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384} {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(i*7 + 1)
		}
		dst, m := wire.BeginUvarintLength([]byte{0xee})
		dst = append(dst, body...)
		dst, err := wire.EndLength(dst, m)
		want := append(wire.AppendUvarint([]byte{0xee}, uint64(n)), body...)
		if err != nil || !bytes.Equal(dst, want) {
			t.Errorf("body of %d: got %d bytes, %v; want %d bytes", n, len(dst), err, len(want))
		}
	}
}

// Prefixes nest, and an inner uvarint prefix that grows moves the outer
// body's tail without disturbing the outer prefix.
func TestLengthPrefixNesting(t *testing.T) {
	long := bytes.Repeat([]byte{'x'}, 200)

	dst, outer := wire.BeginLength(nil, 2, wire.BigEndian)
	dst = append(dst, 'a')
	dst, inner := wire.BeginLength(dst, 1, wire.BigEndian)
	dst = append(dst, "bc"...)
	dst, deep := wire.BeginUvarintLength(dst)
	dst = append(dst, long...)
	dst, err1 := wire.EndLength(dst, deep)
	dst, err2 := wire.EndLength(dst, inner)
	dst = append(dst, 'z')
	dst, err3 := wire.EndLength(dst, outer)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}

	r := wire.NewReader(dst)
	o := wire.NewReader(r.LengthPrefixed(2, wire.BigEndian))
	if !r.Empty() {
		t.Errorf("%d bytes after the outer body", r.Remaining())
	}
	a := o.Uint8()
	i := wire.NewReader(o.LengthPrefixed(1, wire.BigEndian))
	z := o.Uint8()
	bc := i.Bytes(2)
	x := i.UvarintPrefixed()
	for _, r := range []*wire.Reader{r, o, i} {
		if r.Err() != nil || !r.Empty() {
			t.Errorf("% x: %v, %d bytes left", dst, r.Err(), r.Remaining())
		}
	}
	if a != 'a' || string(bc) != "bc" || !bytes.Equal(x, long) || z != 'z' {
		t.Errorf("% x read back as %q %q %q %q", dst, a, bc, x, z)
	}
}

func TestLengthPrefixPanics(t *testing.T) {
	mustPanic(t, "BeginLength(0)", func() { wire.BeginLength(nil, 0, wire.BigEndian) })
	mustPanic(t, "BeginLength(9)", func() { wire.BeginLength(nil, 9, wire.BigEndian) })
	mustPanic(t, "EndLength(zero Mark)", func() { wire.EndLength(make([]byte, 4), wire.Mark{}) })
	dst, m := wire.BeginLength([]byte{1, 2}, 4, wire.BigEndian)
	mustPanic(t, "EndLength(cut dst)", func() { wire.EndLength(dst[:3], m) })
}
