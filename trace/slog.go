package trace

import (
	"context"
	"log/slog"
	"strconv"
	"unsafe"
)

// Hex logs bytes as a hex dump (see [AppendDump]) with slog:
//
//	logger.Debug("frame in", "bytes", trace.Hex(frame))
//
// Hex is a [slog.LogValuer]: the dump is formatted only when a handler
// resolves the record, that is when the level is enabled. A disabled call
// neither formats nor copies the bytes; like any slice or string passed to
// slog as an argument, converting Hex to an interface costs one 24-byte
// allocation whatever the size of the data. Code that must not allocate at
// all checks the level first, as [Log] does:
//
//	if logger.Enabled(ctx, slog.LevelDebug) {
//		logger.DebugContext(ctx, "frame in", "bytes", trace.Hex(frame))
//	}
//
// The value logged is the dump without its final newline. The bytes are read
// when a handler resolves the value, so they must not change until the
// handler is done with the record: for the standard handlers, until the log
// call returns. Use [HexN] to bound the size of the dump.
type Hex []byte

// LogValue returns the dump of h as a string value.
func (h Hex) LogValue() slog.Value {
	return slog.StringValue(dumpString(h, len(h)))
}

// HexPrefix logs at most a fixed number of leading bytes as a hex dump; see
// [HexN].
type HexPrefix struct {
	data []byte
	max  int
}

// HexN returns a value that logs like [Hex] but dumps at most the first max
// bytes of data and then says how many it left out, so that a 1 MiB frame
// does not flood the log:
//
//	00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|
//	... (1048560 more bytes)
//
// A negative max counts as 0.
func HexN(data []byte, max int) HexPrefix {
	return HexPrefix{data: data, max: max}
}

// LogValue returns the dump of the first bytes of p as a string value.
func (p HexPrefix) LogValue() slog.Value {
	return slog.StringValue(dumpString(p.data, max(p.max, 0)))
}

// dumpString returns the dump of data[:limit] with offsets from 0, without
// the final newline, followed by a note of how many bytes were left out.
func dumpString(data []byte, limit int) string {
	shown := data[:min(limit, len(data))]
	more := len(data) - len(shown)
	size := DumpLen(len(shown), 0)
	if more > 0 {
		size += len("... ( more bytes)") + 20
	}
	b := AppendDump(make([]byte, 0, size), shown, 0)
	if more > 0 {
		b = append(b, "... ("...)
		b = strconv.AppendInt(b, int64(more), 10)
		b = append(b, " more bytes)"...)
	} else if len(b) > 0 {
		b = b[:len(b)-1] // drop the final newline
	}
	// b is never written again, so the string can share its memory.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// Log logs msg with data as a hex dump under key, at most limit bytes of it
// (see [HexN]), if l is enabled for level. It checks the level before
// building anything, so a disabled call allocates nothing: the way to log
// frames on a hot path.
func Log(ctx context.Context, l *slog.Logger, level slog.Level, msg, key string, data []byte, limit int) {
	if l == nil || !l.Enabled(ctx, level) {
		return
	}
	l.LogAttrs(ctx, level, msg, slog.Any(key, HexN(data, limit)))
}
