package wire

// A Mark remembers a length prefix reserved by BeginLength or
// BeginUvarintLength, for EndLength to fill in. The zero Mark is not valid.
type Mark struct {
	off   int // where the prefix starts in dst
	width int // prefix bytes; uvarintWidth for a uvarint prefix
	order ByteOrder
}

// uvarintWidth marks a uvarint prefix, whose width is known only at the end.
const uvarintWidth = -1

// BeginLength appends a width-byte placeholder for the length of what the
// caller appends next, and returns a Mark for EndLength to fill it in.
// The body is written once, straight into dst, and the length follows
// it into its place:
//
//	dst, m := wire.BeginLength(dst, 2, wire.BigEndian)
//	dst = append(dst, "hello"...)
//	dst, err := wire.EndLength(dst, m)
//
//	+-- prefix --+------------ body ------------+
//	| 0x00  0x05 | 0x68 0x65 0x6c 0x6c 0x6f     |
//	+------------+------------------------------+
//
// Prefixes nest: begin an inner one inside the outer body and end it
// before the outer one. BeginLength panics if width is not in 1..8.
func BeginLength(dst []byte, width int, o ByteOrder) ([]byte, Mark) {
	checkWidth(width)
	m := Mark{off: len(dst), width: width, order: o}
	return append(dst, make([]byte, width)...), m
}

// BeginUvarintLength is BeginLength for a uvarint length. It reserves one
// byte, enough for bodies under 128 bytes; EndLength moves a longer body
// up to make room, so the shift costs a copy of the body, and with deep
// nesting, of every enclosing body up to it. Writing stays allocation-free
// as long as dst has capacity for the extra prefix bytes.
func BeginUvarintLength(dst []byte) ([]byte, Mark) {
	m := Mark{off: len(dst), width: uvarintWidth}
	return append(dst, 0), m
}

// EndLength fills in the prefix m reserved with the number of bytes
// appended to dst since, and returns dst, which grows if a uvarint
// prefix needed more than its byte.
//
// If the length does not fit the prefix, EndLength returns dst unchanged
// and an *Error of kind ErrOverflow; it never writes a truncated length.
// It panics if m is the zero Mark or dst has been cut back before the end
// of the prefix.
func EndLength(dst []byte, m Mark) ([]byte, error) {
	reserved := max(m.width, 1)
	if m.width == 0 || m.off+reserved > len(dst) {
		panic("wire: EndLength with a Mark that dst does not hold")
	}
	body := m.off + reserved
	n := uint64(len(dst) - body)
	if m.width == uvarintWidth {
		return endUvarint(dst, m.off, n), nil
	}
	if limit := maxUint(m.width); n > limit {
		return dst, &Error{Kind: ErrOverflow, Op: "length prefix", Offset: m.off, Need: n, Have: limit}
	}
	m.order.putUint(dst[m.off:body], n)
	return dst, nil
}

// endUvarint writes n as a uvarint at dst[off], where one byte was
// reserved, moving the n bytes after it up if the varint needs more.
func endUvarint(dst []byte, off int, n uint64) []byte {
	extra := UvarintLen(n) - 1
	if extra > 0 {
		body := off + 1
		dst = append(dst, make([]byte, extra)...)
		copy(dst[body+extra:], dst[body:len(dst)-extra])
	}
	AppendUvarint(dst[:off], n) // room is there, so this writes in place
	return dst
}
