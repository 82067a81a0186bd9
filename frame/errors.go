package frame

import (
	"strconv"
)

// Kind classifies what is wrong with a frame. A Kind is itself an error, so
//
//	errors.Is(err, frame.BadChecksum)
//
// tells whether err, however wrapped, is an [*Error] of that kind.
type Kind uint8

// The kinds of framing errors. Each has a default severity, given by
// [Kind.Fatal]: a fatal kind means the byte stream can no longer be trusted
// (the next frame's start is unknown), so the connection must close.
const (
	// TooLarge: the frame's length exceeds the framing's maximum. Fatal,
	// except for a Delimited framing that discards over-long frames.
	TooLarge Kind = iota + 1
	// BadMagic: the frame does not start with the framing's magic bytes.
	BadMagic
	// BadVersion: the version field holds a version the framing does not
	// accept.
	BadVersion
	// BadChecksum: the checksum trailer does not match the frame.
	BadChecksum
	// BadLength: the length field holds a value that cannot describe a frame,
	// such as one shorter than the header it must cover.
	BadLength
	// BadBody: a body cannot be written with this framing (a delimiter inside
	// a delimited body, a fixed-size body of the wrong size). Only Finish
	// returns it.
	BadBody
)

var kindNames = [...]string{
	TooLarge:    "frame too large",
	BadMagic:    "bad magic",
	BadVersion:  "bad version",
	BadChecksum: "bad checksum",
	BadLength:   "bad length",
	BadBody:     "bad body",
}

// String returns the kind's name, such as "bad checksum".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error returns "frame: " and the kind's name, so a Kind can be compared with
// errors.Is.
func (k Kind) Error() string { return "frame: " + k.String() }

// Fatal reports whether an error of this kind, by default, leaves the stream
// unusable.
func (k Kind) Fatal() bool { return k != BadBody }

// Error is the error returned by framings.
type Error struct {
	Kind Kind
	// Offset is the position of the offending byte, counted from the start
	// of the input given to Split. Readers that track a stream position (the
	// stream package does) add it, so Offset counts from the start of the
	// connection. For an error from Finish it counts from the start of the
	// body.
	Offset int64
	// Fatal reports whether the stream can go on after this error. When it
	// can, the caller drops Skip bytes and splits again.
	Fatal bool
	Skip  int
	// Resync, on a non-fatal error, reports that the bad frame goes on past
	// the Skip bytes: its end has not arrived yet. The caller drops Skip
	// bytes, then passes the bytes that follow to the framing's Resync
	// method (see [Resyncer]) instead of Split, until Resync reports the end.
	Resync bool
	// ID is the request id of the offending frame, when the framing has an id
	// field and the whole header had arrived (HasID). Protocols echo it in
	// their error reply.
	ID    uint64
	HasID bool
	// Detail adds specifics, such as the length that was claimed.
	Detail string
}

func (e *Error) Error() string {
	s := "frame: " + e.Kind.String() + " at offset " + strconv.FormatInt(e.Offset, 10)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

func newError(k Kind, off int, detail string) *Error {
	return &Error{Kind: k, Offset: int64(off), Fatal: k.Fatal(), Detail: detail}
}

// writeError reports a frame that Finish refused, with the offset of the
// problem in the frame's body. Nothing was written, so the stream is intact:
// such errors are never fatal.
func writeError(k Kind, off int, detail string) *Error {
	return &Error{Kind: k, Offset: int64(off), Detail: detail}
}
