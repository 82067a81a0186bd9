package protocoltest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"

	"github.com/wirekit/wirekit/wire"
)

// The telemetry protocol is gen/golang/testdata/telemetry.wire: a frame of
// little-endian integers and LSB-first bit fields, with varints, counted
// arrays, optional fields and a big-endian CRC-32. Its frames are written
// here by hand, byte by byte, from values, which also give the lines of
// what each holds: a second reading of the schema, independent of the
// model.

// Reading is one measurement of a Batch.
type Reading struct {
	Sensor  uint16 // 12 bits
	Level   uint8  // 3 bits
	HasUnit bool
	Unit    uint8
	Value   int64 // zigzag
	At      uint64
}

// Batch is the telemetry message of type 1.
type Batch struct {
	Device   uint64 // 48 bits
	Seq      uint32 // 24 bits
	Battery  uint8  // 7 bits
	Charging bool
	Readings []Reading
	Note     *string
	Labels   []string
	Offsets  [3]int16
	Ratio    float32
	Scale    float64
	Drift    int64 // signed LEB128
	Raw      []byte
}

// Pong is the telemetry message of type 3.
type Pong struct {
	Nonce uint64
	Echo  []uint16
}

// A Telemetry is one telemetry frame: a *Batch, a *Pong, or nil for a
// Ping; BadCRC spoils its checksum.
type Telemetry struct {
	Msg    any
	BadCRC bool
}

func (tf Telemetry) typ() uint16 {
	switch tf.Msg.(type) {
	case *Batch:
		return 1
	case *Pong:
		return 3
	}
	return 2
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// body encodes the message as the schema lays it out.
func (tf Telemetry) body() []byte {
	le := binary.LittleEndian
	var b []byte
	switch m := tf.Msg.(type) {
	case *Batch:
		b = wire.LittleEndian.AppendUint(b, m.Device, 6)
		b = wire.LittleEndian.AppendUint(b, uint64(m.Seq), 3)
		b = append(b, m.Battery|uint8(boolBit(m.Charging))<<7) // LSB first: battery in bits 0-6
		b = append(b, uint8(len(m.Readings)))
		for _, r := range m.Readings {
			b = le.AppendUint16(b, r.Sensor|uint16(r.Level)<<12|uint16(boolBit(r.HasUnit))<<15)
			if r.HasUnit {
				b = append(b, r.Unit)
			}
			b = wire.AppendZigzag(b, r.Value)
			b = wire.AppendUvarint(b, r.At)
		}
		b = append(b, uint8(boolBit(m.Note != nil))) // has_note, then 7 reserved bits
		if m.Note != nil {
			b = wire.AppendUvarint(b, uint64(len(*m.Note)))
			b = append(b, *m.Note...)
		}
		b = append(b, uint8(len(m.Labels)))
		for _, l := range m.Labels {
			b = append(append(b, uint8(len(l))), l...)
		}
		for _, o := range m.Offsets {
			b = le.AppendUint16(b, uint16(o))
		}
		b = le.AppendUint32(b, math.Float32bits(m.Ratio))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(m.Scale))
		b = wire.AppendVarint(b, m.Drift)
		b = append(b, m.Raw...)
	case *Pong:
		b = le.AppendUint64(b, m.Nonce)
		b = wire.AppendUvarint(b, uint64(len(m.Echo)))
		for _, e := range m.Echo {
			b = le.AppendUint16(b, e)
		}
	}
	return b
}

// Bytes encodes the frame: magic "WKT1", type and length (of the whole
// frame) little-endian, the body, and a big-endian CRC-32 of all but the
// magic.
func (tf Telemetry) Bytes() []byte {
	body := tf.body()
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0x31544B57)
	b = le.AppendUint16(b, tf.typ())
	b = le.AppendUint16(b, uint16(12+len(body)))
	b = append(b, body...)
	sum := crc32.ChecksumIEEE(b[4:])
	if tf.BadCRC {
		sum ^= 1
	}
	return binary.BigEndian.AppendUint32(b, sum)
}

// Lines says what the frame holds, in the lines of the package comment.
func (tf Telemetry) Lines() []string {
	raw := tf.Bytes()
	ls := lines{"telemetry=", "telemetry.magic=0x31544b57", fmt.Sprint("telemetry.type=", tf.typ()), fmt.Sprint("telemetry.length=", len(raw))}
	switch m := tf.Msg.(type) {
	case *Batch:
		ls.add("telemetry.batch=",
			fmt.Sprint("telemetry.batch.device=", m.Device),
			fmt.Sprint("telemetry.batch.seq=", m.Seq),
			fmt.Sprint("telemetry.batch.battery=", m.Battery),
			fmt.Sprint("telemetry.batch.charging=", boolBit(m.Charging)),
			fmt.Sprint("telemetry.batch.count=", len(m.Readings)))
		for _, r := range m.Readings {
			ls.add("telemetry.batch.readings=",
				fmt.Sprint("telemetry.reading.sensor=", r.Sensor),
				fmt.Sprint("telemetry.reading.level=", r.Level),
				fmt.Sprint("telemetry.reading.has_unit=", boolBit(r.HasUnit)))
			if r.HasUnit {
				ls.add(fmt.Sprint("telemetry.reading.unit=", r.Unit))
			}
			ls.add(fmt.Sprint("telemetry.reading.value=", r.Value), fmt.Sprint("telemetry.reading.at=", r.At))
		}
		ls.add(fmt.Sprint("telemetry.batch.has_note=", boolBit(m.Note != nil)), "telemetry.batch.reserved=0")
		if m.Note != nil {
			ls.add(fmt.Sprint("telemetry.batch.note.length=", len(*m.Note)), "telemetry.batch.note="+*m.Note)
		}
		ls.add(fmt.Sprint("telemetry.batch.labels.count=", len(m.Labels)))
		for _, l := range m.Labels {
			ls.add(fmt.Sprint("telemetry.batch.labels.length=", len(l)), "telemetry.batch.labels="+l)
		}
		for _, o := range m.Offsets {
			ls.add(fmt.Sprint("telemetry.batch.offsets=", o))
		}
		ls.add("telemetry.batch.ratio="+strconv.FormatFloat(float64(m.Ratio), 'g', 6, 32),
			"telemetry.batch.scale="+strconv.FormatFloat(m.Scale, 'g', 15, 64),
			fmt.Sprint("telemetry.batch.drift=", m.Drift),
			"telemetry.batch.raw="+colonHex(m.Raw))
	case *Pong:
		ls.add("telemetry.pong=", fmt.Sprint("telemetry.pong.nonce=", m.Nonce), fmt.Sprint("telemetry.pong.echo.count=", len(m.Echo)))
		for _, e := range m.Echo {
			ls.add(fmt.Sprint("telemetry.pong.echo=", e))
		}
	default:
		ls.add("telemetry.ping=")
	}
	n := len(raw) - 4
	got, want := binary.BigEndian.Uint32(raw[n:]), crc32.ChecksumIEEE(raw[4:n])
	ls.add(fmt.Sprintf("telemetry.crc=0x%08x", got))
	if got == want {
		ls.add("telemetry.crc.status=1")
	} else {
		ls.add("telemetry.crc.status=0", fmt.Sprintf("!telemetry.crc.bad=bad checksum: 0x%08x, computed 0x%08x", got, want))
	}
	return ls
}

// Datagrams is the telemetry traffic that traffic.Telemetry sends: a datagram
// is one or several frames.
type Datagrams [][]Telemetry

// Bytes returns the payload of datagram i.
func (d Datagrams) Bytes(i int) []byte {
	var b []byte
	for _, f := range d[i] {
		b = append(b, f.Bytes()...)
	}
	return b
}

// TelemetryRequests are the datagrams a telemetry client sends: a batch
// with every optional part, a ping and a bare batch in one datagram, and a
// batch with a bad checksum.
func TelemetryRequests() Datagrams {
	note := "low battery"
	full := &Batch{
		Device: 0xA1B2C3D4E5F6, Seq: 0x123456, Battery: 17, Charging: true,
		Readings: []Reading{
			{Sensor: 0xABC, Level: 3, HasUnit: true, Unit: 4, Value: -1234, At: 0},
			{Sensor: 7, Level: 1, Value: 1 << 40, At: 300},
		},
		Note: &note, Labels: []string{"x", "axis-é"}, Offsets: [3]int16{-1, 0, 32767},
		Ratio: 1.5, Scale: 0.1, Drift: -70, Raw: []byte{0xde, 0xad, 0xbe, 0xef},
	}
	bare := &Batch{Device: 1, Battery: 100, Offsets: [3]int16{1, 2, 3}, Ratio: 0.1, Scale: -2.5e-9}
	return Datagrams{
		{{Msg: full}},
		{{Msg: nil}, {Msg: bare}},
		{{Msg: &Batch{Device: 2, Seq: 1, Battery: 50}, BadCRC: true}},
	}
}

// TelemetryResponse is the datagram a telemetry server answers the ping
// with.
func TelemetryResponse() Datagrams {
	return Datagrams{{{Msg: &Pong{Nonce: 0xFEEDFACECAFEBEEF, Echo: []uint16{1, 0xFFFF, 300}}}}}
}

// BrokenTelemetry returns a stream of telemetry frames: a good one, one
// with values the schema does not allow (a battery over 100, a level that
// is not one of the strict enum's), then a frame whose length is less than
// its header, after which nothing can be trusted.
func BrokenTelemetry() []byte {
	b := Telemetry{Msg: nil}.Bytes()
	b = append(b, Telemetry{Msg: &Batch{Battery: 101, Readings: []Reading{{Sensor: 1, Level: 7}}}}.Bytes()...)
	short := Telemetry{Msg: nil}.Bytes()
	binary.LittleEndian.PutUint16(short[6:], 5)
	return append(b, short...)
}
