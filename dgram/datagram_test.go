package dgram

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/frame"
)

// TestDatagramWalk splits datagrams of lines with a framing that discards
// over-long lines: the walk steps over a refused frame whose end is in the
// datagram, and stops at one whose end is not.
func TestDatagramWalk(t *testing.T) {
	lines, err := frame.NewDelimited(frame.DelimitedConfig{Max: 4, Discard: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		datagram string
		want     string // frames and drops, in order
	}{
		{"ab\ncd\n", "ab cd"},
		{"ab\ntoolong\ncd\n", "ab drop(3:malformed frame) cd"},
		{"ab\ntoolong-no-end", "ab drop(3:malformed frame)"},
		{"ab\ncd", "ab drop(3:datagram ends inside a frame)"},
		{"", ""},
		{"ab\n" + strings.Repeat("x", 20) + "\n", "drop(0:oversized datagram)"},
	} {
		d := datagram{b: []byte(tc.datagram), max: 20}
		var got []string
		for {
			var f frame.Frame
			ok, de := d.next(lines, &f)
			if de != nil {
				got = append(got, "drop("+strconv.Itoa(de.Offset)+":"+de.Reason.String()+")")
				continue
			}
			if !ok {
				break
			}
			got = append(got, string(f.Payload))
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%q: got %s, want %s", tc.datagram, s, tc.want)
		}
	}
}

// TestErrors checks the errors' text and their errors.Is and errors.As
// relations.
func TestErrors(t *testing.T) {
	fe := &frame.Error{Kind: frame.BadChecksum, Offset: 41, Fatal: true, Detail: "CRC-32C mismatch"}
	var err error = &DropError{Reason: Malformed, Offset: 45, Len: 90, Err: fe}
	if want := "dgram: malformed frame at offset 45 of a 90-byte datagram: frame: bad checksum at offset 41: CRC-32C mismatch"; err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	var got *frame.Error
	if !errors.Is(err, Malformed) || errors.Is(err, Incomplete) || !errors.Is(err, frame.BadChecksum) || !errors.As(err, &got) || got != fe {
		t.Error("DropError: errors.Is or errors.As wrong")
	}
	err = &DropError{Reason: Oversized, Len: 1473}
	if want := "dgram: oversized datagram at offset 0 of a 1473-byte datagram"; err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	err = &FrameTooLargeError{Size: 2000, MaxDatagram: 1472}
	if want := "dgram: a 2000-byte frame does not fit in a datagram of at most 1472 bytes"; err.Error() != want || !errors.Is(err, frame.TooLarge) {
		t.Errorf("got %q, errors.Is TooLarge %v", err, errors.Is(err, frame.TooLarge))
	}
	if Reason(9).String() != "reason(9)" || Incomplete.Error() != "dgram: datagram ends inside a frame" {
		t.Error("Reason names wrong")
	}
}

// TestDatagramLimit: zero means the default and the limit never exceeds
// what UDP carries.
func TestDatagramLimit(t *testing.T) {
	for v, want := range map[int]int{0: DefaultMaxDatagram, -1: DefaultMaxDatagram, 512: 512, 1 << 20: MaxUDPPayload} {
		if got := datagramLimit(v); got != want {
			t.Errorf("datagramLimit(%d) = %d, want %d", v, got, want)
		}
	}
}
