package frame

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/wktest"
)

// ordersConfig is the reference protocol's framing (spec/orders-v1.md),
// configured by hand.
func ordersConfig() HeaderConfig {
	return HeaderConfig{
		Magic:       []byte("WK"),
		Versions:    []uint8{1},
		TypeWidth:   1,
		IDWidth:     4,
		LengthWidth: 4,
		MaxPayload:  1 << 20,
		Checksum:    CRC32C(),
	}
}

func mustHeader(t testing.TB, cfg HeaderConfig) *Header {
	t.Helper()
	h, err := NewHeader(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHeaderSpecVector(t *testing.T) {
	h := mustHeader(t, ordersConfig())
	wire := wktest.Unhex(t, wktest.SpecVector)
	body := wire[12 : len(wire)-4]

	f, n, err := Next(h, wire)
	if err != nil || n != len(wire) {
		t.Fatalf("Split = n %d, err %v; want %d, nil", n, err, len(wire))
	}
	if f.Version != 1 || f.Type != 3 || f.ID != 7 {
		t.Errorf("meta = %+v, want version 1 type 3 id 7", f.Meta)
	}
	if !bytes.Equal(f.Payload, body) || !bytes.Equal(f.Raw, wire) {
		t.Errorf("payload %x raw %x", f.Payload, f.Raw)
	}

	out, err := Append(h, nil, Meta{Type: 3, ID: 7}, body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, wire) {
		t.Errorf("Append:\n got %x\nwant %x", out, wire)
	}
}

func TestHeaderVectors(t *testing.T) {
	hmacKey := []byte("secret")
	full, _ := HMACSHA256(hmacKey, 32)
	short, _ := HMACSHA256(hmacKey, 12)
	tests := []struct {
		name string
		cfg  HeaderConfig
		meta Meta
		body string
		wire string // hex
	}{
		{"length only", HeaderConfig{LengthWidth: 2}, Meta{}, "hi", "0002 6869"},
		{"width 1", HeaderConfig{LengthWidth: 1}, Meta{}, "hi", "02 6869"},
		{"width 3", HeaderConfig{LengthWidth: 3}, Meta{}, "hi", "000002 6869"},
		{"width 8", HeaderConfig{LengthWidth: 8}, Meta{}, "hi", "0000000000000002 6869"},
		{"little endian", HeaderConfig{TypeWidth: 2, IDWidth: 4, LengthWidth: 3, LittleEndian: true},
			Meta{Type: 0x0102, ID: 0x0a0b0c0d}, "hi", "0201 0d0c0b0a 020000 6869"},
		{"version default", HeaderConfig{Versions: []uint8{2, 1}, LengthWidth: 1}, Meta{}, "", "02 00"},
		{"version chosen", HeaderConfig{Versions: []uint8{2, 1}, LengthWidth: 1}, Meta{Version: 1}, "", "01 00"},
		{"id 8", HeaderConfig{IDWidth: 8, LengthWidth: 1}, Meta{ID: 1<<63 | 5}, "x", "8000000000000005 01 78"},
		{"type 4", HeaderConfig{TypeWidth: 4, LengthWidth: 1}, Meta{Type: 0xdeadbeef}, "", "deadbeef 00"},
		{"counts frame", HeaderConfig{Magic: []byte{0xff}, LengthWidth: 2, LengthCountsFrame: true}, Meta{}, "hi", "ff 0005 6869"},
		{"counts frame with trailer", HeaderConfig{LengthWidth: 2, LengthCountsFrame: true, Checksum: CRC32C()}, Meta{}, "",
			"0006 " + crcHex(CRC32C(), "0006")},
		{"crc32 ieee frame", HeaderConfig{LengthWidth: 1, Checksum: CRC32()}, Meta{}, "a", "01 61 " + crcHex(CRC32(), "0161")},
		{"crc32c after magic", HeaderConfig{Magic: []byte("M"), LengthWidth: 1, Checksum: CRC32C(), Span: SpanAfterMagic}, Meta{}, "a",
			"4d 01 61 " + crcHex(CRC32C(), "0161")},
		{"crc32c payload", HeaderConfig{Magic: []byte("M"), LengthWidth: 1, Checksum: CRC32C(), Span: SpanPayload}, Meta{}, "a",
			"4d 01 61 " + crcHex(CRC32C(), "61")},
		// The checksums themselves are checked against known answers below;
		// these cases check where the framing puts them.
		{"hmac full", HeaderConfig{LengthWidth: 1, Checksum: full}, Meta{}, "a",
			"01 61 " + crcHex(full, "0161")},
		{"hmac truncated", HeaderConfig{LengthWidth: 1, Checksum: short}, Meta{}, "a",
			"01 61 " + crcHex(full, "0161")[:24]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustHeader(t, tt.cfg)
			want := wktest.Unhex(t, tt.wire)
			got, err := Append(h, []byte("prefix"), tt.meta, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[6:], want) {
				t.Fatalf("Append:\n got %x\nwant %x", got[6:], want)
			}
			f, n, err := Next(h, append(want, 0xEE)) // a byte of the next frame
			if err != nil || n != len(want) {
				t.Fatalf("Split: n %d err %v, want %d", n, err, len(want))
			}
			if string(f.Payload) != tt.body {
				t.Errorf("payload %q, want %q", f.Payload, tt.body)
			}
			if f.Type != tt.meta.Type || f.ID != tt.meta.ID {
				t.Errorf("meta %+v, want %+v", f.Meta, tt.meta)
			}
			for short := range len(want) {
				if _, n, err := Next(h, want[:short]); n != 0 || err != nil {
					t.Fatalf("Split of %d/%d bytes: n %d err %v, want need-more", short, len(want), n, err)
				}
			}
		})
	}
}

// crcHex computes the expected trailer independently of the framing code
// under test, from the checksum alone.
func crcHex(c Checksum, data string) string {
	b, _ := hex.DecodeString(strings.ReplaceAll(data, " ", ""))
	return hex.EncodeToString(c.AppendSum(nil, b, nil))
}

func TestHMACKnownAnswer(t *testing.T) {
	// RFC 4231 test case 2.
	c, err := HMACSHA256([]byte("Jefe"), 32)
	if err != nil {
		t.Fatal(err)
	}
	got := hex.EncodeToString(c.AppendSum(nil, []byte("what do ya want "), []byte("for nothing?")))
	want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("HMAC = %s, want %s", got, want)
	}
	c16, _ := HMACSHA256([]byte("Jefe"), 16)
	tag := wktest.Unhex(t, want[:32])
	if !c16.Verify([]byte("what do ya want for nothing?"), nil, tag) {
		t.Error("truncated tag did not verify")
	}
	tag[15] ^= 1
	if c16.Verify([]byte("what do ya want for nothing?"), nil, tag) {
		t.Error("corrupted truncated tag verified")
	}
	if c16.Verify([]byte("what do ya want for nothing?"), nil, tag[:15]) {
		t.Error("short tag verified")
	}
}

func TestCRCKnownAnswers(t *testing.T) {
	// The check values of the CRC catalogue: CRC over "123456789".
	for _, tt := range []struct {
		c    Checksum
		want string
	}{{CRC32C(), "e3069283"}, {CRC32(), "cbf43926"}} {
		if got := hex.EncodeToString(tt.c.AppendSum(nil, []byte("1234"), []byte("56789"))); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.c.Name(), got, tt.want)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	h := mustHeader(t, ordersConfig())
	good := wktest.Unhex(t, wktest.SpecVector)
	corrupt := func(i int, b byte) []byte {
		c := bytes.Clone(good)
		c[i] = b
		return c
	}
	tooLarge := wktest.Unhex(t, "574b 0103 0000 0009 0010 0001") // L = 1 MiB + 1
	tests := []struct {
		name   string
		in     []byte
		kind   Kind
		offset int64
		id     uint64
		hasID  bool
	}{
		{"magic first byte", corrupt(0, 'X'), BadMagic, 0, 0, false},
		{"magic second byte", corrupt(1, 'X'), BadMagic, 1, 0, false},
		{"version", corrupt(2, 2), BadVersion, 2, 0, false},
		{"too large", tooLarge, TooLarge, 8, 9, true},
		{"checksum", corrupt(len(good)-1, 0), BadChecksum, int64(len(good) - 4), 7, true},
		{"payload corrupted", corrupt(20, 0xff), BadChecksum, int64(len(good) - 4), 7, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := Next(h, tt.in)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Split = n %d, err %v; want *Error", n, err)
			}
			if !errors.Is(err, tt.kind) || fe.Offset != tt.offset || !fe.Fatal || fe.ID != tt.id || fe.HasID != tt.hasID {
				t.Errorf("got %+v (%v), want kind %v offset %d id %d/%v", fe, err, tt.kind, tt.offset, tt.id, tt.hasID)
			}
			if n != 0 {
				t.Errorf("n = %d on error", n)
			}
		})
	}
}

func TestHeaderMaxPayload(t *testing.T) {
	for _, counts := range []bool{false, true} {
		const max = 100
		h := mustHeader(t, HeaderConfig{Magic: []byte{0xAA}, IDWidth: 2, LengthWidth: 2, MaxPayload: max, LengthCountsFrame: counts, Checksum: CRC32C()})
		// Exactly max is written and read back.
		ok, err := Append(h, nil, Meta{ID: 1}, make([]byte, max))
		if err != nil {
			t.Fatalf("counts=%v: Append max: %v", counts, err)
		}
		if _, n, err := Next(h, ok); err != nil || n != len(ok) {
			t.Fatalf("counts=%v: Split max: n %d err %v", counts, n, err)
		}
		// max+1 is refused on both sides.
		if got, err := Append(h, []byte("x"), Meta{}, make([]byte, max+1)); !errors.Is(err, TooLarge) || string(got) != "x" {
			t.Errorf("counts=%v: Append max+1 = %q, %v; want TooLarge and dst untouched", counts, got, err)
		}
		big := bytes.Clone(ok[:5])
		h.order.put(big[3:], h.order.uint(big[3:], 2)+1, 2)
		if _, _, err := Next(h, big); !errors.Is(err, TooLarge) {
			t.Errorf("counts=%v: Split of a max+1 header = %v, want TooLarge as soon as the header is in", counts, err)
		}
	}
}

func TestHeaderCountsFrameTooShort(t *testing.T) {
	h := mustHeader(t, HeaderConfig{IDWidth: 4, LengthWidth: 2, LengthCountsFrame: true})
	_, _, err := Next(h, wktest.Unhex(t, "00000001 0005")) // header alone is 6 bytes
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != BadLength || fe.Offset != 4 || fe.ID != 1 {
		t.Errorf("err = %v, want BadLength at 4 with id 1", err)
	}
}

func TestHeaderTail(t *testing.T) {
	h := mustHeader(t, ordersConfig())
	wire := wktest.Unhex(t, wktest.SpecVector)
	body := wire[12 : len(wire)-4]
	dst, m := h.Begin(nil, Meta{Type: 3, ID: 7})
	dst = append(dst, body[:10]...)
	dst, err := h.Finish(dst, m, body[10:])
	if err != nil {
		t.Fatal(err)
	}
	// On the wire the tail goes between what was appended before Finish and
	// what Finish appended.
	bodyEnd := m.Body() + 10
	got := append(append(bytes.Clone(dst[:bodyEnd]), body[10:]...), dst[bodyEnd:]...)
	if !bytes.Equal(got, wire) {
		t.Errorf("with tail:\n got %x\nwant %x", got, wire)
	}
}

func TestNewHeaderRejects(t *testing.T) {
	tests := []struct {
		cfg  HeaderConfig
		want string
	}{
		{HeaderConfig{LengthWidth: 5}, "length width 5"},
		{HeaderConfig{TypeWidth: 3}, "type width 3"},
		{HeaderConfig{IDWidth: 3}, "id width 3"},
		{HeaderConfig{MaxPayload: -1}, "negative"},
		{HeaderConfig{Versions: []uint8{}}, "versions is empty"},
		{HeaderConfig{Span: 9}, "span"},
		{HeaderConfig{LengthWidth: 1, MaxPayload: 256}, "holds at most 255"},
		{HeaderConfig{LengthWidth: 1, MaxPayload: 255, LengthCountsFrame: true}, "plus the 1 header"},
		{HeaderConfig{LengthWidth: 2, MaxPayload: 1 << 16}, "holds at most 65535"},
	}
	for _, tt := range tests {
		_, err := NewHeader(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewHeader(%+v) = %v, want error containing %q", tt.cfg, err, tt.want)
		}
	}
	if _, err := NewHeader(HeaderConfig{LengthWidth: 1, MaxPayload: 255}); err != nil {
		t.Errorf("max 255 in one byte: %v", err)
	}
	if _, err := HMACSHA256([]byte("k"), 9); err == nil {
		t.Error("HMAC tag of 9 bytes accepted")
	}
	if _, err := HMACSHA256(nil, 32); err == nil {
		t.Error("HMAC without key accepted")
	}
}

func TestHeaderZeroAllocs(t *testing.T) {
	hm, _ := HMACSHA256([]byte("k"), 16)
	checksums := []Checksum{CRC32C(), hm}
	if raceEnabled {
		// The race detector makes sync.Pool drop items at random, so the
		// pooled HMAC states are sometimes made anew.
		checksums = checksums[:1]
	}
	for _, c := range checksums {
		cfg := ordersConfig()
		cfg.Checksum = c
		h := mustHeader(t, cfg)
		body := make([]byte, 64)
		buf := make([]byte, 0, 256)
		wire, _ := Append(h, nil, Meta{Type: 3, ID: 7}, body)
		var f Frame
		allocs := testing.AllocsPerRun(100, func() {
			dst, m := h.Begin(buf[:0], Meta{Type: 3, ID: 7})
			dst = append(dst, body...)
			if _, err := h.Finish(dst, m, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := h.Split(wire, &f); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs per write+split, want 0", c.Name(), allocs)
		}
	}
}

// TestHeaderBeginPaths checks that Begin and Finish write the same bytes
// on their fast path (room for 8-byte stores) as on the general one (no
// spare capacity), for every field width, byte order, version setting and
// checksum, whatever the spare capacity held before.
func TestHeaderBeginPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, magic := range [][]byte{nil, []byte("WK"), []byte("ABCDEFGHI")} {
		for _, versions := range [][]uint8{nil, {1, 2}} {
			for _, tw := range []int{0, 1, 2, 4} {
				for _, iw := range []int{0, 1, 2, 4, 8} {
					for _, lw := range []int{1, 2, 3, 4, 8} {
						for _, little := range []bool{false, true} {
							for _, sum := range []Checksum{nil, CRC32C(), CRC32()} {
								h, err := NewHeader(HeaderConfig{Magic: magic, Versions: versions, TypeWidth: tw, IDWidth: iw,
									LengthWidth: lw, LittleEndian: little, Checksum: sum, MaxPayload: 100})
								if err != nil {
									continue // a length too narrow for the header it counts, etc.
								}
								m := Meta{Type: rng.Uint32(), ID: rng.Uint64()}
								if versions != nil && rng.IntN(2) == 0 {
									m.Version = 2
								}
								prefix := []byte{0xEE, 0xEE, 0xEE}
								body := make([]byte, rng.IntN(20))
								for i := range body {
									body[i] = byte(rng.Uint32())
								}
								roomy := make([]byte, 0, 200)
								for i := range roomy[:cap(roomy)] {
									roomy[:cap(roomy)][i] = 0xAA
								}
								fast, fm := h.Begin(append(roomy, prefix...), m)
								fast, ferr := h.Finish(append(fast, body...), fm, nil)
								slow, sm := h.Begin(slices.Clip(prefix), m)
								slow, serr := h.Finish(append(slow, body...), sm, nil)
								if ferr != nil || serr != nil || !bytes.Equal(fast, slow) {
									t.Fatalf("magic %q versions %v widths %d/%d/%d little %v sum %v:\nfast %x %v\nslow %x %v",
										magic, versions, tw, iw, lw, little, sum, fast, ferr, slow, serr)
								}
								var f Frame
								if n, err := h.Split(fast[len(prefix):], &f); err != nil || n != len(fast)-len(prefix) || !bytes.Equal(f.Payload, body) {
									t.Fatalf("split back: %d %v", n, err)
								}
							}
						}
					}
				}
			}
		}
	}
}
