package frame

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// defaultMaxDelimited is the Max of a DelimitedConfig that leaves it 0.
const defaultMaxDelimited = 64 << 10

// DelimitedConfig describes a [Delimited] framing.
type DelimitedConfig struct {
	// Delimiters are the byte strings that end a frame. None may be empty
	// or listed twice. Finish writes the first one, so it must not begin a
	// longer delimiter (a frame written after it could complete that one).
	// Empty means lines: "\n" and "\r\n", written as "\n".
	Delimiters [][]byte
	// Max is the length of the longest payload accepted, in bytes,
	// delimiter excluded. Zero means 64 KiB.
	Max int
	// Discard chooses what an over-long frame does to the stream. False:
	// it is a fatal [TooLarge] error, reported as soon as Max+1 bytes have
	// arrived without a delimiter. True: the error is not fatal, and the
	// frame is dropped up to and including its delimiter, however far away
	// (see [Resyncer]); the frames after it are read as usual.
	Discard bool
}

// Delimited frames end with a delimiter, such as a newline. Build it with
// [NewDelimited], or use [Lines].
//
//	Lines()
//	input:  +-----+------+-----+----+------+--------+----+
//	        | h i | \r\n | y o | \n | \r\n | a \r b | \r |
//	        +-----+------+-----+----+------+--------+----+
//	frames: "hi", "yo", ""; then "a\rb" waits for the byte after the last
//	"\r", which may begin a "\r\n"
//
// A frame ends at the first position where any delimiter begins; when several
// begin there, the longest wins. While the bytes at the end of the input could
// still grow into a delimiter that would end the frame earlier, or a longer
// one, Split waits for more. The Payload excludes the delimiter; Raw includes
// it.
//
// Max bounds the Payload. An over-long frame is detected as soon as its first
// Max+1 bytes have arrived and no delimiter can begin among them, and it is
// reported with a [TooLarge] error at offset Max (the first byte past the
// limit), however the input was chunked. With Discard the error is not fatal: its Skip drops the
// frame through its delimiter if that has arrived; otherwise the error has
// Resync set, and the rest of the frame is dropped with [Delimited.Resync].
//
// Finish appends the first delimiter; the body must contain no delimiter.
// When Finish is given a tail, the bytes it appends go after the tail on the
// wire: a writer that sends the tail by reference sends dst up to the end of
// the body, then the tail, then the rest of dst.
type Delimited struct {
	delims  [][]byte  // longest first
	write   []byte    // the delimiter Finish appends
	anchor  int       // a byte every delimiter contains, or -1
	reach   int       // how far into a delimiter its anchor can be
	first   [256]bool // the delimiters' first bytes, for when there is no anchor
	longest int
	max     int
	discard bool
}

// Resyncer is implemented by framings that can drop the rest of a bad frame
// whose end has not arrived yet. After a non-fatal [*Error] with Resync set,
// the caller drops Error.Skip bytes, then calls Resync with the bytes that
// follow, dropping n bytes each time and reading more, until done.
type Resyncer interface {
	// Resync returns how many bytes at the start of b still belong to the
	// bad frame, and whether its end was found (those bytes include it).
	Resync(b []byte) (n int, done bool)
}

var lines = func() *Delimited {
	d, err := NewDelimited(DelimitedConfig{})
	if err != nil {
		panic(err)
	}
	return d
}()

// Lines returns the framing of text lines: a line ends with "\n", and a "\r"
// just before it is dropped too, so "\n" and "\r\n" endings both work; a lone
// "\r" is data. Lines are at most 64 KiB; a longer one is a fatal error. For
// another limit, or to drop over-long lines and go on, use [NewDelimited]
// with no Delimiters.
func Lines() *Delimited { return lines }

// NewDelimited validates cfg and returns the framing it describes.
func NewDelimited(cfg DelimitedConfig) (*Delimited, error) {
	delims := cfg.Delimiters
	if len(delims) == 0 {
		delims = [][]byte{[]byte("\n"), []byte("\r\n")}
	}
	var errs []error
	if cfg.Max < 0 {
		errs = append(errs, fmt.Errorf("max %d is negative", cfg.Max))
	}
	for i, d := range delims {
		if len(d) == 0 {
			errs = append(errs, fmt.Errorf("delimiter %d is empty", i))
		} else if slices.ContainsFunc(delims[:i], func(e []byte) bool { return bytes.Equal(d, e) }) {
			errs = append(errs, fmt.Errorf("delimiter %q is listed twice", d))
		}
	}
	w := delims[0]
	for _, d := range delims[1:] {
		if len(w) > 0 && len(d) > len(w) && bytes.HasPrefix(d, w) {
			errs = append(errs, fmt.Errorf("the written delimiter %q begins the delimiter %q, which the next frame could complete: list %q first", w, d, d))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("frame: invalid delimited config: %w", errors.Join(errs...))
	}

	x := &Delimited{write: bytes.Clone(w), anchor: -1, max: cfg.Max, discard: cfg.Discard}
	if x.max == 0 {
		x.max = defaultMaxDelimited
	}
	for _, d := range delims {
		x.delims = append(x.delims, bytes.Clone(d))
		x.first[d[0]] = true
		x.longest = max(x.longest, len(d))
	}
	slices.SortStableFunc(x.delims, func(a, b []byte) int { return cmp.Compare(len(b), len(a)) })
	// The anchor is the byte that all delimiters contain closest to their
	// start: "\n" for lines, at most 1 byte in.
	for c := range 256 {
		reach := 0
		for _, d := range x.delims {
			i := bytes.IndexByte(d, byte(c))
			if i < 0 {
				reach = -1
				break
			}
			reach = max(reach, i)
		}
		if reach >= 0 && (x.anchor < 0 || reach < x.reach) {
			x.anchor, x.reach = c, reach
		}
	}
	return x, nil
}

// Max returns the length of the longest payload the framing accepts.
func (x *Delimited) Max() int { return x.max }

// Split implements [Framing].
func (x *Delimited) Split(b []byte, f *Frame) (int, error) {
	// A delimiter that ends a frame in time begins at or before b[max].
	window := b
	if len(b)-x.max > x.longest {
		window = b[:x.max+x.longest]
	}
	p, n := x.end(window, x.max)
	switch {
	case n > 0:
		*f = Frame{Raw: b[: p+n : p+n], Payload: b[:p:p]}
		return p + n, nil
	case p >= 0 || len(b) <= x.max:
		return 0, nil
	case !x.discard:
		return 0, newError(TooLarge, x.max, "no delimiter in the first "+strconv.Itoa(x.max+1)+" bytes")
	}
	skip, done := x.Resync(b[x.max+1:])
	e := &Error{Kind: TooLarge, Offset: int64(x.max), Skip: x.max + 1 + skip, Resync: !done}
	if done {
		e.Detail = "frame over " + strconv.Itoa(x.max) + " bytes dropped"
	} else {
		e.Detail = "frame over " + strconv.Itoa(x.max) + " bytes: dropping it up to its delimiter, which has not arrived"
	}
	return 0, e
}

// Resync implements [Resyncer]: it finds the end of a frame being
// discarded. It returns the bytes up to and including the first delimiter in
// b; or, when there is none, all of b but a possible beginning of one at its
// end.
func (x *Delimited) Resync(b []byte) (n int, done bool) {
	p, n := x.end(b, len(b))
	if p < 0 {
		return len(b), false
	}
	return p + n, n > 0
}

// end finds the first position p ≤ last in b where a delimiter begins. It
// returns p and the length n of the longest delimiter there, or n = 0 if the
// bytes from p on may yet grow into a delimiter (b is too short to tell). It
// returns p = -1 if no delimiter begins at or before last.
func (x *Delimited) end(b []byte, last int) (int, int) {
	for p := x.index(b, 0); p >= 0 && p <= last; p = x.index(b, p+1) {
		if n, more := x.match(b[p:]); n > 0 || more {
			return p, n
		}
	}
	return -1, 0
}

// index returns where to look for a delimiter next: a position p at or
// after from such that none begins in b[from:p], or -1 if none begins in
// b[from:], not even one that b ends too early to hold.
func (x *Delimited) index(b []byte, from int) int {
	if x.anchor < 0 {
		for i := from; i < len(b); i++ {
			if x.first[b[i]] {
				return i
			}
		}
		return -1
	}
	// A delimiter that begins at p has the anchor at most reach bytes after
	// p, unless b ends first, which it can only in its last longest-1 bytes.
	if i := bytes.IndexByte(b[from:], byte(x.anchor)); i >= 0 {
		return max(from, from+i-x.reach)
	}
	if p := max(from, len(b)-x.longest+1); p < len(b) {
		return p
	}
	return -1
}

// match returns the length of the longest delimiter s begins with, or
// more = true if s is too short to tell: it is the beginning of a delimiter
// longer than any that matches.
func (x *Delimited) match(s []byte) (n int, more bool) {
	for _, d := range x.delims {
		if len(s) < len(d) {
			if bytes.HasPrefix(d, s) {
				return 0, true
			}
		} else if bytes.HasPrefix(s, d) {
			return len(d), false
		}
	}
	return 0, false
}

// Begin implements [Framing]; delimited frames have no header.
func (x *Delimited) Begin(dst []byte, _ Meta) ([]byte, Mark) {
	return dst, Mark{start: len(dst), body: len(dst)}
}

// Finish implements [Framing]: it appends the first delimiter (which goes
// after the tail on the wire). It fails with [TooLarge] when the body is
// longer than Max, and with [BadBody], at the offset in the body, when a
// delimiter begins inside the body: one contained in it, or one that begins
// in its last bytes and runs into the appended delimiter (a body "a\r" of a
// line would read back as "a").
func (x *Delimited) Finish(dst []byte, m Mark, tail []byte) ([]byte, error) {
	body := dst[m.body:]
	if n := len(body) + len(tail); n > x.max {
		return dst[:m.start], writeError(TooLarge, 0, "body of "+strconv.Itoa(n)+" bytes, max "+strconv.Itoa(x.max))
	}
	if p := x.clash(body, tail); p >= 0 {
		return dst[:m.start], writeError(BadBody, p, "a delimiter begins inside the body")
	}
	return append(dst, x.write...), nil
}

// clash returns the first position in the body, body followed by tail, where
// a delimiter begins once the written delimiter follows it, or -1. A
// delimiter that runs past the end of the written one counts too: the next
// frame could complete it.
func (x *Delimited) clash(body, tail []byte) int {
	wire := [3][]byte{body, tail, x.write}
	off := 0
	for i, seg := range wire[:2] {
		for p := x.index(seg, 0); p >= 0; p = x.index(seg, p+1) {
			rest := wire
			rest[i] = seg[p:]
			if x.beginsAt(rest[i:]) {
				return off + p
			}
		}
		off += len(seg)
	}
	return -1
}

// beginsAt reports whether a delimiter begins the concatenation of segs, or
// could once more bytes follow them.
func (x *Delimited) beginsAt(segs [][]byte) bool {
	for _, d := range x.delims {
		if agrees(d, segs) {
			return true
		}
	}
	return false
}

// agrees reports whether d and the concatenation of segs are equal over the
// length of the shorter.
func agrees(d []byte, segs [][]byte) bool {
	for _, s := range segs {
		k := min(len(d), len(s))
		if !bytes.Equal(d[:k], s[:k]) {
			return false
		}
		d = d[k:]
	}
	return true
}
