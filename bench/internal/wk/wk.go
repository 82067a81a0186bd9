// Package wk is WK orders v1 (shared/spec/orders-v1.md) written by hand,
// independently of wirekit: the protocol logic that the hand-tuned net
// server, the gnet server and the load client share, so that those peers
// differ from wirekit in their I/O runtime only, and so that the load client
// does not measure wirekit with wirekit's own code.
//
// Everything here works on byte slices in place: Split finds a frame in a
// buffer without copying, Answer appends the response to a caller's buffer.
// Neither allocates.
package wk

import (
	"encoding/binary"
	"hash/crc32"
	"unicode/utf8"
)

// Message types (the frame's type field).
const (
	TypeEchoRequest  = 1
	TypeEchoResponse = 2
	TypeNewOrder     = 3
	TypeOrderAck     = 4
	TypeError        = 127
)

// Frame layout: a 12-byte header, the payload, a 4-byte CRC-32C trailer.
const (
	HeaderLen  = 12
	TrailerLen = 4
	Overhead   = HeaderLen + TrailerLen
	MaxPayload = 1 << 20
	// MaxErrorFrame is the largest Error frame: code, length, 255 bytes.
	MaxErrorFrame = Overhead + 3 + 255
	// AckFrameLen is the length of an OrderAck frame.
	AckFrameLen = Overhead + ackLen
)

// Code is an Error frame's code.
type Code uint16

const (
	CodeBadMagic      Code = 1
	CodeBadVersion    Code = 2
	CodeBadChecksum   Code = 3
	CodeFrameTooLarge Code = 4
	CodeUnknownType   Code = 5
	CodeMalformed     Code = 6
)

// Reason says why an order was rejected.
type Reason uint16

const (
	ReasonNone          Reason = 0
	ReasonBadQty        Reason = 1
	ReasonBadPrice      Reason = 2
	ReasonBadInstrument Reason = 3
	ReasonBadTIF        Reason = 4
)

// Order is a decoded NewOrder. Tag aliases the frame it came from.
type Order struct {
	OrderID    uint64
	Instrument uint32
	Side       uint8 // 0 buy, 1 sell
	TIF        uint8 // 0 day, 1 ioc, 2 fok, 3 invalid
	Price      int64 // units of 1e-8
	Qty        uint32
	Tag        []byte
}

// Check applies the spec's order checks in their order and returns the
// first that fails, or ReasonNone.
func (o *Order) Check() Reason {
	switch {
	case o.Qty == 0:
		return ReasonBadQty
	case o.Price <= 0:
		return ReasonBadPrice
	case o.Instrument == 0:
		return ReasonBadInstrument
	case o.TIF == 3:
		return ReasonBadTIF
	}
	return ReasonNone
}

const (
	orderFixed = 8 + 4 + 1 + 8 + 4 + 1
	ackLen     = 8 + 1 + 2 + 8
)

// DecodeOrder decodes a NewOrder payload. It reports false for a payload
// the spec calls malformed: truncated, trailing bytes, reserved bits set, or
// a tag that is not UTF-8.
func DecodeOrder(p []byte, o *Order) bool {
	if len(p) < orderFixed || p[12]&0x1f != 0 || len(p)-orderFixed != int(p[25]) {
		return false
	}
	tag := p[orderFixed:]
	if !utf8.Valid(tag) {
		return false
	}
	*o = Order{
		OrderID:    binary.BigEndian.Uint64(p),
		Instrument: binary.BigEndian.Uint32(p[8:]),
		Side:       p[12] >> 7,
		TIF:        p[12] >> 5 & 3,
		Price:      int64(binary.BigEndian.Uint64(p[13:])),
		Qty:        binary.BigEndian.Uint32(p[21:]),
		Tag:        tag,
	}
	return true
}

// AppendOrder appends o's payload encoding to dst; o.Tag must be at most
// 255 bytes.
func AppendOrder(dst []byte, o *Order) []byte {
	dst = binary.BigEndian.AppendUint64(dst, o.OrderID)
	dst = binary.BigEndian.AppendUint32(dst, o.Instrument)
	dst = append(dst, o.Side<<7|(o.TIF&3)<<5)
	dst = binary.BigEndian.AppendUint64(dst, uint64(o.Price))
	dst = binary.BigEndian.AppendUint32(dst, o.Qty)
	dst = append(dst, byte(len(o.Tag)))
	return append(dst, o.Tag...)
}

// Ack is a decoded OrderAck.
type Ack struct {
	OrderID    uint64
	Status     uint8 // 0 accepted, 1 rejected
	Reason     Reason
	ServerTime uint64 // Unix nanoseconds
}

// DecodeAck decodes an OrderAck payload.
func DecodeAck(p []byte, a *Ack) bool {
	if len(p) != ackLen {
		return false
	}
	*a = Ack{
		OrderID:    binary.BigEndian.Uint64(p),
		Status:     p[8],
		Reason:     Reason(binary.BigEndian.Uint16(p[9:])),
		ServerTime: binary.BigEndian.Uint64(p[11:]),
	}
	return true
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Begin appends a frame header with the length left blank; Finish fills it
// in once the payload is appended after it.
func Begin(dst []byte, typ uint8, id uint32) []byte {
	return append(dst, 0x57, 0x4B, 1, typ, byte(id>>24), byte(id>>16), byte(id>>8), byte(id), 0, 0, 0, 0)
}

// Finish completes the frame that starts at dst[start:]: it backfills the
// payload length and appends the CRC-32C trailer.
func Finish(dst []byte, start int) []byte {
	binary.BigEndian.PutUint32(dst[start+8:], uint32(len(dst)-start-HeaderLen))
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// Split looks at the start of b, the bytes received so far. It returns the
// length of the complete frame there (n > 0), or n == 0 when b does not hold
// one yet. A non-zero code means the stream is broken (codes 1-4): the
// connection answers with an Error frame and closes. Split checks each
// header field as soon as its bytes are in, so that a hostile length is
// refused before anything waits for it, and the checksum once the whole
// frame is.
func Split(b []byte) (n int, code Code) {
	switch {
	case len(b) > 0 && b[0] != 0x57 || len(b) > 1 && b[1] != 0x4B:
		return 0, CodeBadMagic
	case len(b) > 2 && b[2] != 1:
		return 0, CodeBadVersion
	case len(b) < HeaderLen:
		return 0, 0
	}
	l := binary.BigEndian.Uint32(b[8:])
	if l > MaxPayload {
		return 0, CodeFrameTooLarge
	}
	n = Overhead + int(l)
	if len(b) < n {
		return 0, 0
	}
	if crc32.Checksum(b[:n-TrailerLen], castagnoli) != binary.BigEndian.Uint32(b[n-TrailerLen:]) {
		return 0, CodeBadChecksum
	}
	return n, 0
}

// FrameLen returns the length of the frame whose header h starts (at least
// HeaderLen bytes), once Split has accepted the header.
func FrameLen(h []byte) int { return Overhead + int(binary.BigEndian.Uint32(h[8:])) }

// ID returns the request id of the frame starting at f.
func ID(f []byte) uint32 { return binary.BigEndian.Uint32(f[4:]) }

// Type returns the type of the frame starting at f.
func Type(f []byte) uint8 { return f[3] }

// Payload returns the payload of the complete frame f.
func Payload(f []byte) []byte { return f[HeaderLen : len(f)-TrailerLen] }

// ResponseLen bounds the length of the response Answer writes for the
// complete frame f, so that a writer can make room first.
func ResponseLen(f []byte) int { return max(len(f), MaxErrorFrame) }

// Answer appends to dst the response to the complete frame f that Split
// accepted, with now as an OrderAck's server time: an EchoResponse, an
// OrderAck, or an Error with code 5 (unknown type) or 6 (malformed).
func Answer(dst, f []byte, now uint64) []byte {
	id := ID(f)
	switch Type(f) {
	case TypeEchoRequest:
		start := len(dst)
		dst = Begin(dst, TypeEchoResponse, id)
		dst = append(dst, Payload(f)...)
		return Finish(dst, start)
	case TypeNewOrder:
		var o Order
		if !DecodeOrder(Payload(f), &o) {
			return AppendError(dst, id, CodeMalformed, "malformed NewOrder")
		}
		a := Ack{OrderID: o.OrderID, Reason: o.Check(), ServerTime: now}
		if a.Reason != ReasonNone {
			a.Status = 1
		}
		return AppendAck(dst, id, &a)
	}
	return AppendError(dst, id, CodeUnknownType, "unknown request type")
}

// AppendAck appends an OrderAck frame.
func AppendAck(dst []byte, id uint32, a *Ack) []byte {
	start := len(dst)
	dst = Begin(dst, TypeOrderAck, id)
	dst = binary.BigEndian.AppendUint64(dst, a.OrderID)
	dst = append(dst, a.Status)
	dst = binary.BigEndian.AppendUint16(dst, uint16(a.Reason))
	dst = binary.BigEndian.AppendUint64(dst, a.ServerTime)
	return Finish(dst, start)
}

// AppendError appends an Error frame; msg must be at most 255 bytes.
func AppendError(dst []byte, id uint32, code Code, msg string) []byte {
	start := len(dst)
	dst = Begin(dst, TypeError, id)
	dst = append(dst, byte(code>>8), byte(code), byte(len(msg)))
	dst = append(dst, msg...)
	return Finish(dst, start)
}

// AppendFatal appends the Error frame for a code Split returned. The request
// id is the broken frame's when the header could be read, as the spec asks.
func AppendFatal(dst, b []byte, code Code) []byte {
	var id uint32
	if len(b) >= HeaderLen && code != CodeBadMagic && code != CodeBadVersion {
		id = ID(b)
	}
	return AppendError(dst, id, code, fatalMsg[code])
}

var fatalMsg = [...]string{
	CodeBadMagic:      "bad magic",
	CodeBadVersion:    "bad version",
	CodeBadChecksum:   "bad checksum",
	CodeFrameTooLarge: "frame too large",
}
