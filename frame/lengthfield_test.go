package frame

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// splitEvent is what a reader sees while splitting a stream: a frame or an
// error, at a position in the stream.
type splitEvent struct {
	at                   int // stream offset of the frame's first byte, or of the offending byte
	raw, payload, prefix string
	err                  Kind
	fatal                bool
}

func (e splitEvent) String() string {
	if e.err != 0 {
		return fmt.Sprintf("%s at %d (fatal %v)", e.err.String(), e.at, e.fatal)
	}
	return fmt.Sprintf("%q", e.payload)
}

// splitStream splits data as a reader of the stream does: it receives data in
// chunks of the sizes next returns, calls Split with all it holds until Split
// returns a frame or an error, drops what Split consumed or Skip, and
// resyncs when the error says so. It checks the Framing contract on the way
// and returns what it saw and how many bytes were left unconsumed.
func splitStream(t testing.TB, f Framing, data []byte, next func() int) (events []splitEvent, rest int) {
	t.Helper()
	pos, end, resync := 0, 0, false
	for {
		b := data[pos:end]
		progress := false
		if resync {
			n, done := f.(Resyncer).Resync(b)
			if n < 0 || n > len(b) {
				t.Fatalf("Resync of %d bytes = %d", len(b), n)
			}
			pos += n
			resync, progress = !done, done
		} else {
			fr, n, err := Next(f, b)
			switch {
			case err != nil:
				var e *Error
				if !errors.As(err, &e) || n != 0 || fr.Raw != nil {
					t.Fatalf("Split error %v (%T) with n %d, frame %q", err, err, n, fr.Raw)
				}
				if e.Offset < 0 || e.Offset >= int64(len(b)) {
					t.Fatalf("error %v: offset outside the %d bytes given", err, len(b))
				}
				events = append(events, splitEvent{at: pos + int(e.Offset), err: e.Kind, fatal: e.Fatal})
				if e.Fatal {
					return events, len(data) - pos
				}
				if e.Skip <= 0 || e.Skip > len(b) {
					t.Fatalf("error %v: skip %d of %d bytes", err, e.Skip, len(b))
				}
				pos += e.Skip
				resync, progress = e.Resync, true
			case n > 0:
				checkFrame(t, b, fr, n)
				events = append(events, splitEvent{at: pos, raw: string(fr.Raw), payload: string(fr.Payload), prefix: string(fr.Prefix)})
				pos += n
				progress = true
			case n < 0 || fr.Raw != nil:
				t.Fatalf("Split without frame: n %d, raw %q", n, fr.Raw)
			}
		}
		if progress {
			continue
		}
		if end == len(data) {
			return events, len(data) - pos
		}
		end = min(len(data), end+next())
	}
}

// checkFrame checks that fr, which Split returned with n, is the first n
// bytes of b, that its parts lie within it, and that none can be appended to
// in place.
func checkFrame(t testing.TB, b []byte, fr Frame, n int) {
	t.Helper()
	if n > len(b) || len(fr.Raw) != n || &fr.Raw[0] != &b[0] {
		t.Fatalf("Split of %d bytes: n %d, raw %q", len(b), n, fr.Raw)
	}
	for _, part := range [][]byte{fr.Raw, fr.Payload, fr.Prefix} {
		if cap(part) != len(part) {
			t.Fatalf("frame part %q has capacity %d: an append would overwrite the next frame", part, cap(part))
		}
		if !within(part, fr.Raw) {
			t.Fatalf("frame part %q is not inside Raw", part)
		}
	}
}

// within reports whether part is a sub-slice of whole, by address.
func within(part, whole []byte) bool {
	if len(part) == 0 {
		return true
	}
	p, w := uintptr(unsafe.Pointer(&part[0])), uintptr(unsafe.Pointer(&whole[0]))
	return p >= w && p+uintptr(len(part)) <= w+uintptr(len(whole))
}

// whole delivers a stream in one chunk.
func whole() int { return math.MaxInt32 }

// oneByte delivers a stream one byte at a time.
func oneByte() int { return 1 }

// withTail returns the bytes a writer puts on the wire for a frame finished
// with a tail: dst up to the end of the body, the tail, then what Finish
// appended.
func withTail(dst []byte, bodyEnd int, tail []byte) []byte {
	return append(append(bytes.Clone(dst[:bodyEnd]), tail...), dst[bodyEnd:]...)
}

func mustLengthField(t testing.TB, cfg LengthFieldConfig) *LengthField {
	t.Helper()
	x, err := NewLengthField(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestLengthFieldVectors(t *testing.T) {
	const hello = "48454c4c4f2c20574f524c44" // "HELLO, WORLD"
	tests := []struct {
		name    string
		cfg     LengthFieldConfig
		wire    string // hex
		payload string // hex
		prefix  string // hex
	}{
		{"width 1", LengthFieldConfig{Width: 1}, "02 6869", "6869", ""},
		{"width 1 little endian", LengthFieldConfig{Width: 1, LittleEndian: true}, "02 6869", "6869", ""},
		{"width 2", LengthFieldConfig{Width: 2}, "0002 6869", "6869", ""},
		{"width 2 little endian", LengthFieldConfig{Width: 2, LittleEndian: true}, "0200 6869", "6869", ""},
		{"width 3", LengthFieldConfig{Width: 3}, "000002 6869", "6869", ""},
		{"width 3 little endian", LengthFieldConfig{Width: 3, LittleEndian: true}, "020000 6869", "6869", ""},
		{"width 4 (default)", LengthFieldConfig{}, "00000002 6869", "6869", ""},
		{"width 4 little endian", LengthFieldConfig{LittleEndian: true}, "02000000 6869", "6869", ""},
		{"width 8", LengthFieldConfig{Width: 8}, "0000000000000002 6869", "6869", ""},
		{"width 8 little endian", LengthFieldConfig{Width: 8, LittleEndian: true}, "0200000000000000 6869", "6869", ""},
		{"width 3 large value", LengthFieldConfig{Width: 3, LittleEndian: true, Adjustment: -0x010100}, "020101 6869", "6869", ""},
		{"empty body", LengthFieldConfig{Width: 2}, "0000", "", ""},

		// The examples of Netty's LengthFieldBasedFrameDecoder javadoc.
		{"netty 1: strip none", LengthFieldConfig{Width: 2, Strip: StripNone}, "000c" + hello, "000c" + hello, ""},
		{"netty 2: strip 2", LengthFieldConfig{Width: 2, Strip: 2}, "000c" + hello, hello, ""},
		{"netty 3: length counts itself", LengthFieldConfig{Width: 2, Adjustment: -2, Strip: StripNone}, "000e" + hello, "000e" + hello, ""},
		{"netty 3 as counts header", LengthFieldConfig{Width: 2, CountsHeader: true, Strip: StripNone}, "000e" + hello, "000e" + hello, ""},
		{"netty 4: header before length", LengthFieldConfig{Offset: 2, Width: 3, Strip: StripNone}, "cafe 00000c" + hello, "cafe00000c" + hello, "cafe"},
		{"netty 5: header after length", LengthFieldConfig{Width: 3, Adjustment: 2, Strip: StripNone}, "00000c cafe" + hello, "00000ccafe" + hello, ""},
		{"netty 6: HDR1 LEN HDR2, strip 3", LengthFieldConfig{Offset: 1, Width: 2, Adjustment: 1, Strip: 3}, "ca 000c fe" + hello, "fe" + hello, "ca"},
		{"netty 7: HDR1 LEN HDR2, length counts all", LengthFieldConfig{Offset: 1, Width: 2, Adjustment: -3, Strip: 3}, "ca 0010 fe" + hello, "fe" + hello, "ca"},
		{"netty 7 as counts header", LengthFieldConfig{Offset: 1, Width: 2, CountsHeader: true}, "ca 0010 fe" + hello, "fe" + hello, "ca"},

		{"offset, default strip", LengthFieldConfig{Offset: 3, Width: 1}, "010203 02 6869", "6869", "010203"},
		{"counts header with adjustment", LengthFieldConfig{Width: 1, CountsHeader: true, Adjustment: 4}, "01 6869 a1a2", "6869a1a2", ""},
		{"strip into the header", LengthFieldConfig{Offset: 1, Width: 2, Strip: 1}, "ff 0002 6869", "00026869", "ff"},
		{"strip past the header", LengthFieldConfig{Width: 2, Strip: 3}, "0003 616263", "6263", ""},
		{"strip whole frame", LengthFieldConfig{Width: 2, Strip: 4}, "0002 6869", "", ""},
		{"max frame exactly", LengthFieldConfig{Width: 1, MaxFrame: 3}, "02 6869", "6869", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustLengthField(t, tt.cfg)
			wire := wktest.Unhex(t, tt.wire)
			f, n, err := Next(x, append(bytes.Clone(wire), 0xEE, 0xEE)) // the next frame's first bytes
			if err != nil || n != len(wire) {
				t.Fatalf("Split: n %d, err %v; want %d", n, err, len(wire))
			}
			if !bytes.Equal(f.Raw, wire) || hex.EncodeToString(f.Payload) != tt.payload || hex.EncodeToString(f.Prefix) != tt.prefix {
				t.Errorf("Split = raw %x payload %x prefix %x; want payload %s prefix %s", f.Raw, f.Payload, f.Prefix, tt.payload, tt.prefix)
			}
			for short := range len(wire) {
				if _, n, err := Next(x, wire[:short]); n != 0 || err != nil {
					t.Fatalf("Split of %d/%d bytes: n %d err %v, want need-more", short, len(wire), n, err)
				}
			}
			// Writing the bytes after the length field as the body gives
			// back the frame.
			got, err := appendPrefixed(x, []byte("dst"), f.Prefix, wire[x.offset+x.width:])
			if err != nil || !bytes.Equal(got[3:], wire) || string(got[:3]) != "dst" {
				t.Errorf("Append = %x, %v; want dst %x", got, err, wire)
			}
		})
	}
}

// TestLengthFieldMaxFrame writes a frame of exactly MaxFrame bytes and reads
// it back, and checks that one byte more is refused on both sides: on the
// read side as soon as the length field is in. With negative adjustments the
// length value of a MaxFrame-byte frame is above MaxFrame, and with positive
// ones that of a longer frame is below: comparing the value, or the bytes
// after the header, with the limit (tokio issue #4815) fails here.
func TestLengthFieldMaxFrame(t *testing.T) {
	tests := []LengthFieldConfig{
		{Width: 2, MaxFrame: 100},
		{Width: 4, Adjustment: -10, MaxFrame: 14}, // a 14-byte frame has length value 20
		{Width: 4, Adjustment: -4, MaxFrame: 10, LittleEndian: true},
		{Width: 2, Adjustment: 10, MaxFrame: 20}, // a 21-byte frame has length value 9
		{Width: 2, CountsHeader: true, MaxFrame: 50},
		{Width: 2, CountsHeader: true, Adjustment: -5, MaxFrame: 50}, // value 55
		{Width: 2, CountsHeader: true, Adjustment: 7, MaxFrame: 50},
		{Offset: 2, Width: 1, Adjustment: 5, MaxFrame: 100},
		{Offset: 1, Width: 3, Adjustment: -4, MaxFrame: 70000, Strip: StripNone},
		{Width: 1}, // MaxFrame 256
		{Width: 1, Offset: 3, CountsHeader: true},         // MaxFrame 255
		{Width: 2, Adjustment: -1000, LittleEndian: true}, // MaxFrame 64537
		{Width: 8, MaxFrame: 1 << 20, LittleEndian: true},
		{Width: 3, Offset: 2, Strip: 9, MaxFrame: 9},
	}
	for _, cfg := range tests {
		t.Run(fmt.Sprintf("%+v", cfg), func(t *testing.T) {
			x := mustLengthField(t, cfg)
			m := x.MaxFrame()
			hdr := x.offset + x.width
			prefix := bytes.Repeat([]byte{0xAB}, x.offset)

			ok, err := appendPrefixed(x, nil, prefix, make([]byte, m-hdr))
			if err != nil {
				t.Fatalf("Append of a %d-byte frame: %v", m, err)
			}
			if f, n, err := Next(x, ok); err != nil || n != m || len(f.Raw) != m {
				t.Fatalf("Split of a %d-byte frame: n %d, err %v", m, n, err)
			}
			if got, err := appendPrefixed(x, []byte("x"), prefix, make([]byte, m-hdr+1)); !errors.Is(err, TooLarge) || string(got) != "x" {
				t.Errorf("Append of a %d-byte frame = %q, %v; want TooLarge and dst untouched", m+1, got, err)
			}
			big := bytes.Clone(ok[:hdr])
			v := x.order.uint(big[x.offset:], x.width)
			if v == maxUint(x.width) {
				return // the field cannot describe a longer frame
			}
			x.order.put(big[x.offset:], v+1, x.width)
			_, n, err := Next(x, big)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != TooLarge || fe.Offset != int64(x.offset) || !fe.Fatal || n != 0 {
				t.Errorf("Split of the header of a %d-byte frame = n %d, err %v; want fatal TooLarge at %d", m+1, n, err, x.offset)
			}
		})
	}
}

func TestLengthFieldBadLength(t *testing.T) {
	tests := []struct {
		name   string
		cfg    LengthFieldConfig
		wire   string
		kind   Kind
		offset int64
	}{
		{"shorter than its length field", LengthFieldConfig{Width: 2, Adjustment: -2, Strip: StripNone}, "0001", BadLength, 0},
		{"counts header, value under the header", LengthFieldConfig{Width: 2, CountsHeader: true}, "0001", BadLength, 0},
		{"counts header after an offset", LengthFieldConfig{Offset: 3, Width: 1, CountsHeader: true}, "aabbcc 03", BadLength, 3},
		{"shorter than strip", LengthFieldConfig{Width: 2, Strip: 5}, "0002", BadLength, 0},
		{"8-byte counts header", LengthFieldConfig{Width: 8, CountsHeader: true}, "0000000000000007", BadLength, 0},
		{"8-byte, huge negative adjustment", LengthFieldConfig{Width: 8, Adjustment: -1 << 62}, "0000000000000000", BadLength, 0},
		{"8-byte, min int adjustment", LengthFieldConfig{Width: 8, Adjustment: math.MinInt, MaxFrame: math.MaxInt}, "00", BadLength, 0},
		{"8-byte 2^63", LengthFieldConfig{Width: 8}, "8000000000000000", TooLarge, 0},
		{"8-byte 2^64-1", LengthFieldConfig{Width: 8}, "ffffffffffffffff", TooLarge, 0},
		{"8-byte 2^64-1 little endian", LengthFieldConfig{Width: 8, LittleEndian: true}, "ffffffffffffffff", TooLarge, 0},
		{"8-byte 2^63 after an offset", LengthFieldConfig{Offset: 5, Width: 8, LittleEndian: true}, "0102030405 0000000000000080", TooLarge, 5},
		{"8-byte 2^64-1, counts header, max int", LengthFieldConfig{Width: 8, CountsHeader: true, MaxFrame: math.MaxInt}, "ffffffffffffffff", TooLarge, 0},
		{"8-byte 2^64-1, min int adjustment", LengthFieldConfig{Width: 8, Adjustment: math.MinInt, MaxFrame: math.MaxInt}, "ffffffffffffffff", TooLarge, 0},
		{"4-byte max", LengthFieldConfig{}, "ffffffff", TooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustLengthField(t, tt.cfg)
			wire := wktest.Unhex(t, tt.wire)
			wire = append(wire, make([]byte, max(0, tt.cfg.Offset+x.width-len(wire)))...)
			_, n, err := Next(x, wire)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != tt.kind || fe.Offset != tt.offset || !fe.Fatal || n != 0 {
				t.Fatalf("Split = n %d, err %v; want fatal %v at %d", n, err, tt.kind, tt.offset)
			}
		})
	}
}

// With an Adjustment of math.MinInt, the frame length is the length value
// minus 2^63 (plus the header): the arithmetic must not overflow.
func TestLengthFieldExtremeAdjustment(t *testing.T) {
	x := mustLengthField(t, LengthFieldConfig{Width: 8, Adjustment: math.MinInt, MaxFrame: math.MaxInt})
	wire, err := Append(x, nil, Meta{}, []byte("hi"))
	if err != nil {
		t.Fatal(err)
	}
	if want := wktest.Unhex(t, "8000000000000002 6869"); !bytes.Equal(wire, want) {
		t.Fatalf("Append = %x, want %x", wire, want)
	}
	if f, n, err := Next(x, wire); err != nil || n != 10 || string(f.Payload) != "hi" {
		t.Errorf("Split = %q, %d, %v", f.Payload, n, err)
	}
}

func TestNewLengthFieldRejects(t *testing.T) {
	tests := []struct {
		cfg  LengthFieldConfig
		want string
	}{
		{LengthFieldConfig{Width: 5}, "width 5 is not 1, 2, 3, 4 or 8"},
		{LengthFieldConfig{Width: -1}, "width -1"},
		{LengthFieldConfig{Offset: -1}, "offset -1 is negative"},
		{LengthFieldConfig{Strip: -2}, "strip -2 is negative"},
		{LengthFieldConfig{MaxFrame: -1}, "max frame -1 is negative"},
		{LengthFieldConfig{Width: 7, Offset: -1}, "width 7 is not 1, 2, 3, 4 or 8\noffset -1"},
		{LengthFieldConfig{Width: 4, MaxFrame: 3}, "an offset of 0 and a 4-byte length field do not fit in a max frame of 3 bytes"},
		{LengthFieldConfig{Width: 2, Offset: 10, MaxFrame: 11}, "do not fit"},
		{LengthFieldConfig{Width: 8, Offset: math.MaxInt - 7, MaxFrame: math.MaxInt}, "do not fit"},
		{LengthFieldConfig{Offset: math.MaxInt}, "do not fit"},
		{LengthFieldConfig{Width: 2, Adjustment: 100, MaxFrame: 50}, "with adjustment 100 even a length value of 0 describes a frame over the max frame of 50 bytes"},
		{LengthFieldConfig{Width: 8, Adjustment: math.MaxInt}, "even a length value of 0"},
		{LengthFieldConfig{Width: 2, CountsHeader: true, Adjustment: 51, MaxFrame: 50}, "even a length value of 0"},
		{LengthFieldConfig{Width: 1, MaxFrame: 257}, "max frame 257 is longer than 256 bytes, the longest frame a 1-byte length field describes with adjustment 0"},
		{LengthFieldConfig{Width: 1, Offset: 2, MaxFrame: 259}, "longer than 258 bytes"},
		{LengthFieldConfig{Width: 1, CountsHeader: true, MaxFrame: 256}, "longer than 255 bytes"},
		{LengthFieldConfig{Width: 1, Adjustment: 10, MaxFrame: 267}, "longer than 266 bytes"},
		{LengthFieldConfig{Width: 2, Adjustment: -5, MaxFrame: 65533}, "longer than 65532 bytes"},
		{LengthFieldConfig{Width: 3, MaxFrame: 1<<24 + 3}, "longer than 16777218 bytes"},
		{LengthFieldConfig{Width: 4, MaxFrame: 1<<32 + 4}, "longer than 4294967299 bytes"},
		{LengthFieldConfig{Width: 1, CountsHeader: true, Adjustment: -255}, "describes frames of at most 0 bytes, shorter than the 1-byte header"},
		{LengthFieldConfig{Width: 2, Strip: 11, MaxFrame: 10}, "strip 11 is longer than the max frame of 10 bytes"},
		{LengthFieldConfig{Width: 1, Strip: 300}, "strip 300 is longer than the max frame of 256 bytes"},
	}
	for _, tt := range tests {
		x, err := NewLengthField(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "frame: invalid length field config: ") || x != nil {
			t.Errorf("NewLengthField(%+v) = %v, want error containing %q", tt.cfg, err, tt.want)
		}
	}
}

func TestLengthFieldLimits(t *testing.T) {
	tests := []struct {
		cfg      LengthFieldConfig
		maxFrame int
	}{
		{LengthFieldConfig{}, 8 << 20},
		{LengthFieldConfig{Width: 8}, 8 << 20},
		{LengthFieldConfig{Width: 1}, 256},
		{LengthFieldConfig{Width: 1, MaxFrame: 256}, 256},
		{LengthFieldConfig{Width: 1, Offset: 2}, 258},
		{LengthFieldConfig{Width: 1, CountsHeader: true}, 255},
		{LengthFieldConfig{Width: 1, CountsHeader: true, Adjustment: -254}, 1},
		{LengthFieldConfig{Width: 2, Adjustment: 3}, 65540},
		{LengthFieldConfig{Width: 2, CountsHeader: true}, 65535},
		{LengthFieldConfig{Width: 3}, 8 << 20},
		{LengthFieldConfig{Width: 3, MaxFrame: 1<<24 + 2}, 1<<24 + 2},
		{LengthFieldConfig{Width: 8, MaxFrame: math.MaxInt}, math.MaxInt},
		{LengthFieldConfig{Width: 8, Offset: math.MaxInt - 8, MaxFrame: math.MaxInt}, math.MaxInt},
	}
	for _, tt := range tests {
		x, err := NewLengthField(tt.cfg)
		if err != nil || x.MaxFrame() != tt.maxFrame {
			t.Errorf("NewLengthField(%+v): max frame %v, %v; want %d", tt.cfg, x.MaxFrame(), err, tt.maxFrame)
		}
	}
}

func TestLengthFieldWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  LengthFieldConfig
		body int
		kind Kind
	}{
		{"body over max", LengthFieldConfig{Width: 2, MaxFrame: 10}, 9, TooLarge},
		{"body over what the field holds", LengthFieldConfig{Width: 1}, 256, TooLarge},
		{"body shorter than the adjustment", LengthFieldConfig{Width: 1, Adjustment: 3}, 2, BadBody},
		{"frame shorter than strip", LengthFieldConfig{Width: 1, Strip: 4}, 2, BadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := mustLengthField(t, tt.cfg)
			got, err := Append(x, []byte("keep"), Meta{}, make([]byte, tt.body))
			if !errors.Is(err, tt.kind) || string(got) != "keep" {
				t.Errorf("Append = %q, %v; want %v and dst truncated", got, err, tt.kind)
			}
		})
	}
	// One byte less is fine.
	x := mustLengthField(t, LengthFieldConfig{Width: 1, Adjustment: 3})
	if _, err := Append(x, nil, Meta{}, make([]byte, 3)); err != nil {
		t.Errorf("a body as long as the adjustment: %v", err)
	}
}

func TestLengthFieldPrefixPadded(t *testing.T) {
	x := mustLengthField(t, LengthFieldConfig{Offset: 3, Width: 1})
	got, err := appendPrefixed(x, nil, []byte{0xAA}, []byte("hi"))
	if want := wktest.Unhex(t, "aa0000 02 6869"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("Append = %x, %v; want %x", got, err, want)
	}
}

func TestLengthFieldTail(t *testing.T) {
	for _, cfg := range []LengthFieldConfig{
		{},
		{Offset: 2, Width: 3, LittleEndian: true, Adjustment: -1, Strip: 1},
		{Width: 2, CountsHeader: true},
		{Width: 1, MaxFrame: 20},
	} {
		x := mustLengthField(t, cfg)
		body := []byte("0123456789")
		want, err := appendPrefixed(x, []byte("old"), []byte("p")[:min(1, cfg.Offset)], body)
		if err != nil {
			t.Fatal(err)
		}
		for k := range len(body) + 1 {
			dst, m := beginPrefixed(x, []byte("old"), []byte("p")[:min(1, cfg.Offset)])
			dst = append(dst, body[:k]...)
			bodyEnd := len(dst)
			dst, err := x.Finish(dst, m, body[k:])
			if err != nil {
				t.Fatal(err)
			}
			if got := withTail(dst, bodyEnd, body[k:]); !bytes.Equal(got, want) {
				t.Errorf("%+v, tail of %d: wire %q, want %q", cfg, len(body)-k, got, want)
			}
		}
		// The tail counts toward the maximum.
		if cfg.MaxFrame != 0 {
			dst, m := x.Begin(nil, Meta{})
			if _, err := x.Finish(append(dst, body...), m, body); !errors.Is(err, TooLarge) {
				t.Errorf("%+v: a tail over the maximum: %v", cfg, err)
			}
		}
	}
}

// TestLengthFieldChunking splits a stream of frames, ending in a bad one,
// one byte at a time and all at once: a reader sees the same frames and the
// same error at the same offset.
func TestLengthFieldChunking(t *testing.T) {
	x := mustLengthField(t, LengthFieldConfig{Offset: 1, Width: 2, Adjustment: -1, MaxFrame: 40})
	var stream []byte
	for i, body := range []string{"a", "", "hello", strings.Repeat("z", 36)} {
		var err error
		stream, err = appendPrefixed(x, stream, []byte{byte(i)}, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
	}
	stream = append(stream, wktest.Unhex(t, "07 0029")...) // a 41-byte frame
	stream = append(stream, make([]byte, 50)...)
	all, rest := splitStream(t, x, stream, whole)
	want := `["a" "" "hello" "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" frame too large at 55 (fatal true)]`
	if got := fmt.Sprint(all); got != want {
		t.Fatalf("all at once: %s\nwant %s", got, want)
	}
	if all[2].prefix != "\x02" || all[2].raw != "\x02\x00\x06hello" {
		t.Errorf("third frame: %+v", all[2])
	}
	bytewise, rest1 := splitStream(t, x, stream, oneByte)
	if fmt.Sprint(bytewise) != want || rest != rest1 {
		t.Errorf("byte by byte: %v (%d left), want %s (%d left)", bytewise, rest1, want, rest)
	}
	// The error comes as soon as the length field is in.
	if _, _, err := Next(x, stream[54:57]); !errors.Is(err, TooLarge) {
		t.Errorf("Split of the bad header alone: %v", err)
	}
}

func TestLengthFieldZeroAllocs(t *testing.T) {
	for _, cfg := range []LengthFieldConfig{
		{},
		{Offset: 3, Width: 3, LittleEndian: true, Adjustment: -2, Strip: StripNone},
		{Offset: 1, Width: 8, CountsHeader: true},
	} {
		x := mustLengthField(t, cfg)
		body := make([]byte, 64)
		buf := make([]byte, 0, 256)
		prefix := []byte{1}[:min(1, cfg.Offset)]
		wire, _ := appendPrefixed(x, nil, prefix, body)
		var f Frame
		allocs := testing.AllocsPerRun(100, func() {
			dst, m := beginPrefixed(x, buf[:0], prefix)
			dst = append(dst, body[:32]...)
			if _, err := x.Finish(dst, m, body[32:]); err != nil {
				t.Fatal(err)
			}
			if _, err := x.Split(wire, &f); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocs per write+split, want 0", cfg, allocs)
		}
	}
}

// Framings hold no state: goroutines share one freely (run with -race).
func TestFramingsConcurrent(t *testing.T) {
	for _, f := range []Framing{
		mustLengthField(t, LengthFieldConfig{Offset: 1, Width: 2}),
		Lines(),
		mustDelimited(t, DelimitedConfig{Max: 4, Discard: true}),
	} {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				body := []byte{'a' + byte(i)}
				for range 100 {
					wire, err := Append(f, nil, Meta{}, body)
					if err != nil {
						t.Error(err)
						return
					}
					if fr, _, err := Next(f, wire); err != nil || !bytes.Equal(fr.Payload, body) {
						t.Errorf("%T: Split = %q, %v; want %q", f, fr.Payload, err, body)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}

// beginPrefixed is Begin with prefix written into the frame's Offset
// prefix bytes (a shorter prefix leaves zeros after it).
func beginPrefixed(x *LengthField, dst, prefix []byte) ([]byte, Mark) {
	dst, m := x.Begin(dst, Meta{})
	copy(dst[m.Start():m.Start()+x.offset], prefix)
	return dst, m
}

// appendPrefixed is Append with prefix, as beginPrefixed writes it.
func appendPrefixed(x *LengthField, dst, prefix, body []byte) ([]byte, error) {
	dst, m := beginPrefixed(x, dst, prefix)
	return x.Finish(append(dst, body...), m, nil)
}
