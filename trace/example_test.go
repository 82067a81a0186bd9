package trace_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/wirekit/wirekit/trace"
)

func ExampleDump() {
	// A WK frame header (magic, version, type, id, length) and the start of
	// its body.
	frame := []byte{
		0x57, 0x4b, 0x01, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x00,
		0x2a, 0x00, 0x00,
	}
	fmt.Print(trace.Dump(frame))
	// Output:
	// 00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|
	// 00000010  2a 00 00                                          |*..|
}

func ExampleAppendDump() {
	// The second frame of a stream starts at byte 0x1d; the dump is labelled
	// with stream offsets.
	buf := make([]byte, 0, 256)
	buf = append(buf, "frame 2:\n"...)
	buf = trace.AppendDump(buf, []byte("WK\x01\x04hello"), 0x1d)
	os.Stdout.Write(buf)
	// Output:
	// frame 2:
	// 0000001d  57 4b 01 04 68 65 6c 6c  6f                       |WK..hello|
}

func ExampleHexN() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	frame := make([]byte, 1<<20)
	copy(frame, "WK\x01\x03")
	logger.Debug("frame in", "bytes", trace.HexN(frame, 8))
	// Output:
	// level=DEBUG msg="frame in" bytes="00000000  57 4b 01 03 00 00 00 00                           |WK......|\n... (1048568 more bytes)"
}

func ExampleDumper() {
	d := trace.NewDumper(os.Stdout, 0)
	// Bytes arrive in pieces; lines come out whole.
	d.Write([]byte("WK\x01\x03\x00\x00\x00"))
	d.Write([]byte("\x07\x00\x00\x00\x05\x00\x00\x00\x00hello"))
	d.Close()
	// Output:
	// 00000000  57 4b 01 03 00 00 00 07  00 00 00 05 00 00 00 00  |WK..............|
	// 00000010  68 65 6c 6c 6f                                    |hello|
}
