package orders

import (
	"unicode/utf8"

	"github.com/wirekit/wirekit/frame"
)

// AppendResponse appends to dst the one response frame the spec requires for
// the request frame req, with now as the server time of an OrderAck:
//
//   - EchoRequest: an EchoResponse with the same payload;
//   - NewOrder: an OrderAck, rejected with the first failing check's reason,
//     or an Error with code 6 (malformed) if the payload does not decode;
//   - any other type, including the response types, which a server never
//     receives as requests: an Error with code 5 (unknown type).
//
// None of these close the connection.
func AppendResponse(dst []byte, req frame.Frame, now uint64) []byte {
	switch req.Type {
	case TypeEchoRequest:
		dst, _ = frame.Append(framing, dst, frame.Meta{Type: TypeEchoResponse, ID: req.ID}, req.Payload)
		return dst
	case TypeNewOrder:
		var o NewOrder
		if err := o.Decode(req.Payload); err != nil {
			return AppendError(dst, req.ID, CodeMalformed, err.Error())
		}
		ack := OrderAck{OrderID: o.OrderID, ServerTime: now}
		if ack.Reason = o.Check(); ack.Reason != ReasonNone {
			ack.Status = Rejected
		}
		dst, m := framing.Begin(dst, frame.Meta{Type: TypeOrderAck, ID: req.ID})
		dst = ack.Append(dst)
		dst, _ = framing.Finish(dst, m, nil) // 19 bytes: always under the max
		return dst
	}
	return AppendError(dst, req.ID, CodeUnknownType, "unknown request type")
}

// AppendError appends an Error frame with the given request id, code and
// message (cut to at most 255 bytes on a character boundary).
func AppendError(dst []byte, id uint64, code ErrorCode, msg string) []byte {
	dst, m := framing.Begin(dst, frame.Meta{Type: TypeError, ID: id})
	msg = msg[:cut255(msg)]
	dst = append(dst, byte(code>>8), byte(code), byte(len(msg)))
	dst = append(dst, msg...)
	dst, _ = framing.Finish(dst, m, nil)
	return dst
}

// cut255 returns the length of the longest prefix of s that fits a u8 length
// and does not end inside a UTF-8 sequence.
func cut255[T ~string | ~[]byte](s T) int {
	if len(s) <= 255 {
		return len(s)
	}
	n := 255
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
