package wire_test

import (
	"testing"

	"github.com/wirekit/wirekit/wire"
)

// varintValues mixes one- to ten-byte encodings, as real fields do.
var varintValues = []uint64{0, 1, 127, 128, 300, 1 << 20, 1 << 35, 1 << 50, 1 << 63, 5}

func BenchmarkAppendUvarint(b *testing.B) {
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf = buf[:0]
		for _, v := range varintValues {
			buf = wire.AppendUvarint(buf, v)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUvarint(b *testing.B) {
	var enc []byte
	for _, v := range varintValues {
		enc = wire.AppendUvarint(enc, v)
	}
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		for rest := enc; len(rest) > 0; {
			v, n, err := wire.Uvarint(rest)
			if err != nil {
				b.Fatal(err)
			}
			sinkU += v
			rest = rest[n:]
		}
	}
}

func BenchmarkAppendVarint(b *testing.B) {
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf = buf[:0]
		for _, v := range varintValues {
			buf = wire.AppendVarint(buf, -int64(v>>1))
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkVarint(b *testing.B) {
	var enc []byte
	for _, v := range varintValues {
		enc = wire.AppendVarint(enc, -int64(v>>1))
	}
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		for rest := enc; len(rest) > 0; {
			v, n, err := wire.Varint(rest)
			if err != nil {
				b.Fatal(err)
			}
			sinkI += v
			rest = rest[n:]
		}
	}
}

func BenchmarkAppendUint24(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = buf[:0]
		for i := range uint32(16) {
			buf = wire.BigEndian.AppendUint24(buf, i<<12)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendUint(b *testing.B) {
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf = buf[:0]
		for width := 1; width <= 8; width++ {
			buf = wire.LittleEndian.AppendUint(buf, 0x0102030405060708, width)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkUint(b *testing.B) {
	buf := make([]byte, 8)
	b.SetBytes(36) // 1 + 2 + ... + 8 bytes
	for b.Loop() {
		for width := 1; width <= 8; width++ {
			sinkU += wire.BigEndian.Uint(buf, width)
		}
	}
}

func BenchmarkReaderUint32(b *testing.B) {
	buf := make([]byte, 64)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		r := wire.NewReader(buf)
		for !r.Empty() {
			sinkU += uint64(r.Uint32(wire.BigEndian))
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// BenchmarkReaderMessage decodes a message shaped like the reference
// protocol's NewOrder: fixed integers, a varint and a short string.
func BenchmarkReaderMessage(b *testing.B) {
	msg := wire.BigEndian.AppendUint64(nil, 42)
	msg = wire.BigEndian.AppendUint32(msg, 7)
	msg = append(msg, 0x81)
	msg = wire.BigEndian.AppendUint64(msg, 123456789)
	msg = wire.AppendUvarint(msg, 300)
	msg = append(msg, 5)
	msg = append(msg, "hello"...)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		r := wire.NewReader(msg)
		sinkU += r.Uint64(wire.BigEndian) + uint64(r.Uint32(wire.BigEndian)) + uint64(r.Uint8()) +
			r.Uint64(wire.BigEndian) + r.Uvarint()
		sinkB = r.LengthPrefixed(1, wire.BigEndian)
		if r.Err() != nil || !r.Empty() {
			b.Fatal(r.Err())
		}
	}
}

// bitFields is a header-like run of fields, 128 bits in all.
var bitFields = []field{{1, 1}, {2, 2}, {0, 5}, {0xabc, 12}, {0x1234, 16}, {0x0123456789abcdef, 64}, {3, 7}, {0x155, 21}}

func BenchmarkBitWriter(b *testing.B) {
	for _, o := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
		b.Run(o.String(), func(b *testing.B) {
			buf := make([]byte, 0, 32)
			b.SetBytes(16)
			for b.Loop() {
				w := wire.NewBitWriter(buf[:0], o)
				for _, f := range bitFields {
					w.WriteBits(f.v, f.n)
				}
				sinkB = w.Bytes()
			}
		})
	}
}

func BenchmarkBitReader(b *testing.B) {
	for _, o := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
		b.Run(o.String(), func(b *testing.B) {
			w := wire.NewBitWriter(nil, o)
			for _, f := range bitFields {
				w.WriteBits(f.v, f.n)
			}
			buf := w.Bytes()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				r := wire.NewBitReader(buf, o)
				for _, f := range bitFields {
					sinkU += r.ReadBits(f.n)
				}
				if r.Err() != nil {
					b.Fatal(r.Err())
				}
			}
		})
	}
}

func BenchmarkLengthPrefix(b *testing.B) {
	buf := make([]byte, 0, 512)
	body := make([]byte, 200)
	b.Run("fixed", func(b *testing.B) {
		for b.Loop() {
			dst, m := wire.BeginLength(buf[:0], 4, wire.BigEndian)
			dst = append(dst, body...)
			sinkB, sinkErr = wire.EndLength(dst, m)
		}
	})
	b.Run("uvarint", func(b *testing.B) {
		for b.Loop() {
			dst, m := wire.BeginUvarintLength(buf[:0])
			dst = append(dst, body...) // 200 bytes: the body moves up one
			sinkB, sinkErr = wire.EndLength(dst, m)
		}
	})
}
