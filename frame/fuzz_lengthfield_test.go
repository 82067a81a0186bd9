package frame

import (
	"bytes"
	"errors"
	"hash/fnv"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomChunks returns chunk sizes of 1 to 8 bytes, drawn from a generator
// seeded from data so that a failure reproduces.
func randomChunks(data []byte) func() int {
	h := fnv.New64a()
	h.Write(data)
	r := rand.New(rand.NewPCG(h.Sum64(), 0))
	return func() int { return 1 + r.IntN(8) }
}

// sameError reports whether a and b are both nil, or both an *Error of the
// same kind at the same offset.
func sameError(a, b error) bool {
	var ea, eb *Error
	if errors.As(a, &ea) != errors.As(b, &eb) || (a == nil) != (b == nil) {
		return false
	}
	return ea == nil || ea.Kind == eb.Kind && ea.Offset == eb.Offset
}

// lengthFieldFuzzConfig derives a configuration from the first 5 bytes of
// data, and returns it with the rest of data.
func lengthFieldFuzzConfig(data []byte) (LengthFieldConfig, []byte, bool) {
	if len(data) < 5 {
		return LengthFieldConfig{}, nil, false
	}
	c := data[:5]
	cfg := LengthFieldConfig{
		Width:        []int{1, 2, 3, 4, 8}[c[0]%5],
		LittleEndian: c[0]&8 != 0,
		CountsHeader: c[0]&16 != 0,
		Offset:       int(c[1] % 4),
		Adjustment:   int(int8(c[2])) / 4,
		MaxFrame:     int(c[4]),
	}
	switch s := int(c[3] % 16); s {
	case 0, 1:
		cfg.Strip = s - 1 // StripNone or the default
	default:
		cfg.Strip = s
	}
	return cfg, data[5:], true
}

func FuzzLengthField(f *testing.F) {
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x02hi\x00\x00\x00\x01x"))
	f.Add([]byte("\x02\x01\xf8\x01\x40\xca\x00\x10\xfeHello, world\xca\x00\x00"))
	f.Add([]byte("\x13\x02\x00\x00\x00ab\x00\x00\x00\x00\x00\x00\x00\x0b0123"))
	f.Add([]byte("\x04\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x1c\x03\x80\x03\x20abc\x05\x00\x00hello"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, in, ok := lengthFieldFuzzConfig(data)
		if !ok {
			return
		}
		x, err := NewLengthField(cfg)
		if err != nil {
			return
		}

		all, rest := splitStream(t, x, in, whole)
		checkLengthFieldEvents(t, cfg, x, in, all, rest)
		chunked, rest1 := splitStream(t, x, in, randomChunks(data))
		if !slices.Equal(all, chunked) || rest != rest1 {
			t.Fatalf("%+v: all at once %v (%d left), in chunks %v (%d left)", cfg, all, rest, chunked, rest1)
		}

		// Writing the input as a body reads back as the same body, with or
		// without a tail.
		prefix := in[:min(cfg.Offset, len(in))]
		out, err := appendPrefixed(x, nil, prefix, in)
		hdr := x.offset + x.width
		if n := hdr + len(in); (n > x.MaxFrame()) != errors.Is(err, TooLarge) || (n < x.minFrame) != errors.Is(err, BadBody) {
			t.Fatalf("%+v: Append of a %d-byte frame: %v", cfg, n, err)
		}
		dst, m := beginPrefixed(x, []byte("old"), prefix)
		dst = append(dst, in[:len(in)/2]...)
		dst, err1 := x.Finish(dst, m, in[len(in)/2:])
		if !sameError(err, err1) {
			t.Fatalf("%+v: Append: %v, with a tail: %v", cfg, err, err1)
		}
		if err != nil {
			if string(dst) != "old" {
				t.Fatalf("failed Finish left %q", dst)
			}
			return
		}
		if !bytes.Equal(withTail(dst, m.Body()+len(in)/2, in[len(in)/2:])[3:], out) {
			t.Fatalf("%+v: with a tail %q, without %q", cfg, dst, out)
		}
		fr, n, err := Next(x, append(out, in...))
		if err != nil || n != len(out) || !bytes.Equal(fr.Raw, out) || !bytes.Equal(fr.Raw[hdr:], in) || !bytes.HasPrefix(fr.Prefix, prefix) {
			t.Fatalf("%+v: wrote %q, read %q, %d, %v", cfg, out, fr.Raw, n, err)
		}
	})
}

// checkLengthFieldEvents checks what splitStream saw against the read
// formula, computed in big integers.
func checkLengthFieldEvents(t *testing.T, cfg LengthFieldConfig, x *LengthField, in []byte, events []splitEvent, rest int) {
	t.Helper()
	hdr := x.offset + x.width
	minLen := big.NewInt(int64(max(hdr, x.strip)))
	maxLen := big.NewInt(int64(x.MaxFrame()))
	// frameLen returns the length of the frame at pos, or nil if its
	// length field is not all in.
	frameLen := func(pos int) *big.Int {
		if len(in)-pos < hdr {
			return nil
		}
		v := new(big.Int).SetUint64(x.order.uint(in[pos+x.offset:], x.width))
		v.Add(v, big.NewInt(int64(cfg.Adjustment)))
		if !cfg.CountsHeader {
			v.Add(v, big.NewInt(int64(hdr)))
		}
		return v
	}
	pos := 0
	for _, e := range events {
		n := frameLen(pos)
		switch {
		case n == nil:
			t.Fatalf("%+v: %v at %d without a length field", cfg, e, pos)
		case e.err == TooLarge:
			if n.Cmp(maxLen) <= 0 || e.at != pos+x.offset {
				t.Fatalf("%+v: %v for a %v-byte frame at %d", cfg, e, n, pos)
			}
		case e.err == BadLength:
			if n.Cmp(minLen) >= 0 || e.at != pos+x.offset {
				t.Fatalf("%+v: %v for a %v-byte frame at %d", cfg, e, n, pos)
			}
		case e.err != 0:
			t.Fatalf("%+v: unexpected %v", cfg, e)
		default:
			if !n.IsInt64() || n.Int64() != int64(len(e.raw)) || n.Cmp(minLen) < 0 || n.Cmp(maxLen) > 0 ||
				e.payload != e.raw[x.strip:] || e.prefix != e.raw[:x.offset] {
				t.Fatalf("%+v: frame %+v at %d, length %v", cfg, e, pos, n)
			}
			pos += len(e.raw)
		}
	}
	if len(events) > 0 && events[len(events)-1].err != 0 {
		return
	}
	// What is left is an incomplete frame.
	if n := frameLen(pos); rest != len(in)-pos || n != nil && n.Cmp(big.NewInt(int64(rest))) <= 0 {
		t.Fatalf("%+v: %d bytes left at %d, frame length %v", cfg, rest, pos, n)
	}
}
