package wire_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

func TestReaderSequence(t *testing.T) {
	in := unhex("" +
		"7f" + // uint8
		"01 02" + "02 01" + // uint16 both orders
		"01 02 03" + "03 02 01" + // uint24 both orders
		"ff ff fe" + "fe ff ff" + // int24 -2 both orders
		"01 02 03 04" + "04 03 02 01" + // uint32
		"01 02 03 04 05 06 07 08" + "08 07 06 05 04 03 02 01" + // uint64
		"01 02 03 04 05" + // uint, 5 bytes
		"80 00 00" + // int, 3 bytes: -2^23
		"ac 02" + // uvarint 300
		"c0 bb 78" + // varint -123456
		"03" + // zigzag -2
		"aa bb" + // bytes(2)
		"cc" + // skip(1)
		"00 03 61 62 63" + // 2-byte big-endian length, "abc"
		"02 00 00 78 79" + // 3-byte little-endian length, "xy"
		"00 00 00 00 00 00 00 00" + // 8-byte length, empty
		"01 7a") // uvarint length, "z"
	r := wire.NewReader(in)
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %#v, want %#v (offset %d, err %v)", name, got, want, r.Offset(), r.Err())
		}
	}
	check("Uint8", r.Uint8(), uint8(0x7f))
	check("Uint16 BE", r.Uint16(wire.BigEndian), uint16(0x0102))
	check("Uint16 LE", r.Uint16(wire.LittleEndian), uint16(0x0102))
	check("Uint24 BE", r.Uint24(wire.BigEndian), uint32(0x010203))
	check("Uint24 LE", r.Uint24(wire.LittleEndian), uint32(0x010203))
	check("Int24 BE", r.Int24(wire.BigEndian), int32(-2))
	check("Int24 LE", r.Int24(wire.LittleEndian), int32(-2))
	check("Uint32 BE", r.Uint32(wire.BigEndian), uint32(0x01020304))
	check("Uint32 LE", r.Uint32(wire.LittleEndian), uint32(0x01020304))
	check("Uint64 BE", r.Uint64(wire.BigEndian), uint64(0x0102030405060708))
	check("Uint64 LE", r.Uint64(wire.LittleEndian), uint64(0x0102030405060708))
	check("Uint 5", r.Uint(5, wire.BigEndian), uint64(0x0102030405))
	check("Int 3", r.Int(3, wire.BigEndian), int64(-1<<23))
	check("Uvarint", r.Uvarint(), uint64(300))
	check("Varint", r.Varint(), int64(-123456))
	check("Zigzag", r.Zigzag(), int64(-2))
	check("Bytes", string(r.Bytes(2)), "\xaa\xbb")
	r.Skip(1)
	check("LengthPrefixed 2", string(r.LengthPrefixed(2, wire.BigEndian)), "abc")
	check("LengthPrefixed 3", string(r.LengthPrefixed(3, wire.LittleEndian)), "xy")
	check("LengthPrefixed 8", string(r.LengthPrefixed(8, wire.BigEndian)), "")
	check("Remaining", r.Remaining(), 2)
	check("Empty", r.Empty(), false)
	check("UvarintPrefixed", string(r.UvarintPrefixed()), "z")
	check("Err", r.Err(), nil)
	check("Offset", r.Offset(), len(in))
	check("Remaining", r.Remaining(), 0)
	check("Empty", r.Empty(), true)
	check("Bytes(0) at the end", len(r.Bytes(0)), 0)
	check("Err", r.Err(), nil)
}

func TestReaderErrors(t *testing.T) {
	twelve := make([]byte, 12)
	var huge uint64 = 1 << 63 // int(huge) is negative, as int(r.Uvarint()) can be
	for _, tt := range []struct {
		name string
		in   []byte
		read func(r *wire.Reader)
		want wire.Error
	}{
		{"uint8", nil, func(r *wire.Reader) { r.Uint8() },
			wire.Error{Kind: wire.ErrShort, Op: "uint8", Need: 1}},
		{"uint16", []byte{1}, func(r *wire.Reader) { r.Uint16(wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint16", Need: 2, Have: 1}},
		{"uint24", []byte{1, 2}, func(r *wire.Reader) { r.Uint24(wire.LittleEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint24", Need: 3, Have: 2}},
		{"int24", []byte{1, 2}, func(r *wire.Reader) { r.Int24(wire.LittleEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint24", Need: 3, Have: 2}},
		{"uint32 at 12", append(twelve, 1), func(r *wire.Reader) {
			r.Uint64(wire.BigEndian)
			r.Uint32(wire.BigEndian)
			r.Uint32(wire.BigEndian)
		}, wire.Error{Kind: wire.ErrShort, Op: "uint32", Offset: 12, Need: 4, Have: 1}},
		{"uint64", twelve[:7], func(r *wire.Reader) { r.Uint64(wire.LittleEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint64", Need: 8, Have: 7}},
		{"uint 5", twelve[:4], func(r *wire.Reader) { r.Uint(5, wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint40", Need: 5, Have: 4}},
		{"int 6", twelve[:4], func(r *wire.Reader) { r.Int(6, wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "uint48", Need: 6, Have: 4}},
		{"uvarint short", unhex("01 80 80"), func(r *wire.Reader) { r.Uint8(); r.Uvarint() },
			wire.Error{Kind: wire.ErrShort, Op: "uvarint", Offset: 1, Need: 3, Have: 2}},
		{"uvarint non-canonical", unhex("01 80 00"), func(r *wire.Reader) { r.Uint8(); r.Uvarint() },
			wire.Error{Kind: wire.ErrNonCanonical, Op: "uvarint", Offset: 1}},
		{"varint overflow", unhex("00 ff ff ff ff ff ff ff ff ff 01"), func(r *wire.Reader) { r.Uint8(); r.Varint() },
			wire.Error{Kind: wire.ErrOverflow, Op: "varint", Offset: 1}},
		{"zigzag non-canonical", unhex("00 00 81 00"), func(r *wire.Reader) { r.Uint16(wire.BigEndian); r.Zigzag() },
			wire.Error{Kind: wire.ErrNonCanonical, Op: "uvarint", Offset: 2}},
		{"bytes", twelve[:3], func(r *wire.Reader) { r.Bytes(5) },
			wire.Error{Kind: wire.ErrShort, Op: "bytes", Need: 5, Have: 3}},
		{"bytes negative", twelve[:3], func(r *wire.Reader) { r.Bytes(-1) },
			wire.Error{Kind: wire.ErrShort, Op: "bytes", Need: math.MaxUint64, Have: 3}},
		{"bytes wrapped", twelve[:3], func(r *wire.Reader) { r.Bytes(int(huge)) },
			wire.Error{Kind: wire.ErrShort, Op: "bytes", Need: 1 << 63, Have: 3}},
		{"skip", twelve[:3], func(r *wire.Reader) { r.Skip(2); r.Skip(2) },
			wire.Error{Kind: wire.ErrShort, Op: "bytes", Offset: 2, Need: 2, Have: 1}},
		{"length prefix itself", unhex("00"), func(r *wire.Reader) { r.LengthPrefixed(2, wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "length prefix", Need: 2, Have: 1}},
		{"length-prefixed body", unhex("05 61 62"), func(r *wire.Reader) { r.LengthPrefixed(1, wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "length-prefixed bytes", Offset: 1, Need: 5, Have: 2}},
		{"length 2^63", unhex("80 00 00 00 00 00 00 00 01"), func(r *wire.Reader) { r.LengthPrefixed(8, wire.BigEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "length-prefixed bytes", Offset: 8, Need: 1 << 63, Have: 1}},
		{"length 2^64-1", unhex("ff ff ff ff ff ff ff ff"), func(r *wire.Reader) { r.LengthPrefixed(8, wire.LittleEndian) },
			wire.Error{Kind: wire.ErrShort, Op: "length-prefixed bytes", Offset: 8, Need: math.MaxUint64}},
		{"uvarint length 2^64-1", unhex("ff ff ff ff ff ff ff ff ff 01 00"), func(r *wire.Reader) { r.UvarintPrefixed() },
			wire.Error{Kind: wire.ErrShort, Op: "length-prefixed bytes", Offset: 10, Need: math.MaxUint64, Have: 1}},
		{"uvarint length itself", unhex("80"), func(r *wire.Reader) { r.UvarintPrefixed() },
			wire.Error{Kind: wire.ErrShort, Op: "uvarint", Need: 2, Have: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := wire.NewReader(tt.in)
			tt.read(r)
			checkError(t, r.Err(), tt.want)
			// The cursor stays at the item that failed.
			if r.Offset() != tt.want.Offset {
				t.Errorf("Offset() = %d, want %d", r.Offset(), tt.want.Offset)
			}
			if r.Offset()+r.Remaining() != len(tt.in) {
				t.Errorf("Offset() + Remaining() = %d + %d, want %d", r.Offset(), r.Remaining(), len(tt.in))
			}
			checkStuck(t, r)
			checkError(t, r.Err(), tt.want)
		})
	}
}

// checkStuck fails t unless every read from r returns a zero value and
// leaves its offset alone, as after an error they must.
func checkStuck(t *testing.T, r *wire.Reader) {
	t.Helper()
	off := r.Offset()
	var sum uint64
	sum += uint64(r.Uint8())
	sum += uint64(r.Uint16(wire.BigEndian))
	sum += uint64(r.Uint24(wire.BigEndian))
	sum += uint64(r.Int24(wire.BigEndian))
	sum += uint64(r.Uint32(wire.BigEndian))
	sum += r.Uint64(wire.BigEndian)
	sum += r.Uint(1, wire.BigEndian)
	sum += uint64(r.Int(1, wire.BigEndian))
	sum += r.Uvarint()
	sum += uint64(r.Varint())
	sum += uint64(r.Zigzag())
	sum += uint64(len(r.Bytes(0)))
	r.Skip(0)
	sum += uint64(len(r.LengthPrefixed(1, wire.BigEndian)))
	sum += uint64(len(r.UvarintPrefixed()))
	if sum != 0 || r.Offset() != off {
		t.Errorf("reads after an error: sum %d, offset %d -> %d", sum, off, r.Offset())
	}
}

func TestReaderErrorMessage(t *testing.T) {
	r := wire.NewReader(make([]byte, 13))
	r.Skip(12)
	r.Uint32(wire.BigEndian)
	const want = "wire: short buffer reading uint32 at offset 12: need 4 bytes, have 1"
	if got := r.Err().Error(); got != want {
		t.Errorf("Err() = %q\nwant      %q", got, want)
	}
}

func TestReaderAliases(t *testing.T) {
	in := []byte("abcdef")
	r := wire.NewReader(in)
	b := r.Bytes(3)
	in[0] = 'A'
	if string(b) != "Abc" {
		t.Errorf("Bytes = %q, want it to alias the input", b)
	}
	if cap(b) != 3 {
		t.Errorf("cap(Bytes(3)) = %d, want 3 so appends cannot clobber the input", cap(b))
	}
	_ = append(b, 'x')
	if string(in) != "Abcdef" {
		t.Errorf("append to Bytes changed the input to %q", in)
	}
}

func TestReaderWidthPanics(t *testing.T) {
	r := wire.NewReader(make([]byte, 16))
	mustPanic(t, "Uint(0)", func() { r.Uint(0, wire.BigEndian) })
	mustPanic(t, "Int(9)", func() { r.Int(9, wire.BigEndian) })
	mustPanic(t, "LengthPrefixed(9)", func() { r.LengthPrefixed(9, wire.BigEndian) })
}

func TestErrorMessages(t *testing.T) {
	for _, tt := range []struct {
		err  wire.Error
		want string
	}{
		{wire.Error{Kind: wire.ErrShort, Op: "bits", Offset: 1, Need: 2, Have: 1},
			"wire: short buffer reading bits at offset 1: need 2 bytes, have 1"},
		{wire.Error{Kind: wire.ErrOverflow, Op: "uvarint", Offset: 3},
			"wire: overflow reading uvarint at offset 3: value exceeds 64 bits"},
		{wire.Error{Kind: wire.ErrOverflow, Op: "length prefix", Offset: 0, Need: 256, Have: 255},
			"wire: overflow writing length prefix at offset 0: 256 exceeds maximum 255"},
		{wire.Error{Kind: wire.ErrNonCanonical, Op: "varint", Offset: 7},
			"wire: non-canonical varint at offset 7: a shorter encoding exists"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}

// Reader.Uint agrees with ByteOrder.Uint at every width, off alignment.
func TestReaderUintWidths(t *testing.T) {
	in := bytes.Repeat([]byte{0x81, 0x42, 0xc3, 0x04}, 4)
	for _, o := range orders {
		for width := 1; width <= 8; width++ {
			r := wire.NewReader(in)
			r.Skip(1)
			if got, want := r.Uint(width, o), o.Uint(in[1:], width); got != want {
				t.Errorf("%v Uint(%d) = %#x, want %#x", o, width, got, want)
			}
			if r.Offset() != 1+width {
				t.Errorf("%v Uint(%d) moved to %d, want %d", o, width, r.Offset(), 1+width)
			}
		}
	}
}
