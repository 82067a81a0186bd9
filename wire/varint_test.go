package wire_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

var uvarintVectors = []struct {
	v   uint64
	enc string
}{
	{0, "00"},
	{1, "01"},
	{127, "7f"},
	{128, "80 01"},
	{300, "ac 02"},
	{16383, "ff 7f"},
	{16384, "80 80 01"},
	{624485, "e5 8e 26"},
	{1 << 32, "80 80 80 80 10"},
	{1 << 63, "80 80 80 80 80 80 80 80 80 01"},
	{math.MaxUint64, "ff ff ff ff ff ff ff ff ff 01"},
}

// Signed LEB128 vectors; 624485 and -123456 are the examples in the DWARF
// and WebAssembly literature.
var varintVectors = []struct {
	v   int64
	enc string
}{
	{0, "00"},
	{1, "01"},
	{-1, "7f"},
	{-2, "7e"},
	{63, "3f"},
	{-64, "40"},
	{64, "c0 00"},
	{-65, "bf 7f"},
	{127, "ff 00"},
	{128, "80 01"},
	{-128, "80 7f"},
	{624485, "e5 8e 26"},
	{-123456, "c0 bb 78"},
	{1 << 62, "80 80 80 80 80 80 80 80 c0 00"},
	{-1<<62 - 1, "ff ff ff ff ff ff ff ff bf 7f"},
	{math.MaxInt64, "ff ff ff ff ff ff ff ff ff 00"},
	{math.MinInt64, "80 80 80 80 80 80 80 80 80 7f"},
}

var zigzagVectors = []struct {
	v   int64
	enc string
}{
	{0, "00"},
	{-1, "01"},
	{1, "02"},
	{-2, "03"},
	{-64, "7f"},
	{64, "80 01"},
	{math.MaxInt64, "fe ff ff ff ff ff ff ff ff 01"},
	{math.MinInt64, "ff ff ff ff ff ff ff ff ff 01"},
}

// trailer follows each encoding in the decode tests: decoders must stop at
// the varint's end.
const trailer = 0xff

func TestUvarintVectors(t *testing.T) {
	for _, tt := range uvarintVectors {
		want := unhex(tt.enc)
		if got := wire.AppendUvarint(nil, tt.v); !bytes.Equal(got, want) {
			t.Errorf("AppendUvarint(%d) = % x, want % x", tt.v, got, want)
		}
		if got := wire.UvarintLen(tt.v); got != len(want) {
			t.Errorf("UvarintLen(%d) = %d, want %d", tt.v, got, len(want))
		}
		v, n, err := wire.Uvarint(append(want, trailer))
		if v != tt.v || n != len(want) || err != nil {
			t.Errorf("Uvarint(% x) = %d, %d, %v; want %d, %d, nil", want, v, n, err, tt.v, len(want))
		}
	}
}

func TestVarintVectors(t *testing.T) {
	for _, tt := range varintVectors {
		want := unhex(tt.enc)
		if got := wire.AppendVarint(nil, tt.v); !bytes.Equal(got, want) {
			t.Errorf("AppendVarint(%d) = % x, want % x", tt.v, got, want)
		}
		v, n, err := wire.Varint(append(want, trailer))
		if v != tt.v || n != len(want) || err != nil {
			t.Errorf("Varint(% x) = %d, %d, %v; want %d, %d, nil", want, v, n, err, tt.v, len(want))
		}
	}
}

func TestZigzagVectors(t *testing.T) {
	for _, tt := range zigzagVectors {
		want := unhex(tt.enc)
		if got := wire.AppendZigzag(nil, tt.v); !bytes.Equal(got, want) {
			t.Errorf("AppendZigzag(%d) = % x, want % x", tt.v, got, want)
		}
		v, n, err := wire.Zigzag(append(want, trailer))
		if v != tt.v || n != len(want) || err != nil {
			t.Errorf("Zigzag(% x) = %d, %d, %v; want %d, %d, nil", want, v, n, err, tt.v, len(want))
		}
	}
}

// decoders puts the three varint decoders in one shape for the error table.
var decoders = map[string]func([]byte) (int, error){
	"uvarint": func(b []byte) (int, error) { _, n, err := wire.Uvarint(b); return n, err },
	"varint":  func(b []byte) (int, error) { _, n, err := wire.Varint(b); return n, err },
	"zigzag":  func(b []byte) (int, error) { _, n, err := wire.Zigzag(b); return n, err },
}

func TestVarintErrors(t *testing.T) {
	short := func(need, have uint64) wire.Error {
		return wire.Error{Kind: wire.ErrShort, Need: need, Have: have}
	}
	overflow := wire.Error{Kind: wire.ErrOverflow}
	nonCanonical := wire.Error{Kind: wire.ErrNonCanonical}
	for _, tt := range []struct {
		op   string // the decoder, which is also Error.Op
		in   string
		want wire.Error
	}{
		{"uvarint", "", short(1, 0)},
		{"uvarint", "80", short(2, 1)},
		{"uvarint", "ff ff ff ff ff ff ff ff ff", short(10, 9)},
		{"uvarint", "80 00", nonCanonical},
		{"uvarint", "ff 80 00", nonCanonical},
		{"uvarint", "80 80 80 80 80 80 80 80 80 00", nonCanonical},
		{"uvarint", "ff ff ff ff ff ff ff ff ff 02", overflow},    // bit 64
		{"uvarint", "ff ff ff ff ff ff ff ff ff 7f", overflow},    // bits 64..69
		{"uvarint", "ff ff ff ff ff ff ff ff ff 81 00", overflow}, // 11 bytes
		{"uvarint", "80 80 80 80 80 80 80 80 80 80 00", overflow}, // 11 bytes for 0
		{"varint", "", short(1, 0)},
		{"varint", "c0", short(2, 1)},
		{"varint", "80 00", nonCanonical},                         // 0
		{"varint", "ff 7f", nonCanonical},                         // -1
		{"varint", "bf ff 7f", nonCanonical},                      // -65
		{"varint", "ff ff ff ff ff ff ff ff ff 7f", nonCanonical}, // -1
		{"varint", "80 80 80 80 80 80 80 80 80 00", nonCanonical}, // 0
		{"varint", "ff ff ff ff ff ff ff ff ff 01", overflow},     // bit 63 set, sign bit clear
		{"varint", "80 80 80 80 80 80 80 80 80 7e", overflow},
		{"varint", "80 80 80 80 80 80 80 80 80 80 7f", overflow},
		{"zigzag", "", short(1, 0)},
		{"zigzag", "81 80 00", nonCanonical},
		{"zigzag", "ff ff ff ff ff ff ff ff ff 03", overflow},
	} {
		in := unhex(tt.in)
		n, err := decoders[tt.op](in)
		if n != 0 {
			t.Errorf("%s(% x) consumed %d bytes with an error", tt.op, in, n)
		}
		want := tt.want
		want.Op = tt.op
		if tt.op == "zigzag" {
			want.Op = "uvarint" // a zigzag is a uvarint with its sign folded in
		}
		t.Run(tt.op+" "+tt.in, func(t *testing.T) { checkError(t, err, want) })
	}
}

func TestVarintRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b []byte
	for range 20000 {
		// Shifting by a random amount covers every encoded length evenly.
		u := rng.Uint64() >> rng.UintN(64)
		s := int64(rng.Uint64()) >> rng.UintN(64)

		b = wire.AppendUvarint(b[:0], u)
		if std := binary.AppendUvarint(nil, u); !bytes.Equal(b, std) {
			t.Fatalf("AppendUvarint(%d) = % x, encoding/binary says % x", u, b, std)
		}
		if got, n, err := wire.Uvarint(b); got != u || n != len(b) || err != nil {
			t.Fatalf("Uvarint(% x) = %d, %d, %v; want %d", b, got, n, err, u)
		}

		b = wire.AppendZigzag(b[:0], s)
		if std := binary.AppendVarint(nil, s); !bytes.Equal(b, std) {
			t.Fatalf("AppendZigzag(%d) = % x, encoding/binary says % x", s, b, std)
		}
		if got, n, err := wire.Zigzag(b); got != s || n != len(b) || err != nil {
			t.Fatalf("Zigzag(% x) = %d, %d, %v; want %d", b, got, n, err, s)
		}

		b = wire.AppendVarint(b[:0], s)
		if got, n, err := wire.Varint(b); got != s || n != len(b) || err != nil {
			t.Fatalf("Varint(% x) = %d, %d, %v; want %d", b, got, n, err, s)
		}
		// Both signed encodings spend one bit on the sign, so they are
		// always the same length.
		if z := len(wire.AppendZigzag(nil, s)); len(b) != z {
			t.Fatalf("AppendVarint(%d) took %d bytes, zigzag %d", s, len(b), z)
		}
	}
}
