package orders

import (
	"unicode/utf8"

	"github.com/wirekit/wirekit/frame"
)

// Response is the one answer the spec requires to a request frame. Build it
// with Answer; write it with Meta as the frame header and AppendBody as the
// body.
type Response struct {
	Meta frame.Meta
	ack  OrderAck
	code ErrorCode
	msg  string
	echo []byte // aliases the request
}

// Answer computes the response to the request frame req, with now as the
// server time of an OrderAck:
//
//   - EchoRequest: an EchoResponse with the same payload;
//   - NewOrder: an OrderAck, rejected with the first failing check's reason,
//     or an Error with code 6 (malformed) if the payload does not decode;
//   - any other type, including the response types, which a server never
//     receives as requests: an Error with code 5 (unknown type).
//
// None of these close the connection. The response may alias req's payload,
// so it must be written before req's buffer is reused.
func Answer(req frame.Frame, now uint64) Response {
	switch req.Type {
	case TypeEchoRequest:
		return Response{Meta: frame.Meta{Type: TypeEchoResponse, ID: req.ID}, echo: req.Payload}
	case TypeNewOrder:
		var o NewOrder
		if err := o.Decode(req.Payload); err != nil {
			return ErrorResponse(req.ID, CodeMalformed, err.Error())
		}
		r := Response{Meta: frame.Meta{Type: TypeOrderAck, ID: req.ID}}
		r.ack = OrderAck{OrderID: o.OrderID, ServerTime: now}
		if r.ack.Reason = o.Check(); r.ack.Reason != ReasonNone {
			r.ack.Status = Rejected
		}
		return r
	}
	return ErrorResponse(req.ID, CodeUnknownType, "unknown request type")
}

// ErrorResponse returns an Error response with the given request id, code
// and message (cut to at most 255 bytes on a character boundary).
func ErrorResponse(id uint64, code ErrorCode, msg string) Response {
	return Response{Meta: frame.Meta{Type: TypeError, ID: id}, code: code, msg: msg}
}

// AppendBody appends the response's payload to dst.
func (r *Response) AppendBody(dst []byte) []byte {
	switch r.Meta.Type {
	case TypeEchoResponse:
		return append(dst, r.echo...)
	case TypeOrderAck:
		return r.ack.Append(dst)
	}
	msg := r.msg[:cut255(r.msg)]
	dst = append(dst, byte(r.code>>8), byte(r.code), byte(len(msg)))
	return append(dst, msg...)
}

// AppendResponse appends the whole response frame for req to dst.
func AppendResponse(dst []byte, req frame.Frame, now uint64) []byte {
	r := Answer(req, now)
	return appendFrame(dst, &r)
}

// AppendError appends an Error frame with the given request id, code and
// message (cut to at most 255 bytes on a character boundary).
func AppendError(dst []byte, id uint64, code ErrorCode, msg string) []byte {
	r := ErrorResponse(id, code, msg)
	return appendFrame(dst, &r)
}

func appendFrame(dst []byte, r *Response) []byte {
	dst, m := framing.Begin(dst, r.Meta)
	dst = r.AppendBody(dst)
	// Echo payloads come from frames this framing accepted, and the other
	// bodies are a few hundred bytes at most: never over the max.
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
