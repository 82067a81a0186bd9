package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"strings"
	"testing"
)

// jsonLogger returns a logger writing JSON records at level and above to buf.
func jsonLogger(buf *bytes.Buffer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level}))
}

// loggedBytes logs v under "bytes" at debug level and returns what the
// handler wrote for it.
func loggedBytes(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	jsonLogger(&buf, slog.LevelDebug).Debug("frame in", "bytes", v)
	var rec struct{ Bytes string }
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("decoding %q: %v", buf.String(), err)
	}
	return rec.Bytes
}

func TestHexEnabledLogsTheDump(t *testing.T) {
	got := loggedBytes(t, Hex(frame33))
	want := strings.TrimSuffix(Dump(frame33), "\n")
	if got != want {
		t.Errorf("logged:\n%s\nwant:\n%s", got, want)
	}
	if got := loggedBytes(t, Hex(nil)); got != "" {
		t.Errorf("Hex(nil) logged %q, want \"\"", got)
	}
}

func TestHexTextHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("frame in", "bytes", Hex("WK"))
	want := `level=INFO msg="frame in" bytes="00000000  57 4b                                             |WK|"` + "\n"
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}
}

func TestHexN(t *testing.T) {
	tests := []struct {
		name string
		max  int
		want string
	}{
		{"cut after one line", 16,
			"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
				"... (17 more bytes)"},
		{"cut mid line", 18,
			"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
				"00000010  2a 00                                             |*.|\n" +
				"... (15 more bytes)"},
		{"nothing shown", 0, "... (33 more bytes)"},
		{"negative max", -1, "... (33 more bytes)"},
		{"max equals length", 33, strings.TrimSuffix(Dump(frame33), "\n")},
		{"max beyond length", 1 << 20, strings.TrimSuffix(Dump(frame33), "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loggedBytes(t, HexN(frame33, tt.max)); got != tt.want {
				t.Errorf("logged:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestHexDisabledDoesNotFormat(t *testing.T) {
	var buf bytes.Buffer
	logger := jsonLogger(&buf, slog.LevelInfo)
	frame := make([]byte, 1<<20)

	// Converting a slice to an interface is the one allocation slog's
	// ...any API costs; the 5 MiB dump of the 1 MiB frame is never made.
	allocs := testing.AllocsPerRun(100, func() {
		logger.Debug("frame in", "bytes", Hex(frame))
		logger.Debug("frame in", "bytes", HexN(frame, 256))
	})
	if allocs > 2 {
		t.Errorf("disabled Debug: %v allocations per run, want at most 2 (one per boxed argument)", allocs)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const runs = 100
	for range runs {
		logger.Debug("frame in", "bytes", Hex(frame))
	}
	runtime.ReadMemStats(&after)
	if perRun := (after.TotalAlloc - before.TotalAlloc) / runs; perRun > 256 {
		t.Errorf("disabled Debug of a 1 MiB frame allocated %d bytes per call; the dump must not be formatted", perRun)
	}
	if buf.Len() != 0 {
		t.Errorf("disabled logger wrote %q", buf.String())
	}
}

func TestHexDisabledGuardedAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	logger := jsonLogger(new(bytes.Buffer), slog.LevelInfo)
	frame := make([]byte, 1<<20)
	allocs := testing.AllocsPerRun(100, func() {
		if logger.Enabled(ctx, slog.LevelDebug) {
			logger.DebugContext(ctx, "frame in", "bytes", Hex(frame))
		}
	})
	if allocs != 0 {
		t.Errorf("guarded disabled Debug: %v allocations, want 0", allocs)
	}
}

func BenchmarkHexDisabled(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelInfo}))
	frame := make([]byte, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		logger.Debug("frame in", "bytes", Hex(frame))
	}
}

func BenchmarkHexDisabledGuarded(b *testing.B) {
	ctx := context.Background()
	logger := slog.New(slog.NewJSONHandler(new(bytes.Buffer), &slog.HandlerOptions{Level: slog.LevelInfo}))
	frame := make([]byte, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		if logger.Enabled(ctx, slog.LevelDebug) {
			logger.DebugContext(ctx, "frame in", "bytes", Hex(frame))
		}
	}
}

func BenchmarkHexNEnabled(b *testing.B) {
	logger := slog.New(slog.NewTextHandler(discard{}, nil))
	frame := make([]byte, 1<<20)
	b.ReportAllocs()
	for b.Loop() {
		logger.Info("frame in", "bytes", HexN(frame, 256))
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func TestLog(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	frame := make([]byte, 1<<20)
	off := jsonLogger(&buf, slog.LevelInfo)
	if allocs := testing.AllocsPerRun(100, func() { Log(ctx, off, slog.LevelDebug, "frame in", "bytes", frame, 64) }); allocs != 0 {
		t.Errorf("disabled Log: %v allocations, want 0", allocs)
	}
	Log(ctx, nil, slog.LevelError, "frame in", "bytes", frame, 64) // a nil logger logs nothing
	if buf.Len() != 0 {
		t.Fatalf("disabled logger wrote %q", buf.String())
	}
	Log(ctx, jsonLogger(&buf, slog.LevelDebug), slog.LevelDebug, "frame in", "bytes", []byte("WK\x01"), 64)
	if !strings.Contains(buf.String(), `"msg":"frame in"`) || !strings.Contains(buf.String(), "57 4b 01") {
		t.Errorf("enabled Log wrote %q", buf.String())
	}
}
