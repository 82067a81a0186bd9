// Package orders implements WK orders v1, wirekit's reference protocol
// (shared/spec/orders-v1.md): its framing, its messages and the order checks
// a server applies.
//
// The codec here is written by hand; it is the baseline that generated code is
// measured against.
//
// Frame (all integers big-endian):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-------------------------------+---------------+---------------+
//	|        magic 0x57 0x4B        |  version = 1  |     type      |
//	+-------------------------------+---------------+---------------+
//	|                          request id                           |
//	+---------------------------------------------------------------+
//	|                     payload length L (bytes)                  |
//	+---------------------------------------------------------------+
//	|                     payload (L bytes) ...                     |
//	+---------------------------------------------------------------+
//	|          CRC-32C (Castagnoli) of header + payload             |
//	+---------------------------------------------------------------+
package orders

import (
	"encoding/binary"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/wirekit/wirekit/frame"
)

// Message types (the frame's type field).
const (
	TypeEchoRequest  = 1
	TypeEchoResponse = 2
	TypeNewOrder     = 3
	TypeOrderAck     = 4
	TypeError        = 127
)

// MaxPayload is the largest payload the protocol allows: L > 1 MiB is a
// protocol error.
const MaxPayload = 1 << 20

var framing = func() *frame.Header {
	h, err := frame.NewHeader(frame.HeaderConfig{
		Magic:       []byte{0x57, 0x4B},
		Versions:    []uint8{1},
		TypeWidth:   1,
		IDWidth:     4,
		LengthWidth: 4,
		MaxPayload:  MaxPayload,
		Checksum:    frame.CRC32C(),
	})
	if err != nil {
		panic(err) // a constant configuration: fails in every test run or never
	}
	return h
}()

// Framing returns the protocol's framing.
func Framing() *frame.Header { return framing }

// Side is the order side, one bit on the wire.
type Side uint8

const (
	Buy  Side = 0
	Sell Side = 1
)

func (s Side) String() string {
	if s == Sell {
		return "sell"
	}
	return "buy"
}

// TIF is the order's time in force, two bits on the wire; 3 is invalid.
type TIF uint8

const (
	Day TIF = 0
	IOC TIF = 1
	FOK TIF = 2
)

var tifNames = [...]string{"day", "ioc", "fok", "tif(3)"}

func (t TIF) String() string { return tifNames[t&3] }

// NewOrder is a request to place an order (type 3).
//
//	+--------+----------+-------------+--------+-----+------+-----+----------+
//	|order_id|instrument|side|tif|rsvd| price  | qty | len  | tag (len bytes) |
//	|  u64   |   u32    | 1b |2b | 5b |  i64   | u32 |  u8  |   UTF-8         |
//	+--------+----------+-------------+--------+-----+------+-----+----------+
type NewOrder struct {
	OrderID    uint64
	Instrument uint32
	Side       Side
	TIF        TIF
	Price      int64 // fixed point, units of 1e-8
	Qty        uint32
	// Tag aliases the decoded frame: it is valid as long as the frame is.
	Tag []byte
}

// newOrderFixed is the size of NewOrder without its tag bytes.
const newOrderFixed = 8 + 4 + 1 + 8 + 4 + 1

// Size returns the encoded length of o.
func (o *NewOrder) Size() int { return newOrderFixed + cut255(o.Tag) }

// Append appends o's encoding to dst. A tag longer than 255 bytes, the most
// its u8 length can say, is cut on a character boundary.
func (o *NewOrder) Append(dst []byte) []byte {
	tag := o.Tag[:cut255(o.Tag)]
	dst = binary.BigEndian.AppendUint64(dst, o.OrderID)
	dst = binary.BigEndian.AppendUint32(dst, o.Instrument)
	dst = append(dst, byte(o.Side&1)<<7|byte(o.TIF&3)<<5)
	dst = binary.BigEndian.AppendUint64(dst, uint64(o.Price))
	dst = binary.BigEndian.AppendUint32(dst, o.Qty)
	dst = append(dst, byte(len(tag)))
	return append(dst, tag...)
}

// Malformed is the error for a payload that does not decode: truncated,
// trailing bytes, reserved bits set or a tag that is not UTF-8 (the spec's
// error code 6).
type Malformed struct {
	Msg    string // message type name
	Offset int    // payload offset of the problem
	Reason string
}

func (e *Malformed) Error() string {
	return "orders: malformed " + e.Msg + " at payload offset " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// Decode decodes b into o. o.Tag aliases b.
func (o *NewOrder) Decode(b []byte) error {
	if len(b) < newOrderFixed {
		return &Malformed{"NewOrder", len(b), "truncated: " + strconv.Itoa(len(b)) + " bytes, need at least " + strconv.Itoa(newOrderFixed)}
	}
	bits := b[12]
	if bits&0x1f != 0 {
		return &Malformed{"NewOrder", 12, "reserved bits set"}
	}
	n := int(b[25])
	if rest := len(b) - newOrderFixed; rest != n {
		return &Malformed{"NewOrder", 25, "tag length " + strconv.Itoa(n) + " but " + strconv.Itoa(rest) + " bytes follow"}
	}
	tag := b[newOrderFixed : newOrderFixed+n : newOrderFixed+n]
	if !utf8.Valid(tag) {
		return &Malformed{"NewOrder", newOrderFixed, "tag is not UTF-8"}
	}
	*o = NewOrder{
		OrderID:    binary.BigEndian.Uint64(b),
		Instrument: binary.BigEndian.Uint32(b[8:]),
		Side:       Side(bits >> 7),
		TIF:        TIF(bits >> 5 & 3),
		Price:      int64(binary.BigEndian.Uint64(b[13:])),
		Qty:        binary.BigEndian.Uint32(b[21:]),
		Tag:        tag,
	}
	return nil
}

// Status says whether an order was accepted.
type Status uint8

const (
	Accepted Status = 0
	Rejected Status = 1
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

// Check applies the spec's order checks in their order and returns the first
// that fails, or ReasonNone.
func (o *NewOrder) Check() Reason {
	return CheckOrder(o.Qty, o.Price, o.Instrument, o.TIF)
}

// CheckOrder is the spec's order checks on an order's fields, for the
// services that decode orders into types of their own (ordersvc's generated
// orderspb.NewOrder): the rule lives here once. The spec numbers the reasons,
// so they convert by value to orderspb.Reason. It is small enough to inline
// into a per-request handler.
func CheckOrder(qty uint32, price int64, instrument uint32, tif TIF) Reason {
	switch {
	case qty == 0:
		return ReasonBadQty
	case price <= 0:
		return ReasonBadPrice
	case instrument == 0:
		return ReasonBadInstrument
	case tif == 3:
		return ReasonBadTIF
	}
	return ReasonNone
}

// OrderAck answers a NewOrder (type 4).
type OrderAck struct {
	OrderID    uint64
	Status     Status
	Reason     Reason
	ServerTime uint64 // Unix nanoseconds
}

const orderAckSize = 8 + 1 + 2 + 8

// Size returns the encoded length of an OrderAck.
func (a *OrderAck) Size() int { return orderAckSize }

// Append appends a's encoding to dst.
func (a *OrderAck) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, a.OrderID)
	dst = append(dst, byte(a.Status))
	dst = binary.BigEndian.AppendUint16(dst, uint16(a.Reason))
	return binary.BigEndian.AppendUint64(dst, a.ServerTime)
}

// Decode decodes b into a.
func (a *OrderAck) Decode(b []byte) error {
	if len(b) != orderAckSize {
		return &Malformed{"OrderAck", min(len(b), orderAckSize), "length " + strconv.Itoa(len(b)) + ", want " + strconv.Itoa(orderAckSize)}
	}
	*a = OrderAck{
		OrderID:    binary.BigEndian.Uint64(b),
		Status:     Status(b[8]),
		Reason:     Reason(binary.BigEndian.Uint16(b[9:])),
		ServerTime: binary.BigEndian.Uint64(b[11:]),
	}
	return nil
}

// ErrorCode is the code of an Error frame.
type ErrorCode uint16

const (
	CodeBadMagic      ErrorCode = 1
	CodeBadVersion    ErrorCode = 2
	CodeBadChecksum   ErrorCode = 3
	CodeFrameTooLarge ErrorCode = 4
	CodeUnknownType   ErrorCode = 5
	CodeMalformed     ErrorCode = 6
)

// Closes reports whether the server closes the connection after sending an
// error of this code: after 1-4 the stream can no longer be trusted.
func (c ErrorCode) Closes() bool { return c >= CodeBadMagic && c <= CodeFrameTooLarge }

// CodeFor maps a framing error to the protocol's error code, and reports
// false for errors the protocol has no code for.
func CodeFor(err error) (ErrorCode, bool) {
	var fe *frame.Error
	if !errors.As(err, &fe) {
		return 0, false
	}
	switch fe.Kind {
	case frame.BadMagic:
		return CodeBadMagic, true
	case frame.BadVersion:
		return CodeBadVersion, true
	case frame.BadChecksum:
		return CodeBadChecksum, true
	case frame.TooLarge:
		return CodeFrameTooLarge, true
	}
	return 0, false
}

// Error is the protocol's error frame (type 127): a code and a message.
type Error struct {
	Code ErrorCode
	// Message aliases the decoded frame. Append cuts it to at most 255
	// bytes, on a character boundary.
	Message []byte
}

// Append appends e's encoding to dst.
func (e *Error) Append(dst []byte) []byte {
	msg := e.Message[:cut255(e.Message)]
	dst = binary.BigEndian.AppendUint16(dst, uint16(e.Code))
	dst = append(dst, byte(len(msg)))
	return append(dst, msg...)
}

// Decode decodes b into e; e.Message aliases b.
func (e *Error) Decode(b []byte) error {
	if len(b) < 3 || len(b) != 3+int(b[2]) {
		return &Malformed{"Error", min(len(b), 2), "length does not match its message length"}
	}
	msg := b[3:len(b):len(b)]
	if !utf8.Valid(msg) {
		return &Malformed{"Error", 3, "message is not UTF-8"}
	}
	*e = Error{Code: ErrorCode(binary.BigEndian.Uint16(b)), Message: msg}
	return nil
}
