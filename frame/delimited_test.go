package frame

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustDelimited(t testing.TB, cfg DelimitedConfig) *Delimited {
	t.Helper()
	x, err := NewDelimited(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func delims(ds ...string) [][]byte {
	b := make([][]byte, len(ds))
	for i, d := range ds {
		b[i] = []byte(d)
	}
	return b
}

// TestDelimitedVectors splits each input all at once and one byte at a time,
// and expects the same frames and errors, and the same bytes left over,
// both ways.
func TestDelimitedVectors(t *testing.T) {
	tests := []struct {
		name string
		cfg  DelimitedConfig
		in   string
		want string // the events, as splitEvent prints them
		rest int    // bytes left unconsumed
	}{
		{"lines", DelimitedConfig{}, "a\nbc\n", `["a" "bc"]`, 0},
		{"crlf", DelimitedConfig{}, "a\r\nbc\r\n", `["a" "bc"]`, 0},
		{"mixed endings", DelimitedConfig{}, "a\r\nb\nc\r\n", `["a" "b" "c"]`, 0},
		{"empty lines", DelimitedConfig{}, "\n\r\n\n", `["" "" ""]`, 0},
		{"lone cr is data", DelimitedConfig{}, "a\rb\n\r\r\n", `["a\rb" "\r"]`, 0},
		{"cr at the end waits", DelimitedConfig{}, "ab\r", `[]`, 3},
		{"unterminated", DelimitedConfig{}, "a\nbcd", `["a"]`, 3},
		{"binary data", DelimitedConfig{}, "\x00\xff\xfe\n", `["\x00\xff\xfe"]`, 0},
		{"multi-byte delimiter", DelimitedConfig{Delimiters: delims("\r\n\r\n")}, "a\r\nb\r\n\r\nc\r\n\r", `["a\r\nb"]`, 4},
		{"non-ASCII delimiter", DelimitedConfig{Delimiters: delims("\xff\xfe")}, "a\xffb\xff\xfe\xfe\xff\xfe", `["a\xffb" "\xfe"]`, 0},
		{"null delimiter", DelimitedConfig{Delimiters: delims("\x00")}, "a\x00\x00b\x00", `["a" "" "b"]`, 0},
		{"earliest wins", DelimitedConfig{Delimiters: delims("XYZ", "B")}, "aBXYZcXYZ", `["a" "" "c"]`, 0},
		{"longest at the same position", DelimitedConfig{Delimiters: delims("||", "|")}, "a||b|c|||x", `["a" "b" "c" ""]`, 1},
		{"longest waits for its last byte", DelimitedConfig{Delimiters: delims("abc", "ab")}, "xab", `[]`, 3},
		{"a longer delimiter that fails", DelimitedConfig{Delimiters: delims("abc", "ab")}, "xabd", `["x"]`, 1},
		{"an earlier partial delimiter waits", DelimitedConfig{Delimiters: delims("b", "xyz")}, "1xyb", `["1xy"]`, 0},
		{"an earlier delimiter that may complete", DelimitedConfig{Delimiters: delims("b", "xyz")}, "1xy", `[]`, 3},
		{"delimiters with a shared byte deep inside", DelimitedConfig{Delimiters: delims("<END>", ">")}, "a<END>b>c<EN", `["a" "b"]`, 4},
		{"delimiters sharing no byte", DelimitedConfig{Delimiters: delims(";", "\n", "\xff")}, "a;b\nc\xff;", `["a" "b" "c" ""]`, 0},
		{"overlapping delimiters", DelimitedConfig{Delimiters: delims("aab")}, "xaaab", `["xa"]`, 0},

		{"max exactly", DelimitedConfig{Max: 3}, "abc\nabc\r\n", `["abc" "abc"]`, 0},
		{"max + 1", DelimitedConfig{Max: 3}, "abcd\n", `[frame too large at 3 (fatal true)]`, 5},
		{"max + 1 unterminated", DelimitedConfig{Max: 3}, "abcd", `[frame too large at 3 (fatal true)]`, 4},
		{"max: cr may begin crlf", DelimitedConfig{Max: 3}, "abc\r", `[]`, 4},
		{"max: cr followed by data", DelimitedConfig{Max: 3}, "abc\rd", `[frame too large at 3 (fatal true)]`, 5},
		{"max after frames", DelimitedConfig{Max: 3}, "a\nbb\nccccc", `["a" "bb" frame too large at 8 (fatal true)]`, 5},
		{"max, multi-byte delimiter at the limit", DelimitedConfig{Delimiters: delims("END"), Max: 2}, "abEND", `["ab"]`, 0},
		{"max, multi-byte delimiter past the limit", DelimitedConfig{Delimiters: delims("END"), Max: 2}, "abcEND", `[frame too large at 2 (fatal true)]`, 6},
		{"max, multi-byte delimiter at the limit, more after", DelimitedConfig{Delimiters: delims("END"), Max: 2}, "abENDxyEND", `["ab" "xy"]`, 0},
		{"max, delimiter begun at the limit", DelimitedConfig{Delimiters: delims("END"), Max: 2}, "abEN", `[]`, 4},
		{"max, delimiter that fails at the limit", DelimitedConfig{Delimiters: delims("END"), Max: 2}, "abENx", `[frame too large at 2 (fatal true)]`, 5},
		{"max 1", DelimitedConfig{Max: 1}, "\na\nab\n", `["" "a" frame too large at 4 (fatal true)]`, 3},

		{"discard", DelimitedConfig{Max: 3, Discard: true}, "abcdef\nok\n", `[frame too large at 3 (fatal false) "ok"]`, 0},
		{"discard exactly max", DelimitedConfig{Max: 3, Discard: true}, "abc\nok\n", `["abc" "ok"]`, 0},
		{"discard crlf", DelimitedConfig{Max: 3, Discard: true}, "abcd\r\nok\r\n", `[frame too large at 3 (fatal false) "ok"]`, 0},
		{"discard several", DelimitedConfig{Max: 2, Discard: true}, "a\nlong1\nb\nlong2\n\n", `["a" frame too large at 4 (fatal false) "b" frame too large at 12 (fatal false) ""]`, 0},
		{"discard very long", DelimitedConfig{Max: 3, Discard: true}, strings.Repeat("x", 100) + "\r\nend\n", `[frame too large at 3 (fatal false) "end"]`, 0},
		{"discard unterminated", DelimitedConfig{Max: 2, Discard: true}, "xxxxx\r", `[frame too large at 2 (fatal false)]`, 1},
		{"discard multi-byte", DelimitedConfig{Delimiters: delims("<>", "!"), Max: 1, Discard: true}, "ab<<>!<>c!", `[frame too large at 1 (fatal false) "" "" "c"]`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustDelimited(t, tt.cfg)
			for _, chunks := range []struct {
				name string
				next func() int
			}{{"all at once", whole}, {"byte by byte", oneByte}} {
				events, rest := splitStream(t, x, []byte(tt.in), chunks.next)
				if got := fmt.Sprint(events); got != tt.want || rest != tt.rest {
					t.Errorf("%s: %s, %d bytes left; want %s, %d", chunks.name, got, rest, tt.want, tt.rest)
				}
			}
		})
	}
}

func TestDelimitedFrameParts(t *testing.T) {
	f, n, err := Next(Lines(), []byte("hi\r\nnext"))
	if err != nil || n != 4 || string(f.Raw) != "hi\r\n" || string(f.Payload) != "hi" || f.Prefix != nil {
		t.Errorf("Split = %+v, %d, %v", f, n, err)
	}
}

func TestDelimitedErrors(t *testing.T) {
	tests := []struct {
		name   string
		cfg    DelimitedConfig
		in     string
		offset int64
		fatal  bool
		skip   int
		resync bool
	}{
		{"fail fast", DelimitedConfig{Max: 4}, "abcde", 4, true, 0, false},
		{"discard, end in sight", DelimitedConfig{Max: 4, Discard: true}, "abcdefg\r\nxy", 4, false, 9, false},
		{"discard, end not in sight", DelimitedConfig{Max: 4, Discard: true}, "abcdefg", 4, false, 7, true},
		{"discard, end may be arriving", DelimitedConfig{Max: 4, Discard: true}, "abcdefg\r", 4, false, 7, true},
		{"discard, multi-byte end arriving", DelimitedConfig{Delimiters: delims("<END>"), Max: 1, Discard: true}, "abc<EN", 1, false, 3, true},
		{"discard, delimiter just past max", DelimitedConfig{Max: 4, Discard: true}, "abcde\n", 4, false, 6, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustDelimited(t, tt.cfg)
			_, n, err := Next(x, []byte(tt.in))
			var fe *Error
			if !errors.As(err, &fe) || !errors.Is(err, TooLarge) || n != 0 {
				t.Fatalf("Split = %d, %v; want TooLarge", n, err)
			}
			if fe.Offset != tt.offset || fe.Fatal != tt.fatal || fe.Skip != tt.skip || fe.Resync != tt.resync {
				t.Errorf("error %+v, want offset %d fatal %v skip %d resync %v", fe, tt.offset, tt.fatal, tt.skip, tt.resync)
			}
			if tt.resync && !strings.Contains(fe.Error(), "has not arrived") {
				t.Errorf("error %q does not say that dropping goes on", fe)
			}
		})
	}
}

func TestDelimitedResync(t *testing.T) {
	x := mustDelimited(t, DelimitedConfig{Delimiters: delims("abc", "ab", "x"), Discard: true})
	tests := []struct {
		in   string
		n    int
		done bool
	}{
		{"", 0, false},
		{"zzz", 3, false},
		{"zza", 2, false},
		{"zzab", 2, false}, // "abc" may be arriving
		{"zzabd", 4, true},
		{"zzabc", 5, true},
		{"zzx", 3, true},
		{"abcab", 3, true},
	}
	for _, tt := range tests {
		if n, done := x.Resync([]byte(tt.in)); n != tt.n || done != tt.done {
			t.Errorf("Resync(%q) = %d, %v; want %d, %v", tt.in, n, done, tt.n, tt.done)
		}
	}
	var _ Resyncer = x
}

func TestNewDelimitedRejects(t *testing.T) {
	tests := []struct {
		cfg  DelimitedConfig
		want string
	}{
		{DelimitedConfig{Max: -1}, "max -1 is negative"},
		{DelimitedConfig{Delimiters: delims("")}, "delimiter 0 is empty"},
		{DelimitedConfig{Delimiters: delims("a", "")}, "delimiter 1 is empty"},
		{DelimitedConfig{Delimiters: delims("ab", "c", "ab")}, `delimiter "ab" is listed twice`},
		{DelimitedConfig{Delimiters: delims("\n", "\n\n")}, `the written delimiter "\n" begins the delimiter "\n\n", which the next frame could complete: list "\n\n" first`},
		{DelimitedConfig{Delimiters: delims("", ""), Max: -5}, "max -5 is negative\ndelimiter 0 is empty\ndelimiter 1 is empty"},
	}
	for _, tt := range tests {
		x, err := NewDelimited(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "frame: invalid delimited config: ") || x != nil {
			t.Errorf("NewDelimited(%q) = %v, want error containing %q", tt.cfg.Delimiters, err, tt.want)
		}
	}
	for _, ok := range []DelimitedConfig{
		{Delimiters: delims("\n\n", "\n")},
		{Delimiters: delims("\r\n", "\n")},
		{Delimiters: delims("ab", "b")},
	} {
		if _, err := NewDelimited(ok); err != nil {
			t.Errorf("NewDelimited(%q): %v", ok.Delimiters, err)
		}
	}
	if Lines().Max() != 64<<10 || mustDelimited(t, DelimitedConfig{Max: 5}).Max() != 5 {
		t.Error("wrong Max")
	}
}

// The config's delimiters belong to the caller, who may reuse them.
func TestNewDelimitedCopies(t *testing.T) {
	d := delims(";")
	x := mustDelimited(t, DelimitedConfig{Delimiters: d})
	d[0][0] = ','
	if f, n, _ := Next(x, []byte("a;")); n != 2 || string(f.Payload) != "a" {
		t.Error("the framing changed with its config")
	}
	if got, _ := Append(x, nil, Meta{}, []byte("a")); string(got) != "a;" {
		t.Errorf("Append = %q", got)
	}
}

func TestDelimitedWrite(t *testing.T) {
	tests := []struct {
		name       string
		cfg        DelimitedConfig
		body, tail string
		wire       string // "" when Finish must fail
		kind       Kind
		offset     int64
	}{
		{"line", DelimitedConfig{}, "hello", "", "hello\n", 0, 0},
		{"empty line", DelimitedConfig{}, "", "", "\n", 0, 0},
		{"lone cr", DelimitedConfig{}, "a\rb", "", "a\rb\n", 0, 0},
		{"line with tail", DelimitedConfig{}, "hel", "lo", "hello\n", 0, 0},
		{"all tail", DelimitedConfig{}, "", "hello", "hello\n", 0, 0},
		{"crlf written", DelimitedConfig{Delimiters: delims("\r\n", "\n")}, "a\rb", "", "a\rb\r\n", 0, 0},
		{"max exactly", DelimitedConfig{Max: 5}, "hel", "lo", "hello\n", 0, 0},
		{"body ending in a delimiter's first byte", DelimitedConfig{Delimiters: delims("END")}, "xxE", "", "xxEEND", 0, 0},
		{"tail ending in a delimiter's first bytes", DelimitedConfig{Delimiters: delims("END")}, "x", "EN", "xENEND", 0, 0},

		{"newline in body", DelimitedConfig{}, "he\nllo", "", "", BadBody, 2},
		{"newline in tail", DelimitedConfig{}, "he", "l\nlo", "", BadBody, 3},
		{"cr ending the body", DelimitedConfig{}, "hello\r", "", "", BadBody, 5},
		{"cr ending the body before a tail", DelimitedConfig{}, "hello\r", "\n", "", BadBody, 5},
		{"cr ending the tail", DelimitedConfig{}, "hel", "lo\r", "", BadBody, 5},
		{"delimiter across body and tail", DelimitedConfig{Delimiters: delims("END")}, "xxE", "NDy", "", BadBody, 2},
		{"delimiter across tail and written one", DelimitedConfig{Delimiters: delims("||", "|x|")}, "ab", "|x", "", BadBody, 2},
		{"delimiter that the next frame may complete", DelimitedConfig{Delimiters: delims(";", "a;b")}, "xa", "", "", BadBody, 1},
		{"over max", DelimitedConfig{Max: 5}, "hello", "!", "", TooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustDelimited(t, tt.cfg)
			dst, m := x.Begin([]byte("old"), Meta{})
			dst = append(dst, tt.body...)
			bodyEnd := len(dst)
			dst, err := x.Finish(dst, m, []byte(tt.tail))
			if tt.wire == "" {
				var fe *Error
				if !errors.As(err, &fe) || fe.Kind != tt.kind || fe.Offset != tt.offset || string(dst) != "old" {
					t.Fatalf("Finish = %q, %v; want %v at %d and dst truncated", dst, err, tt.kind, tt.offset)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wire := withTail(dst, bodyEnd, []byte(tt.tail))
			if string(wire) != "old"+tt.wire {
				t.Fatalf("wire %q, want %q", wire, "old"+tt.wire)
			}
			if f, n, err := Next(x, wire[3:]); err != nil || n != len(tt.wire) || string(f.Payload) != tt.body+tt.tail {
				t.Errorf("Split = %q, %d, %v", f.Payload, n, err)
			}
		})
	}
}

func TestDelimitedZeroAllocs(t *testing.T) {
	for _, x := range []*Delimited{
		Lines(),
		mustDelimited(t, DelimitedConfig{Delimiters: delims("\r\n\r\n")}),
		mustDelimited(t, DelimitedConfig{Delimiters: delims("<>", "!", "\xff"), Max: 3, Discard: true}),
	} {
		body := bytes.Repeat([]byte("abc "), 16)
		buf := make([]byte, 0, 256)
		wire, _ := Append(x, nil, Meta{}, body[:3])
		long := append(bytes.Clone(body), wire...)
		var f Frame
		allocs := testing.AllocsPerRun(100, func() {
			dst, m := x.Begin(buf[:0], Meta{})
			dst = append(dst, body[:1]...)
			if _, err := x.Finish(dst, m, body[1:3]); err != nil {
				t.Fatal(err)
			}
			if n, err := x.Split(wire, &f); err != nil || n == 0 {
				t.Fatal(n, err)
			}
			x.Resync(long)
		})
		if allocs != 0 {
			t.Errorf("%q: %v allocs per write+split, want 0", x.delims, allocs)
		}
	}
}
