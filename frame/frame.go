// Package frame finds where frames begin and end in a byte stream, and writes
// them.
//
// A TCP connection delivers bytes, not messages. A [Framing] looks at the bytes
// received so far and answers one of three things: here is the next complete
// frame (a sub-slice of the input: nothing is copied), not enough bytes yet, or
// the input is broken (an [*Error] with a [Kind], a byte offset and whether the
// connection can go on).
//
// Writing mirrors reading: [Framing.Begin] appends the header with its length
// and checksum left blank, the caller appends the body to the same slice, and
// [Framing.Finish] backfills the length and appends the checksum trailer. One
// buffer, no copy, no allocation (the startWrite/endWrite pattern of
// golang.org/x/net/http2).
//
//	     Begin               caller appends body        Finish
//	dst ───────▶ [hdr ??] ─────────────────────▶ [hdr ??|body] ───────▶ [hdr len|body|crc]
//
// The built-in framings are [LengthField] (every option of tokio's
// LengthDelimitedCodec and Netty's LengthFieldBasedFrameDecoder), [Header]
// (magic, version, type, request id, length and a checksum trailer: the shape of
// most binary protocols, including wirekit's reference protocol), [Delimited]
// (lines and other delimiters) and [Fixed]. Every framing is a plain struct; build
// it with its constructor, which rejects invalid combinations, and share it
// freely between goroutines: framings hold no per-connection state.
package frame

import "unsafe"

// Framing splits a byte stream into frames and writes frames into one.
//
// Implementations are immutable after construction and safe for concurrent use.
type Framing interface {
	// Split looks for a complete frame at the start of b.
	//
	// When it finds one it stores it in *f, whose slices alias b, and
	// returns the number of bytes the frame occupies in b. If b does not yet
	// hold a complete frame, it returns n == 0 and a nil error: the caller
	// reads more and calls Split again with the longer input. Unless it
	// returns n > 0, *f is left in an unspecified state.
	//
	// The frame goes into a caller's struct rather than being returned
	// because it is about 100 bytes: copying it up the call stack costs
	// as much as the rest of splitting a small frame. [Next] returns it by
	// value, for code off the hot path.
	//
	// On broken input it returns an *Error. If the error is not fatal the
	// caller drops Error.Skip bytes and goes on; a fatal error means the stream
	// cannot be trusted any more. Split checks limits as soon as the bytes that
	// carry them arrive, so a hostile length is refused before any memory is
	// committed to it, and it reports the same error at the same offset however
	// the input was chunked.
	Split(b []byte, f *Frame) (n int, err error)

	// Begin appends the frame header for h to dst, with the length and
	// checksum left to Finish, and returns the extended slice and a mark for
	// Finish. The caller then appends the body to the returned slice.
	Begin(dst []byte, h Meta) ([]byte, Mark)

	// Finish completes the frame begun at m: it backfills the length, appends
	// the trailer and returns the extended slice. The body is dst[m.Body():]
	// followed by tail, which lets a large payload be sent by reference
	// (writev) instead of copied into dst: tail is counted in the length and
	// the checksum but not appended. Pass nil when the whole body is in dst.
	//
	// Finish fails when the frame breaks the framing's own limits (a body over
	// the maximum, a delimiter inside a delimited body); dst is then returned
	// truncated to where the frame began, so a failed frame leaves no trace.
	Finish(dst []byte, m Mark, tail []byte) ([]byte, error)
}

// Frame is one frame found by [Framing.Split]. Its slices borrow the input
// buffer: they are valid only as long as the caller keeps those bytes intact.
// Use [Frame.Clone] to keep a frame past that.
type Frame struct {
	// Raw is the whole frame as it was on the wire, header and trailer
	// included.
	Raw []byte
	// Payload is the frame's body: what the framing hands to a codec. It is
	// a sub-slice of Raw.
	Payload []byte
	// Prefix is, for LengthField, the bytes before the length field
	// (LengthField.Offset bytes): a sub-slice of Raw.
	Prefix []byte
	// Meta holds the header fields the framing read. Framings without such
	// fields leave it zero.
	Meta
}

// Meta is the part of a frame header that carries information, as opposed to
// structure (magic, length, checksum), which the framing checks or computes
// itself.
type Meta struct {
	Version uint8  // protocol version, for framings with a version field
	Type    uint32 // message type, for framings with a type field
	ID      uint64 // request id, for framings with an id field
	// Meta is three words and no more, so that Framing.Begin(dst, Meta)
	// passes it in registers: a larger Meta goes through memory, stored
	// field by field and copied whole, which stalls the processor on
	// every frame written (LengthField's prefix is in Frame for that).
}

// Clone returns a copy of f that owns its bytes, for keeping a frame after the
// buffer it was read from is reused.
func (f Frame) Clone() Frame {
	if f.Raw == nil {
		return f
	}
	raw := append([]byte(nil), f.Raw...)
	c := f
	c.Raw = raw
	c.Payload = sub(raw, f.Raw, f.Payload)
	c.Prefix = sub(raw, f.Raw, f.Prefix)
	return c
}

// sub returns the part of clone that corresponds to part's position inside
// orig. part must be a sub-slice of orig, or nil.
func sub(clone, orig, part []byte) []byte {
	if part == nil {
		return nil
	}
	if len(part) == 0 {
		return clone[:0:0]
	}
	// The framings build every part with three-index slices, so capacities
	// do not tell positions; the addresses do.
	start := int(uintptr(unsafe.Pointer(unsafe.SliceData(part))) - uintptr(unsafe.Pointer(unsafe.SliceData(orig))))
	return clone[start : start+len(part) : start+len(part)]
}

// Mark records where a frame begun with [Framing.Begin] starts in its buffer.
type Mark struct {
	start int // offset of the frame's first byte in dst
	body  int // offset of the body's first byte in dst
}

// NewMark returns the mark of a frame whose first byte is at start in its
// buffer and whose body begins at body: what a [Framing] implemented outside
// this package returns from Begin.
func NewMark(start, body int) Mark { return Mark{start: start, body: body} }

// Start returns the offset in the buffer of the frame's first byte.
func (m Mark) Start() int { return m.start }

// Body returns the offset in the buffer of the body's first byte.
func (m Mark) Body() int { return m.body }

// Next is Split returning the frame by value, for code where convenience
// matters more than a copy: tests, tools, one-off parsing.
func Next(fr Framing, b []byte) (Frame, int, error) {
	var f Frame
	n, err := fr.Split(b, &f)
	if n == 0 {
		f = Frame{}
	}
	return f, n, err
}

// Append writes one complete frame with the given body: Begin, append body,
// Finish.
func Append(f Framing, dst []byte, h Meta, body []byte) ([]byte, error) {
	dst, m := f.Begin(dst, h)
	dst = append(dst, body...)
	return f.Finish(dst, m, nil)
}
