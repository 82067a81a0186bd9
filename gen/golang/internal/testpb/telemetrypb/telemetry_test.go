package telemetrypb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/wire"
)

// TestPingFrame builds a frame by hand from the schema's description: the
// little-endian header, a length that counts the whole frame, and a
// big-endian CRC-32 over everything after the magic.
func TestPingFrame(t *testing.T) {
	want := []byte{'W', 'K', 'T', '1', 2, 0, 12, 0}
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(want[4:]))
	got, err := AppendFrame(nil, frame.Meta{}, &Ping{})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %x %v, want %x", got, err, want)
	}
	var fr frame.Frame
	var ms Messages
	if n, err := Framing().Split(want, &fr); err != nil || n != len(want) {
		t.Fatal(n, err)
	}
	if msg, err := ms.Decode(&fr); err != nil || msg != Message(&ms.Ping) {
		t.Fatalf("%T %v", msg, err)
	}
}

func TestBatchFrame(t *testing.T) {
	in := Batch{
		Device: 0xA1B2C3D4E5F6, Seq: 77, Battery: 80, Charging: true,
		Readings: []Reading{
			{Sensor: 0xABC, Level: LevelWarn, HasUnit: true, Unit: UnitCelsius, Value: -21500, At: 300},
			{Sensor: 1, Level: LevelDebug, Value: 7, At: 1 << 40},
		},
		HasNote: true, Note: "tank 2",
		Labels:  []string{"north", "δ"},
		Offsets: [3]int16{-1, 0, 1}, Ratio: 0.5, Scale: 1e-3, Drift: -300,
		Raw: []byte{1, 2, 3},
	}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := AppendFrame(nil, frame.Meta{}, &in)
	if err != nil {
		t.Fatal(err)
	}
	// The first reading, at byte 11, packs sensor (12 bits), level (3) and has_unit (1)
	// LSB first into a little-endian 16-bit word: 0xABC | 2<<12 | 1<<15.
	body := b[8 : len(b)-4]
	if w := binary.LittleEndian.Uint16(body[11:]); w != 0xABC|2<<12|1<<15 {
		t.Errorf("first reading's bits %#04x", w)
	}
	fr, _, err := frame.Next(Framing(), b)
	if err != nil {
		t.Fatal(err)
	}
	var ms Messages
	msg, err := ms.Decode(&fr)
	if err != nil {
		t.Fatal(err)
	}
	out := msg.(*Batch)
	if out.Device != in.Device || out.Note != in.Note || len(out.Readings) != 2 || out.Readings[0] != in.Readings[0] ||
		out.Readings[1] != in.Readings[1] || out.Labels[1] != "δ" || out.Offsets != in.Offsets || out.Drift != -300 || !bytes.Equal(out.Raw, in.Raw) {
		t.Errorf("decoded %+v", out)
	}
}

func TestStrictEnum(t *testing.T) {
	// level 7 is not declared, and Level is strict.
	var r Reading
	err := r.Decode([]byte{0x01, 0x70, 0x00, 0x00})
	var fe *FieldError
	if !errors.As(err, &fe) || !errors.Is(err, ErrEnum) || fe.Field != "level" || fe.Offset != 0 {
		t.Errorf("%v", err)
	}
}

func TestHostileCount(t *testing.T) {
	// A Pong claiming 2^62 echo values in a 12-byte body fails before any
	// allocation.
	b := binary.LittleEndian.AppendUint64(nil, 1)
	b = binary.AppendUvarint(b, 1<<62)
	var p Pong
	allocs := testing.AllocsPerRun(10, func() {
		if err := p.Decode(b); !errors.Is(err, wire.ErrShort) {
			t.Fatalf("%v", err)
		}
	})
	if allocs > 1 { // the error itself
		t.Errorf("%v allocations", allocs)
	}
}
