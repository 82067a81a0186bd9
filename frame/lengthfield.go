package frame

import (
	"errors"
	"fmt"
	"strconv"
)

// StripNone, as [LengthFieldConfig.Strip], keeps the whole frame in the
// Payload, header included: Netty's default initialBytesToStrip of 0.
const StripNone = -1

// defaultMaxFrame is the MaxFrame of a config that leaves it 0: 8 MiB, as
// tokio's max_frame_length.
const defaultMaxFrame = 8 << 20

// LengthFieldConfig describes a [LengthField] framing. Its fields are the
// options of tokio's LengthDelimitedCodec builder and of Netty's
// LengthFieldBasedFrameDecoder; the zero value is a 4-byte big-endian length
// that counts the bytes after it, the framing most protocols call
// "length-prefixed".
type LengthFieldConfig struct {
	// Offset is the number of bytes before the length field (Netty's
	// lengthFieldOffset, tokio's length_field_offset). Split hands them out
	// as Frame.Prefix; Begin writes zeros there, for the caller to fill.
	Offset int
	// Width is the length field's size in bytes: 1, 2, 3, 4 or 8 (Netty's
	// lengthFieldLength, tokio's length_field_length). Zero means 4.
	Width int
	// LittleEndian selects the byte order of the length field; the default
	// is big-endian (network order).
	LittleEndian bool
	// Adjustment is added to the length value to get the number of bytes
	// after the length field (Netty's lengthAdjustment, tokio's
	// length_adjustment): 2 for a 2-byte header after the length field that
	// the length does not count, -2 for a 2-byte length that counts itself.
	// Default 0.
	Adjustment int
	// CountsHeader makes the length value count from the frame's first byte,
	// so that it covers the prefix and the length field, instead of from the
	// byte after the length field. It applies to reading and writing.
	// (Netty and tokio express this as an Adjustment of -(Offset+Width);
	// here the two can be combined.)
	CountsHeader bool
	// Strip is the number of bytes removed from the start of the frame to
	// make its Payload (Netty's initialBytesToStrip, tokio's num_skip).
	// Zero means Offset+Width, the whole header, as in tokio: the Payload is
	// then exactly the body that Begin and Finish wrapped. [StripNone] keeps
	// the whole frame (Netty's default, which a Strip of 0 cannot express
	// here). A frame shorter than Strip is refused.
	Strip int
	// MaxFrame is the length of the longest frame accepted, in bytes on the
	// wire: see [LengthField]. Zero means 8 MiB, or the longest frame the
	// length field can describe if that is less. A larger value than the
	// length field can describe is a configuration error.
	MaxFrame int
}

// LengthField frames carry their own length in a field of their header: the
// framing of tokio's LengthDelimitedCodec and Netty's
// LengthFieldBasedFrameDecoder, with all their options (see
// [LengthFieldConfig]). Build it with [NewLengthField].
//
// A frame is laid out as
//
//	+--- Offset ---+--- Width ----+---------------------------------+
//	|    prefix    | length value |   the rest of the frame         |
//	+--------------+--------------+---------------------------------+
//	<--- Strip (by default) -----><------------ Payload ------------>
//	<------------------------- frame length ------------------------>
//
// and the frame length, from its first byte to its last, is
//
//	Offset + Width + value + Adjustment
//
// or, with CountsHeader,
//
//	value + Adjustment
//
// Split hands out the whole frame as Raw, Raw without its first Strip bytes
// as Payload, and Raw's first Offset bytes as Frame.Prefix.
//
// MaxFrame bounds the frame length: the whole frame on the wire, prefix and
// length field included, which is what a reader must buffer to hold it.
// A frame of exactly MaxFrame bytes is accepted; a longer one is refused with
// a fatal [TooLarge] error as soon as its length field has arrived, at the
// offset of the length field, before any of its body is buffered. (This is
// Netty's maxFrameLength; tokio's max_frame_length counts only the bytes
// after the header.) A frame length shorter than the header (possible with a
// negative Adjustment or CountsHeader) or than Strip is refused with a fatal
// [BadLength] error at the same offset.
//
// Begin writes the header: Offset zero bytes, which the caller may fill
// with its prefix (they start at the mark's [Mark.Start]), and a blank
// length field. The caller appends the body, the bytes after the length
// field, and Finish fills in the value that makes the frame exactly that
// long. The Payload read back is the body when Strip is left at its
// default; with another Strip it starts elsewhere: with [StripNone] it is the
// header and body, with a Strip past the header it lacks the body's first
// bytes.
type LengthField struct {
	offset   int
	width    int
	order    byteOrder
	zero     int    // the frame length a length value of 0 describes; may be negative
	strip    int    // bytes cut from Raw to make the Payload
	minFrame int    // the shortest valid frame: header, zero and strip all fit
	maxFrame int    // the longest valid frame
	maxValue uint64 // the length value of a maxFrame-byte frame
}

// NewLengthField validates cfg and returns the framing it describes. It
// refuses any configuration under which a frame could be misread or no frame
// could be valid: a width other than 1, 2, 3, 4 or 8; a negative Offset,
// Strip (other than StripNone) or MaxFrame; a header (Offset+Width), Strip
// or smallest describable frame longer than MaxFrame; a MaxFrame longer than
// the longest frame the length field can describe.
func NewLengthField(cfg LengthFieldConfig) (*LengthField, error) {
	if cfg.Width == 0 {
		cfg.Width = 4
	}
	var errs []error
	if !validWidth(cfg.Width, 1, 2, 3, 4, 8) {
		errs = append(errs, fmt.Errorf("width %d is not 1, 2, 3, 4 or 8", cfg.Width))
	}
	if cfg.Offset < 0 {
		errs = append(errs, fmt.Errorf("offset %d is negative", cfg.Offset))
	}
	if cfg.Strip < StripNone {
		errs = append(errs, fmt.Errorf("strip %d is negative (StripNone, -1, keeps the header)", cfg.Strip))
	}
	if cfg.MaxFrame < 0 {
		errs = append(errs, fmt.Errorf("max frame %d is negative", cfg.MaxFrame))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("frame: invalid length field config: %w", errors.Join(errs...))
	}

	x := &LengthField{offset: cfg.Offset, width: cfg.Width, order: byteOrder{little: cfg.LittleEndian}}
	maxFrame := cfg.MaxFrame
	if maxFrame == 0 {
		maxFrame = defaultMaxFrame
	}
	// Each check keeps the arithmetic after it from overflowing.
	if x.offset > maxFrame-x.width {
		return nil, lengthFieldConfigError("an offset of %d and a %d-byte length field do not fit in a max frame of %d bytes", x.offset, x.width, maxFrame)
	}
	hdr := x.offset + x.width
	if !cfg.CountsHeader {
		x.zero = hdr
	}
	if cfg.Adjustment > maxFrame-x.zero {
		return nil, lengthFieldConfigError("with adjustment %d even a length value of 0 describes a frame over the max frame of %d bytes", cfg.Adjustment, maxFrame)
	}
	x.zero += cfg.Adjustment
	// maxFrame-zero lies between 0 and 2^64-1: wrapping arithmetic in
	// uint64 computes it exactly.
	x.maxValue = uint64(maxFrame) - uint64(x.zero)
	if fieldMax := maxUint(x.width); x.maxValue > fieldMax {
		longest := int(uint64(x.zero) + fieldMax) // less than maxFrame, so it fits
		if cfg.MaxFrame != 0 {
			return nil, lengthFieldConfigError("max frame %d is longer than %d bytes, the longest frame a %d-byte length field describes with adjustment %d", maxFrame, longest, x.width, cfg.Adjustment)
		}
		x.maxValue, maxFrame = fieldMax, longest
	}
	x.maxFrame = maxFrame

	switch {
	case cfg.Strip == 0:
		x.strip = hdr
	case cfg.Strip > 0:
		x.strip = cfg.Strip
	}
	if hdr > maxFrame {
		return nil, lengthFieldConfigError("a %d-byte length field with adjustment %d describes frames of at most %d bytes, shorter than the %d-byte header", x.width, cfg.Adjustment, maxFrame, hdr)
	}
	if x.strip > maxFrame {
		return nil, lengthFieldConfigError("strip %d is longer than the max frame of %d bytes", x.strip, maxFrame)
	}
	x.minFrame = max(hdr, x.zero, x.strip)
	return x, nil
}

func lengthFieldConfigError(format string, a ...any) error {
	return fmt.Errorf("frame: invalid length field config: "+format, a...)
}

// MaxFrame returns the length in bytes of the longest frame the framing
// accepts, header included.
func (x *LengthField) MaxFrame() int { return x.maxFrame }

// Split implements [Framing].
func (x *LengthField) Split(b []byte, f *Frame) (int, error) {
	if len(b) < x.offset+x.width {
		return 0, nil
	}
	v := x.order.uint(b[x.offset:], x.width)
	if v > x.maxValue {
		return 0, newError(TooLarge, x.offset, "length value "+strconv.FormatUint(v, 10)+" describes a frame longer than the max of "+strconv.Itoa(x.maxFrame)+" bytes")
	}
	// zero may be negative and v beyond the ints, but their sum lies between
	// zero and maxFrame: wrapping arithmetic computes it exactly.
	n := int(uint64(x.zero) + v)
	if n < x.minFrame {
		return 0, newError(BadLength, x.offset, "length value "+strconv.FormatUint(v, 10)+" describes a "+strconv.Itoa(n)+"-byte frame, shorter than its "+strconv.Itoa(x.minFrame)+"-byte header and strip")
	}
	if len(b) < n {
		return 0, nil
	}
	raw := b[:n:n]
	*f = Frame{Raw: raw, Payload: raw[x.strip:], Prefix: raw[:x.offset:x.offset]}
	return n, nil
}

// Begin implements [Framing]: it appends Offset zero bytes for the prefix,
// which the caller may overwrite (dst[m.Start():m.Start()+Offset]), and a
// blank length field.
func (x *LengthField) Begin(dst []byte, _ Meta) ([]byte, Mark) {
	start := len(dst)
	dst = append(dst, make([]byte, x.offset+x.width)...)
	return dst, Mark{start: start, body: len(dst)}
}

// Finish implements [Framing]: it fills in the length field. It fails with
// [TooLarge] when the frame would be longer than MaxFrame, and with [BadBody]
// when the frame would be shorter than the Adjustment or Strip require.
// Errors have Offset 0.
func (x *LengthField) Finish(dst []byte, m Mark, tail []byte) ([]byte, error) {
	n := len(dst) - m.start + len(tail)
	if n > x.maxFrame {
		return dst[:m.start], writeError(TooLarge, 0, "frame of "+strconv.Itoa(n)+" bytes, max "+strconv.Itoa(x.maxFrame))
	}
	if n < x.minFrame {
		return dst[:m.start], writeError(BadBody, 0, "frame of "+strconv.Itoa(n)+" bytes is shorter than the "+strconv.Itoa(x.minFrame)+" that the adjustment and strip require")
	}
	x.order.put(dst[m.start+x.offset:], uint64(n)-uint64(x.zero), x.width)
	return dst, nil
}
