package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

// checkDecodeError fails t unless err, from a decoder that failed on b
// with n consumed bytes, is an *Error at offset 0 that says why.
func checkDecodeError(t *testing.T, b []byte, n int, err error) *wire.Error {
	t.Helper()
	var e *wire.Error
	if !errors.As(err, &e) {
		t.Fatalf("% x: error %v is not an *Error", b, err)
	}
	if n != 0 || e.Offset != 0 {
		t.Fatalf("% x: failed with n = %d, offset %d", b, n, e.Offset)
	}
	if e.Kind == wire.ErrShort && (e.Have != uint64(len(b)) || e.Need != e.Have+1) {
		t.Fatalf("% x: short error %+v", b, *e)
	}
	return e
}

func addVarintSeeds(f *testing.F) {
	for _, s := range []string{
		"", "00", "7f", "80", "80 00", "ac 02", "ff 7f", "ff 00", "80 7f",
		"ff ff ff ff ff ff ff ff ff 01", "ff ff ff ff ff ff ff ff ff 02",
		"80 80 80 80 80 80 80 80 80 7f", "ff ff ff ff ff ff ff ff ff 7f",
		"80 80 80 80 80 80 80 80 80 80 00", "ff ff ff ff ff ff ff ff ff f7",
	} {
		f.Add(unhex(s))
	}
}

// FuzzUvarint checks Uvarint against encoding/binary, which accepts
// over-long encodings: where that package accepts, Uvarint must give the
// same value or, if a shorter encoding exists, ErrNonCanonical.
func FuzzUvarint(f *testing.F) {
	addVarintSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := wire.Uvarint(b)
		sv, sn := binary.Uvarint(b)
		if err == nil {
			if sv != v || sn != n {
				t.Fatalf("% x: Uvarint = %d, %d; encoding/binary says %d, %d", b, v, n, sv, sn)
			}
			if enc := wire.AppendUvarint(nil, v); !bytes.Equal(enc, b[:n]) {
				t.Fatalf("% x: decoded %d, which encodes as % x", b, v, enc)
			}
			return
		}
		e := checkDecodeError(t, b, n, err)
		switch e.Kind {
		case wire.ErrShort:
			if sn != 0 {
				t.Fatalf("% x: short, but encoding/binary read %d bytes", b, sn)
			}
		case wire.ErrOverflow:
			// encoding/binary waits for an eleventh byte to call it an
			// overflow; ten that each promise another are enough.
			if sn > 0 || sn == 0 && len(b) < wire.MaxVarintLen {
				t.Fatalf("% x: overflow, but encoding/binary read %d, %d", b, sv, sn)
			}
		case wire.ErrNonCanonical:
			if sn <= 0 || wire.UvarintLen(sv) >= sn {
				t.Fatalf("% x: non-canonical, but encoding/binary read %d in %d bytes", b, sv, sn)
			}
		default:
			t.Fatalf("% x: unexpected error %v", b, err)
		}
	})
}

// FuzzVarint checks that Varint accepts exactly the encodings AppendVarint
// produces, and that what it calls non-canonical has a shorter encoding.
func FuzzVarint(f *testing.F) {
	addVarintSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := wire.Varint(b)
		if err == nil {
			if enc := wire.AppendVarint(nil, v); !bytes.Equal(enc, b[:n]) {
				t.Fatalf("% x: decoded %d, which encodes as % x", b, v, enc)
			}
			return
		}
		e := checkDecodeError(t, b, n, err)
		if e.Kind != wire.ErrNonCanonical {
			return
		}
		// Decode leniently: take the groups as they come and extend the
		// sign of the last one.
		var loose uint64
		end := 0
		for end < len(b) && b[end] >= 0x80 {
			end++
		}
		for i := end; i >= 0; i-- {
			loose = loose<<7 | uint64(b[i]&0x7f)
		}
		if b[end]&0x40 != 0 && 7*(end+1) < 64 {
			loose |= ^uint64(0) << (7 * (end + 1))
		}
		if enc := wire.AppendVarint(nil, int64(loose)); len(enc) >= end+1 {
			t.Fatalf("% x: non-canonical, but its value %d encodes as % x", b, int64(loose), enc)
		}
	})
}

// FuzzZigzag checks that Zigzag is Uvarint with the sign unfolded.
func FuzzZigzag(f *testing.F) {
	addVarintSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := wire.Zigzag(b)
		u, un, uerr := wire.Uvarint(b)
		if (err == nil) != (uerr == nil) || n != un {
			t.Fatalf("% x: Zigzag = %d, %d, %v; Uvarint = %d, %d, %v", b, v, n, err, u, un, uerr)
		}
		if err != nil {
			checkDecodeError(t, b, n, err)
			return
		}
		if enc := wire.AppendZigzag(nil, v); !bytes.Equal(enc, b[:n]) {
			t.Fatalf("% x: decoded %d, which encodes as % x", b, v, enc)
		}
	})
}

// FuzzBitReader reads fields of the fuzzed widths until the data runs
// out, then writes the values back: the bits must come out as they went
// in, with the unread rest of the last byte as zero padding.
func FuzzBitReader(f *testing.F) {
	f.Add(false, []byte{3, 7, 13, 41}, unhex("b6 b5 79 23 45 67 89 ab"))
	f.Add(true, []byte{1, 64, 7}, unhex("21 64 a8 ec 30 75 b9 fd ab"))
	f.Add(false, []byte{5, 64}, unhex("ff ff"))
	f.Fuzz(func(t *testing.T, lsb bool, widths, data []byte) {
		order := wire.MSBFirst
		if lsb {
			order = wire.LSBFirst
		}
		r := wire.NewBitReader(data, order)
		w := wire.NewBitWriter(nil, order)
		bits := 0
		for _, c := range widths {
			n := int(c % 65)
			v := r.ReadBits(n)
			if r.Err() != nil {
				if v != 0 {
					t.Fatalf("failed read returned %#x", v)
				}
				var e *wire.Error
				if !errors.As(r.Err(), &e) || e.Kind != wire.ErrShort || e.Offset != bits/8 ||
					e.Have != uint64(len(data)-e.Offset) || e.Need <= e.Have {
					t.Fatalf("after %d bits of %d bytes, reading %d: %v", bits, len(data), n, r.Err())
				}
				break
			}
			w.WriteBits(v, n)
			bits += n
		}
		got := w.Bytes()
		want := bytes.Clone(data[:(bits+7)/8])
		if pad := len(want)*8 - bits; pad > 0 {
			if order == wire.MSBFirst {
				want[len(want)-1] &^= 1<<pad - 1
			} else {
				want[len(want)-1] &= 0xff >> pad
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%v read %d bits of % x and wrote back % x", order, bits, data, got)
		}
	})
}

// readerOp is one Reader method, and what it should do at the start of b
// by the package's slice functions: give val and consume n bytes, or fail
// after consuming n bytes of a prefix.
type readerOp struct {
	read  func(r *wire.Reader, o wire.ByteOrder, width int, arg byte) (val uint64, b []byte)
	model func(b []byte, o wire.ByteOrder, width int, arg byte) (val uint64, body []byte, n int, ok bool)
}

// fixed models a read of width bytes.
func fixed(width int, b []byte, f func([]byte) uint64) (uint64, []byte, int, bool) {
	if len(b) < width {
		return 0, nil, 0, false
	}
	return f(b), nil, width, true
}

// prefixed models a body of n bytes after a prefix of w bytes.
func prefixed(b []byte, w int, n uint64) (uint64, []byte, int, bool) {
	if n > uint64(len(b)-w) {
		return 0, nil, w, false
	}
	return 0, b[w : w+int(n)], w + int(n), true
}

var readerOps = []readerOp{
	{
		func(r *wire.Reader, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return uint64(r.Uint8()), nil },
		func(b []byte, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(1, b, func(b []byte) uint64 { return uint64(b[0]) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, _ int, _ byte) (uint64, []byte) {
			return uint64(r.Uint16(o)), nil
		},
		func(b []byte, o wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(2, b, func(b []byte) uint64 { return uint64(o.Uint16(b)) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return uint64(r.Int24(o)), nil },
		func(b []byte, o wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(3, b, func(b []byte) uint64 { return uint64(o.Int24(b)) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, _ int, _ byte) (uint64, []byte) {
			return uint64(r.Uint24(o)), nil
		},
		func(b []byte, o wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(3, b, func(b []byte) uint64 { return uint64(o.Uint24(b)) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, _ int, _ byte) (uint64, []byte) {
			return uint64(r.Uint32(o)), nil
		},
		func(b []byte, o wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(4, b, func(b []byte) uint64 { return uint64(o.Uint32(b)) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return r.Uint64(o), nil },
		func(b []byte, o wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			return fixed(8, b, o.Uint64)
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, w int, _ byte) (uint64, []byte) { return r.Uint(w, o), nil },
		func(b []byte, o wire.ByteOrder, w int, _ byte) (uint64, []byte, int, bool) {
			return fixed(w, b, func(b []byte) uint64 { return o.Uint(b, w) })
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, w int, _ byte) (uint64, []byte) {
			return uint64(r.Int(w, o)), nil
		},
		func(b []byte, o wire.ByteOrder, w int, _ byte) (uint64, []byte, int, bool) {
			return fixed(w, b, func(b []byte) uint64 { return uint64(o.Int(b, w)) })
		},
	}, {
		func(r *wire.Reader, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return r.Uvarint(), nil },
		func(b []byte, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			v, n, err := wire.Uvarint(b)
			return v, nil, n, err == nil
		},
	}, {
		func(r *wire.Reader, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return uint64(r.Varint()), nil },
		func(b []byte, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			v, n, err := wire.Varint(b)
			return uint64(v), nil, n, err == nil
		},
	}, {
		func(r *wire.Reader, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return uint64(r.Zigzag()), nil },
		func(b []byte, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			v, n, err := wire.Zigzag(b)
			return uint64(v), nil, n, err == nil
		},
	}, {
		// Bytes and Skip take the argument as a signed count, to reach
		// negative ones.
		func(r *wire.Reader, _ wire.ByteOrder, _ int, arg byte) (uint64, []byte) {
			return 0, r.Bytes(int(int8(arg)))
		},
		func(b []byte, _ wire.ByteOrder, _ int, arg byte) (uint64, []byte, int, bool) {
			return prefixed(b, 0, uint64(int8(arg)))
		},
	}, {
		func(r *wire.Reader, _ wire.ByteOrder, _ int, arg byte) (uint64, []byte) {
			r.Skip(int(int8(arg)))
			return 0, nil
		},
		func(b []byte, _ wire.ByteOrder, _ int, arg byte) (uint64, []byte, int, bool) {
			_, _, n, ok := prefixed(b, 0, uint64(int8(arg)))
			return 0, nil, n, ok
		},
	}, {
		func(r *wire.Reader, o wire.ByteOrder, w int, _ byte) (uint64, []byte) {
			return 0, r.LengthPrefixed(w, o)
		},
		func(b []byte, o wire.ByteOrder, w int, _ byte) (uint64, []byte, int, bool) {
			if len(b) < w {
				return 0, nil, 0, false
			}
			return prefixed(b, w, o.Uint(b, w))
		},
	}, {
		func(r *wire.Reader, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte) { return 0, r.UvarintPrefixed() },
		func(b []byte, _ wire.ByteOrder, _ int, _ byte) (uint64, []byte, int, bool) {
			n, w, err := wire.Uvarint(b)
			if err != nil {
				return 0, nil, 0, false
			}
			return prefixed(b, w, n)
		},
	},
}

// FuzzReader runs a program of Reader calls, two bytes a call, over the
// data, and checks each against a model built from the slice functions:
// same values, same bytes (aliasing the data), same offsets, and after
// the first failure nothing but zeros and a cursor that stays put.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0, 0, 4, 0, 8, 0, 13, 2}, unhex("7f 00 00 00 01 ac 02 00 03 61 62 63"))
	f.Add([]byte{13, 15, 0, 0}, unhex("80 00 00 00 00 00 00 00 00 01"))
	f.Add([]byte{14, 0, 11, 0xfe}, unhex("ff ff ff ff ff ff ff ff ff 01 00"))
	f.Fuzz(func(t *testing.T, prog, data []byte) {
		r := wire.NewReader(data)
		var failedAt = -1
		for i := 0; i+1 < len(prog) && i < 128; i += 2 {
			op := readerOps[int(prog[i])%len(readerOps)]
			arg := prog[i+1]
			o := wire.ByteOrder(arg & 1)
			width := int(arg>>1)%8 + 1

			off := r.Offset()
			val, body := op.read(r, o, width, arg)
			if r.Offset()+r.Remaining() != len(data) {
				t.Fatalf("op %d: offset %d + remaining %d != %d", i/2, r.Offset(), r.Remaining(), len(data))
			}
			if failedAt >= 0 {
				if val != 0 || len(body) != 0 || r.Offset() != failedAt {
					t.Fatalf("op %d after failure: value %#x, %d bytes, offset %d -> %d", i/2, val, len(body), failedAt, r.Offset())
				}
				continue
			}

			wantVal, wantBody, n, ok := op.model(data[off:], o, width, arg)
			if r.Offset() != off+n {
				t.Fatalf("op %d at %d: moved to %d, want %d", i/2, off, r.Offset(), off+n)
			}
			if !ok {
				var e *wire.Error
				if !errors.As(r.Err(), &e) || e.Offset != r.Offset() || e.Offset > len(data) {
					t.Fatalf("op %d at %d: error %v, want one at offset %d", i/2, off, r.Err(), r.Offset())
				}
				failedAt = r.Offset()
				continue
			}
			if r.Err() != nil {
				t.Fatalf("op %d at %d: %v", i/2, off, r.Err())
			}
			if val != wantVal || !bytes.Equal(body, wantBody) {
				t.Fatalf("op %d at %d: read %#x % x, want %#x % x", i/2, off, val, body, wantVal, wantBody)
			}
			if len(body) > 0 && &body[0] != &wantBody[0] {
				t.Fatalf("op %d at %d: bytes do not alias the input", i/2, off)
			}
		}
		if r.Empty() != (r.Remaining() == 0) {
			t.Fatalf("Empty() = %v with %d bytes remaining", r.Empty(), r.Remaining())
		}
	})
}
