package frame

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// propertyFramings is one of each framing, in several configurations.
func propertyFramings(t testing.TB) map[string]Framing {
	hm, _ := HMACSHA256([]byte("key"), 12)
	fixed, _ := NewFixed(7)
	return map[string]Framing{
		"header orders":       mustHeader(t, ordersConfig()),
		"header little hmac":  mustHeader(t, HeaderConfig{Magic: []byte{0xfe}, Versions: []uint8{3, 4}, TypeWidth: 2, IDWidth: 8, LengthWidth: 3, LittleEndian: true, MaxPayload: 300, Checksum: hm, Span: SpanAfterMagic}),
		"header counts frame": mustHeader(t, HeaderConfig{LengthWidth: 1, LengthCountsFrame: true, Checksum: CRC32(), Span: SpanPayload}),
		"length default":      mustLengthField(t, LengthFieldConfig{MaxFrame: 400}),
		"length netty hdr1":   mustLengthField(t, LengthFieldConfig{Offset: 1, Width: 2, Adjustment: 1, Strip: 3, MaxFrame: 300}),
		"length counts le":    mustLengthField(t, LengthFieldConfig{Width: 3, LittleEndian: true, CountsHeader: true, Adjustment: -1, MaxFrame: 250}),
		"lines":               Lines(),
		"lines discard":       mustDelimited(t, DelimitedConfig{Max: 40, Discard: true}),
		"delims fail fast":    mustDelimited(t, DelimitedConfig{Delimiters: delims("<>", "!", "\x00\x00"), Max: 50}),
		"fixed":               fixed,
	}
}

// propertyStream writes frames with random bodies and then, depending on
// the seed, damages the stream: a flipped byte, garbage inserted, or
// nothing.
func propertyStream(t testing.TB, f Framing, r *rand.Rand) []byte {
	var s []byte
	for i := range 1 + r.IntN(12) {
		body := make([]byte, 1+r.IntN(38))
		for j := range body {
			body[j] = 'a' + byte(r.IntN(26)) // letters: never a delimiter
		}
		if fx, ok := f.(*Fixed); ok {
			body = body[:0]
			for range fx.Size() {
				body = append(body, byte(r.IntN(256)))
			}
		}
		var err error
		s, err = Append(f, s, Meta{Type: uint32(i), ID: uint64(i), Version: 0}, body)
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	switch r.IntN(4) {
	case 0:
		s[r.IntN(len(s))] ^= byte(1 + r.IntN(255))
	case 1:
		// Garbage long enough to exceed every framing's max when it holds
		// no delimiter.
		at := r.IntN(len(s))
		garbage := make([]byte, 1+r.IntN(500))
		for j := range garbage {
			garbage[j] = byte(r.IntN(256))
		}
		s = slices.Insert(s, at, garbage...)
	case 2:
		s = s[:r.IntN(len(s))]
	}
	return s
}

// For every framing, however a stream is cut into reads, a reader sees the
// same frames and the same errors at the same offsets.
func TestAnyChunkingSameResult(t *testing.T) {
	for name, f := range propertyFramings(t) {
		t.Run(name, func(t *testing.T) {
			for seed := range uint64(200) {
				r := rand.New(rand.NewPCG(seed, 1))
				s := propertyStream(t, f, r)
				want, wantRest := splitStream(t, f, s, whole)
				for c, next := range map[string]func() int{
					"one byte":   oneByte,
					"random 1-8": func() int { return 1 + r.IntN(8) },
					"random big": func() int { return 1 + r.IntN(200) },
				} {
					got, rest := splitStream(t, f, s, next)
					if !slices.Equal(got, want) || rest != wantRest {
						t.Fatalf("seed %d, %s:\n got %v (%d left)\nwant %v (%d left)\nstream %x", seed, c, got, rest, want, wantRest, s)
					}
				}
			}
		})
	}
}

// FuzzHeader: any input split by a Header framing, all at once and in
// random chunks, never panics and gives the same events; any body written
// reads back.
func FuzzHeader(f *testing.F) {
	f.Add(uint8(0), wktest.Unhex(f, wktest.SpecVector))
	f.Add(uint8(1), []byte("\xfe\x03\x01\x00\x07\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00hi"))
	f.Add(uint8(2), []byte("\x06hi\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		names := []string{"header orders", "header little hmac", "header counts frame"}
		h := propertyFramings(t)[names[int(which)%len(names)]].(*Header)
		all, rest := splitStream(t, h, in, whole)
		chunked, rest1 := splitStream(t, h, in, randomChunks(in))
		if !slices.Equal(all, chunked) || rest != rest1 {
			t.Fatalf("all at once %v (%d left), in chunks %v (%d left)", all, rest, chunked, rest1)
		}
		for _, e := range all {
			if e.err == 0 && len(e.payload) > h.MaxPayload() {
				t.Fatalf("payload of %d bytes over the max", len(e.payload))
			}
		}
		out, err := Append(h, nil, Meta{Type: 9, ID: 5}, in)
		if (len(in) > h.MaxPayload()) != (err != nil) {
			t.Fatalf("Append of %d bytes: %v", len(in), err)
		}
		if err != nil {
			return
		}
		fr, n, err := Next(h, out)
		if err != nil || n != len(out) || !bytes.Equal(fr.Payload, in) || fr.ID != 5&maxUint(h.idWidth) || fr.Type != uint32(9&maxUint(h.typeWidth)) {
			t.Fatalf("round trip of %q: %+v %d %v", in, fr, n, err)
		}
	})
}

// FuzzFixed: Fixed frames are the input cut every Size bytes.
func FuzzFixed(f *testing.F) {
	f.Add(uint8(3), []byte("abcdefgh"))
	f.Fuzz(func(t *testing.T, size uint8, in []byte) {
		x, err := NewFixed(int(size))
		if err != nil {
			if size != 0 {
				t.Fatal(err)
			}
			return
		}
		events, rest := splitStream(t, x, in, randomChunks(in))
		if len(events) != len(in)/int(size) || rest != len(in)%int(size) {
			t.Fatalf("%d frames, %d left, of %d bytes cut by %d", len(events), rest, len(in), size)
		}
		for i, e := range events {
			if e.payload != string(in[i*int(size):(i+1)*int(size)]) {
				t.Fatalf("frame %d = %q", i, e.payload)
			}
		}
	})
}
