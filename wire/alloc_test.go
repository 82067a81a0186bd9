package wire_test

import (
	"testing"

	"github.com/wirekit/wirekit/wire"
)

// Sinks keep the compiler from discarding the work being measured.
var (
	sinkU   uint64
	sinkI   int64
	sinkB   []byte
	sinkErr error
)

// allocPaths are the encode and decode paths that must not allocate when
// they succeed and the buffer has room. Benchmarks time the same paths.
var allocPaths = map[string]func(buf []byte){
	"ByteOrder append": func(buf []byte) {
		for _, o := range orders {
			b := o.AppendUint16(buf[:0], 1)
			b = o.AppendUint24(b, 2)
			b = o.AppendUint32(b, 3)
			b = o.AppendUint64(b, 4)
			b = o.AppendUint(b, 5, 5)
			o.PutUint(b, 6, 7)
			sinkB = b
		}
	},
	"ByteOrder read": func(buf []byte) {
		for _, o := range orders {
			sinkU = uint64(o.Uint16(buf)) + uint64(o.Uint24(buf)) + uint64(o.Uint32(buf)) +
				o.Uint64(buf) + o.Uint(buf, 5) + uint64(o.Int(buf, 3)) + uint64(o.Int24(buf))
		}
	},
	"varint append": func(buf []byte) {
		b := wire.AppendUvarint(buf[:0], 1<<63)
		b = wire.AppendVarint(b, -1<<62)
		sinkB = wire.AppendZigzag(b, -1<<62)
	},
	"varint decode": func(buf []byte) {
		b := wire.AppendUvarint(buf[:0], 1<<60)
		u, _, err1 := wire.Uvarint(b)
		v, _, err2 := wire.Varint(b)
		z, _, err3 := wire.Zigzag(b)
		sinkU, sinkI = u, v+z
		if err1 != nil || err2 != nil || err3 != nil {
			panic("decode failed")
		}
	},
	"BitWriter": func(buf []byte) {
		w := wire.NewBitWriter(buf[:0], wire.MSBFirst)
		w.WriteBits(5, 3)
		w.WriteBits(1<<40, 64)
		sinkB = w.Bytes()
		w = wire.NewBitWriter(buf[:0], wire.LSBFirst)
		w.WriteBits(5, 3)
		w.WriteBits(1<<40, 64)
		sinkB = w.Bytes()
	},
	"BitReader": func(buf []byte) {
		for _, o := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
			r := wire.NewBitReader(buf, o)
			sinkU = r.ReadBits(3) + r.ReadBits(64) + r.ReadBits(13)
			sinkErr = r.Err()
		}
	},
	"Reader": func(buf []byte) {
		r := wire.NewReader(buf)
		sinkU = uint64(r.Uint8()) + uint64(r.Uint16(wire.BigEndian)) + uint64(r.Uint24(wire.LittleEndian)) +
			uint64(r.Int24(wire.BigEndian)) + uint64(r.Uint32(wire.BigEndian)) + r.Uint64(wire.LittleEndian) +
			r.Uint(5, wire.BigEndian) + uint64(r.Int(3, wire.BigEndian))
		r.Skip(1)
		sinkI = r.Varint() + r.Zigzag() + int64(r.Uvarint())
		sinkB = r.Bytes(2)
		sinkB = r.LengthPrefixed(1, wire.BigEndian)
		sinkB = r.UvarintPrefixed()
		sinkErr = r.Err()
		if sinkErr != nil {
			panic(sinkErr)
		}
	},
	"length prefix": func(buf []byte) {
		b, outer := wire.BeginLength(buf[:0], 4, wire.BigEndian)
		b, inner := wire.BeginUvarintLength(b)
		b = append(b, make([]byte, 200)...) // moves the body for a 2-byte uvarint
		b, _ = wire.EndLength(b, inner)
		sinkB, sinkErr = wire.EndLength(b, outer)
	},
}

func TestZeroAllocs(t *testing.T) {
	for name, f := range allocPaths {
		// Zero bytes decode as zeros or empty slices everywhere; the
		// paths that write own their buffer and reread only what they wrote.
		buf := make([]byte, 64, 512)
		if n := testing.AllocsPerRun(100, func() { f(buf) }); n != 0 {
			t.Errorf("%s: %v allocations, want 0", name, n)
		}
	}
}

// A failing Reader allocates once, for its error, and never again however
// many reads follow: a hostile peer cannot make decoding expensive.
func TestReaderFailureAllocsOnce(t *testing.T) {
	buf := []byte{1, 2, 3}
	n := testing.AllocsPerRun(100, func() {
		r := wire.NewReader(buf)
		for range 100 {
			sinkU += uint64(r.Uint32(wire.BigEndian)) + r.Uvarint()
			sinkB = r.LengthPrefixed(8, wire.BigEndian)
		}
		sinkErr = r.Err()
	})
	if n != 1 {
		t.Errorf("failing Reader: %v allocations, want 1", n)
	}
}
