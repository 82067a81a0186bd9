package trace

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// frame33 is 33 bytes: a WK header, a body and one byte more.
var frame33 = []byte{
	0x57, 0x4b, 0x01, 0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x00,
	0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x7f,
}

func TestAppendDump(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		base int64
		want string
	}{
		{"empty", nil, 0, ""},
		{"empty with base", []byte{}, 0x40, ""},
		{"one byte", []byte("A"), 0,
			"00000000  41                                                |A|\n"},
		{"non-printable", []byte{0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff}, 0,
			"00000000  00 1f 20 7e 7f 80 ff                              |.. ~...|\n"},
		{"seven bytes", []byte("0123456"), 0,
			"00000000  30 31 32 33 34 35 36                              |0123456|\n"},
		{"eight bytes", []byte("01234567"), 0,
			"00000000  30 31 32 33 34 35 36 37                           |01234567|\n"},
		{"nine bytes", []byte("012345678"), 0,
			"00000000  30 31 32 33 34 35 36 37  38                       |012345678|\n"},
		{"exactly 16", frame33[:16], 0,
			"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n"},
		{"17", frame33[:17], 0,
			"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
				"00000010  2a                                                |*|\n"},
		{"33", frame33, 0,
			"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
				"00000010  2a 00 00 00 00 00 00 00  00 00 00 01 00 00 00 00  |*...............|\n" +
				"00000020  7f                                                |.|\n"},
		{"base 0x10", frame33[:17], 0x10,
			"00000010  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
				"00000020  2a                                                |*|\n"},
		{"unaligned base", []byte("hello, wire"), 0x1003,
			"00001003  68 65 6c 6c 6f 2c 20 77  69 72 65                 |hello, wire|\n"},
		{"offset grows past 32 bits", []byte("0123456789abcdef0123"), 0xfffffff8,
			"fffffff8  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n" +
				"100000008  30 31 32 33                                       |0123|\n"},
		{"negative base counts as 0", []byte("A"), -5,
			"00000000  41                                                |A|\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendDump(nil, tt.data, tt.base))
			if got != tt.want {
				t.Errorf("AppendDump(%x, %#x):\ngot:\n%s\nwant:\n%s", tt.data, tt.base, got, tt.want)
			}
			if n := DumpLen(len(tt.data), tt.base); n != len(tt.want) {
				t.Errorf("DumpLen(%d, %#x) = %d, want %d", len(tt.data), tt.base, n, len(tt.want))
			}
		})
	}
}

func TestAppendDumpKeepsPrefix(t *testing.T) {
	got := string(AppendDump([]byte("frame:\n"), []byte("A"), 0))
	want := "frame:\n00000000  41                                                |A|\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDumpMatchesEncodingHex(t *testing.T) {
	// encoding/hex.Dump follows `hexdump -C` too; with base 0 the two agree.
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for n := range len(data) + 1 {
		if got, want := Dump(data[:n]), hex.Dump(data[:n]); got != want {
			t.Fatalf("n=%d:\ngot:\n%s\nwant:\n%s", n, got, want)
		}
	}
}

func TestDumpLen(t *testing.T) {
	bases := []int64{0, 1, 15, 16, 0xffffff00, 0xfffffff0, 0xfffffff1, 0xffffffff,
		0xfffffffff0, 1<<60 - 40, 1<<63 - 1000}
	for _, base := range bases {
		for n := range 200 {
			data := make([]byte, n)
			if got, want := DumpLen(n, base), len(AppendDump(nil, data, base)); got != want {
				t.Fatalf("DumpLen(%d, %#x) = %d, want %d", n, base, got, want)
			}
		}
	}
	if got := DumpLen(-1, 0); got != 0 {
		t.Errorf("DumpLen(-1, 0) = %d, want 0", got)
	}
}

func TestAppendDumpDoesNotAllocate(t *testing.T) {
	data := bytes.Repeat([]byte("wirekit!"), 200)
	dst := make([]byte, 0, DumpLen(len(data), 0))
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendDump(dst[:0], data, 0)
	})
	if allocs != 0 {
		t.Errorf("AppendDump with room in dst: %v allocations, want 0", allocs)
	}
}

func TestDumper(t *testing.T) {
	data := make([]byte, 100)
	for i := range data {
		data[i] = byte(i)
	}
	const base = 0x20
	want := string(AppendDump(nil, data, base))
	// Whatever the pieces, the dump is the same.
	for _, piece := range []int{1, 3, 15, 16, 17, 40, 100} {
		var out bytes.Buffer
		d := NewDumper(&out, base)
		for rest := data; len(rest) > 0; {
			k := min(piece, len(rest))
			n, err := d.Write(rest[:k])
			if n != k || err != nil {
				t.Fatalf("piece %d: Write = %d, %v; want %d, nil", piece, n, err, k)
			}
			rest = rest[k:]
		}
		if err := d.Close(); err != nil {
			t.Fatalf("piece %d: Close: %v", piece, err)
		}
		if got := out.String(); got != want {
			t.Errorf("piece %d:\ngot:\n%s\nwant:\n%s", piece, got, want)
		}
	}
}

func TestDumperWritesOnlyWholeLines(t *testing.T) {
	var out bytes.Buffer
	d := NewDumper(&out, 0)
	d.Write([]byte("0123456789"))
	if out.Len() != 0 {
		t.Fatalf("after 10 bytes the dump has %q, want nothing yet", out.String())
	}
	d.Write([]byte("abcdefgh"))
	if want := "00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n"; out.String() != want {
		t.Fatalf("after 18 bytes: got %q, want %q", out.String(), want)
	}
	d.Close()
	if !strings.HasSuffix(out.String(), "00000010  67 68                                             |gh|\n") {
		t.Fatalf("after Close: got %q", out.String())
	}
	if n, err := d.Write([]byte("x")); n != 0 || err == nil {
		t.Errorf("Write after Close = %d, %v; want an error", n, err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestDumperReportsWriteError(t *testing.T) {
	boom := errors.New("boom")
	d := NewDumper(failWriter{boom}, 0)
	if _, err := d.Write(make([]byte, 16)); !errors.Is(err, boom) {
		t.Errorf("Write: got %v, want %v", err, boom)
	}
	d = NewDumper(failWriter{boom}, 0)
	d.Write(make([]byte, 3))
	if err := d.Close(); !errors.Is(err, boom) {
		t.Errorf("Close: got %v, want %v", err, boom)
	}
}

func BenchmarkAppendDump(b *testing.B) {
	data := make([]byte, 1500) // one Ethernet MTU of payload
	for i := range data {
		data[i] = byte(i)
	}
	dst := make([]byte, 0, DumpLen(len(data), 0))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendDump(dst[:0], data, 0)
	}
}

func BenchmarkEncodingHexDump(b *testing.B) {
	data := make([]byte, 1500)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_ = hex.Dump(data)
	}
}
