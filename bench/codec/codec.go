// Package codec holds the codec micro-benchmarks of the benchmark module:
// WK orders v1's NewOrder and a small struct (the one of
// go_serialization_benchmarks) encoded and decoded by
//
//   - wirekit's generated code (examples/orders/orderspb, and smallpb here,
//     generated from small.wire),
//   - hand-written code (examples/orders for NewOrder, SmallHand here),
//   - protobuf-go (benchpb),
//   - encoding/binary's reflection (binary.Write and binary.Read of
//     fixed-size structs: reflection cannot size a string or pack bits, so
//     the strings become fixed arrays and the bit fields a byte packed by
//     hand),
//   - encoding/json.
//
// The benchmarks are in codec_test.go; this file has the types they need.
// See the README for how to run them through benchstat.
package codec

import (
	"encoding/binary"
	"errors"
	"math"
	"unicode/utf8"
)

// SmallHand is the small struct with a codec written by hand: the same
// bytes as smallpb's generated code (a u8-length-prefixed name, birthday
// i64, u8-length-prefixed phone, siblings i32, spouse in the top bit of a
// byte, money f64; big-endian), decoded in place (Name and Phone alias the
// input) with the same checks.
type SmallHand struct {
	Name     []byte
	BirthDay int64
	Phone    []byte
	Siblings int32
	Spouse   bool
	Money    float64
}

// Append appends s's encoding to dst. Name and Phone must be at most 255
// bytes.
func (s *SmallHand) Append(dst []byte) []byte {
	dst = append(dst, byte(len(s.Name)))
	dst = append(dst, s.Name...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(s.BirthDay))
	dst = append(dst, byte(len(s.Phone)))
	dst = append(dst, s.Phone...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(s.Siblings))
	var spouse byte
	if s.Spouse {
		spouse = 0x80
	}
	dst = append(dst, spouse)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(s.Money))
}

var errSmall = errors.New("malformed Small")

// Decode decodes b, which must hold exactly one encoding, into s.
func (s *SmallHand) Decode(b []byte) error {
	if len(b) < 1 || len(b) < 1+int(b[0])+9 {
		return errSmall
	}
	n := int(b[0])
	name, b := b[1:1+n:1+n], b[1+n:]
	birth := int64(binary.BigEndian.Uint64(b))
	n = int(b[8])
	if len(b) != 9+n+13 {
		return errSmall
	}
	phone, b := b[9:9+n:9+n], b[9+n:]
	if b[4]&0x7f != 0 || !utf8.Valid(name) || !utf8.Valid(phone) {
		return errSmall
	}
	*s = SmallHand{
		Name:     name,
		BirthDay: birth,
		Phone:    phone,
		Siblings: int32(binary.BigEndian.Uint32(b)),
		Spouse:   b[4]&0x80 != 0,
		Money:    math.Float64frombits(binary.BigEndian.Uint64(b[5:])),
	}
	return nil
}

// SmallFixed is the small struct as encoding/binary's reflection can
// encode it: fixed-size fields only, so the strings are zero-padded arrays
// with their lengths beside them.
type SmallFixed struct {
	NameLen  uint8
	Name     [16]byte
	BirthDay int64
	PhoneLen uint8
	Phone    [16]byte
	Siblings int32
	Spouse   bool
	Money    float64
}

// NewOrderFixed is NewOrder as encoding/binary's reflection can encode it:
// the side and tif bits packed into Flags by hand, and the tag a
// zero-padded array.
type NewOrderFixed struct {
	OrderID    uint64
	Instrument uint32
	Flags      uint8 // side<<7 | tif<<5
	Price      int64
	Qty        uint32
	TagLen     uint8
	Tag        [8]byte
}

// SmallJSON is the small struct for encoding/json.
type SmallJSON struct {
	Name     string  `json:"name"`
	BirthDay int64   `json:"birth_day"`
	Phone    string  `json:"phone"`
	Siblings int32   `json:"siblings"`
	Spouse   bool    `json:"spouse"`
	Money    float64 `json:"money"`
}
