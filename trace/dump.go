// Package trace shows wire bytes to humans: hex dumps for reading and for
// log/slog.
//
// A dump has the layout of `hexdump -C` and Wireshark's bytes pane: the offset
// of the line's first byte, 16 bytes in hex in two groups of 8, and the same
// bytes as ASCII between bars, '.' standing for anything not printable:
//
//	offset    bytes 0-7                bytes 8-15                ASCII
//	00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|
//	00000010  2a 00 00 00 00 00 00 00  00 00 00 01 00 00 00 00  |*...............|
//	00000020  00 00 00                                          |...|
//
// The last line is padded so that its ASCII column lines up with the others.
// Offsets have at least 8 hex digits, more once they pass 0xffffffff.
//
// [AppendDump] writes into memory the caller owns, [Dumper] streams a dump to
// an [io.Writer], and [Hex] and [HexN] put a dump in a log record only when a
// handler actually emits it:
//
//	logger.Debug("frame in", "bytes", trace.HexN(frame, 256))
//
// A [Tap] records connections into a pcapng file that Wireshark opens.
package trace

import (
	"errors"
	"io"
	"slices"
)

// BytesPerLine is the number of data bytes on one line of a dump.
const BytesPerLine = 16

const (
	minOffsetDigits = 8
	// lineFixed is the width of a full line without its offset:
	// "  " + 16 × "xx " + " " (group gap) + " |" + 16 ASCII + "|\n".
	lineFixed = 2 + 3*BytesPerLine + 1 + 2 + BytesPerLine + 2
)

const hexDigits = "0123456789abcdef"

// AppendDump appends a hex dump of data to dst and returns the extended
// buffer. base is the offset of data[0] in its stream and labels the first
// line; a negative base counts as 0. Every line, the last included, ends in
// '\n'; empty data appends nothing.
//
// AppendDump grows dst at most once and does not allocate when dst has room
// for the dump: about 80 bytes per 16 bytes of data, exactly
// [DumpLen](len(data), base).
func AppendDump(dst, data []byte, base int64) []byte {
	if len(data) == 0 {
		return dst
	}
	if base < 0 {
		base = 0
	}
	dst = slices.Grow(dst, DumpLen(len(data), base))
	off := uint64(base)
	for len(data) > 0 {
		n := min(len(data), BytesPerLine)
		dst = appendLine(dst, data[:n], off)
		data = data[n:]
		off += uint64(n)
	}
	return dst
}

// DumpLen returns the length in bytes of the dump of n bytes starting at
// offset base, as written by [AppendDump].
func DumpLen(n int, base int64) int {
	if n <= 0 {
		return 0
	}
	if base < 0 {
		base = 0
	}
	lines := (n + BytesPerLine - 1) / BytesPerLine
	// The ASCII column holds only the bytes that exist, so the padding of a
	// short last line is already counted in lineFixed.
	size := lines*lineFixed - (lines*BytesPerLine - n)
	// Offset widths never shrink along a dump: sum them line by line only
	// where they change, in steps of one hex digit.
	first := uint64(base)
	for i, w := 0, offsetDigits(first); i < lines; {
		// The lines from i on start at first+16*i; find how many keep width w.
		limit := uint64(1)<<(4*uint(w)) - 1 // largest offset with w digits
		if w >= 16 {
			limit = ^uint64(0)
		}
		start := first + uint64(i)*BytesPerLine
		same := lines - i
		if start <= limit && (limit-start)/BytesPerLine+1 < uint64(same) {
			same = int((limit-start)/BytesPerLine + 1)
		}
		size += same * w
		i += same
		w++
	}
	return size
}

// offsetDigits returns how many hex digits the offset column uses for off.
func offsetDigits(off uint64) int {
	w := minOffsetDigits
	for w < 16 && off>>(4*uint(w)) != 0 {
		w++
	}
	return w
}

// appendLine appends the dump line for up to 16 bytes of b at offset off.
func appendLine(dst, b []byte, off uint64) []byte {
	for shift := 4 * (offsetDigits(off) - 1); shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[off>>uint(shift)&0xf])
	}
	dst = append(dst, ' ', ' ')
	for i := range BytesPerLine {
		if i < len(b) {
			dst = append(dst, hexDigits[b[i]>>4], hexDigits[b[i]&0xf], ' ')
		} else {
			dst = append(dst, ' ', ' ', ' ')
		}
		if i == BytesPerLine/2-1 {
			dst = append(dst, ' ') // the gap between the two groups of 8
		}
	}
	dst = append(dst, ' ', '|')
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		dst = append(dst, c)
	}
	return append(dst, '|', '\n')
}

// Dump returns the hex dump of data with offsets from 0, as [AppendDump]
// writes it.
func Dump(data []byte) string {
	return string(AppendDump(nil, data, 0))
}

// A Dumper writes a hex dump of everything written to it to an underlying
// writer, one line per 16 bytes, so that data arriving in pieces dumps the
// same as data dumped at once. Close writes the last, partial line.
//
// A Dumper is not safe for concurrent use.
type Dumper struct {
	w       io.Writer
	off     uint64 // offset of pending[0]
	pending [BytesPerLine]byte
	npend   int
	buf     []byte // dump lines waiting to be written to w
	closed  bool
}

// NewDumper returns a Dumper writing to w whose first byte has offset base
// (a negative base counts as 0).
func NewDumper(w io.Writer, base int64) *Dumper {
	return &Dumper{w: w, off: uint64(max(base, 0))}
}

// errDumperClosed is returned by writes to a closed Dumper.
var errDumperClosed = errors.New("trace: write to closed Dumper")

// Write dumps every complete line it can and keeps the rest for the next
// Write or Close. It returns len(p) unless the underlying writer fails.
func (d *Dumper) Write(p []byte) (int, error) {
	if d.closed {
		return 0, errDumperClosed
	}
	n := len(p)
	d.buf = d.buf[:0]
	if d.npend > 0 {
		k := copy(d.pending[d.npend:], p)
		d.npend += k
		p = p[k:]
		if d.npend < BytesPerLine {
			return n, nil
		}
		d.buf = appendLine(d.buf, d.pending[:], d.off)
		d.off += BytesPerLine
		d.npend = 0
	}
	full := len(p) - len(p)%BytesPerLine
	d.buf = AppendDump(d.buf, p[:full], int64(d.off))
	d.off += uint64(full)
	d.npend = copy(d.pending[:], p[full:])
	if len(d.buf) > 0 {
		if _, err := d.w.Write(d.buf); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// Close writes the final partial line, if any. It does not close the
// underlying writer. Writes after Close fail; a second Close does nothing.
func (d *Dumper) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	if d.npend == 0 {
		return nil
	}
	d.buf = appendLine(d.buf[:0], d.pending[:d.npend], d.off)
	d.off += uint64(d.npend)
	d.npend = 0
	_, err := d.w.Write(d.buf)
	return err
}
