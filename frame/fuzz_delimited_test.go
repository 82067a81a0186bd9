package frame

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// delimitedFuzzConfig derives a configuration from the first bytes of data,
// and returns it with the rest of data. Half the time it maps every byte to
// a 4-letter alphabet, so that delimiters, partial delimiters and overlaps
// are common.
func delimitedFuzzConfig(data []byte) (DelimitedConfig, []byte, bool) {
	if len(data) < 2 {
		return DelimitedConfig{}, nil, false
	}
	c, data := data[:2], bytes.Clone(data[2:])
	cfg := DelimitedConfig{Max: int(c[1] % 32), Discard: c[0]&4 != 0}
	for range c[0] % 4 {
		if len(data) == 0 {
			return cfg, nil, false
		}
		n := 1 + int(data[0]%3)
		if len(data) < 1+n {
			return cfg, nil, false
		}
		cfg.Delimiters = append(cfg.Delimiters, data[1:1+n])
		data = data[1+n:]
	}
	if c[0]&8 != 0 {
		const alphabet = "ab\r\n"
		for _, b := range append(cfg.Delimiters, data) {
			for i := range b {
				b[i] = alphabet[b[i]%4]
			}
		}
	}
	return cfg, data, true
}

func FuzzDelimited(f *testing.F) {
	f.Add([]byte("\x00\x00hello\r\nworld\nx\r"))
	f.Add([]byte("\x04\x03a\nabcdef\nok\r\n\r\n"))
	f.Add([]byte("\x0a\x05\x01ab\x00bab\x9aabbab\xaaa"))
	f.Add([]byte("\x07\x02\x02<E>\x00!\x01||ab<E>!!|||xyz<E"))
	f.Add([]byte("\x01\x01\x00\xffa\xffb\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, in, ok := delimitedFuzzConfig(data)
		if !ok {
			return
		}
		x, err := NewDelimited(cfg)
		if err != nil {
			return
		}

		all, rest := splitStream(t, x, in, whole)
		if want, wantRest := delimitedReference(x, in); !slices.Equal(all, want) || rest != wantRest {
			t.Fatalf("%q max %d discard %v: got %v (%d left), want %v (%d left)", x.delims, x.max, x.discard, all, rest, want, wantRest)
		}
		chunked, rest1 := splitStream(t, x, in, randomChunks(data))
		if !slices.Equal(all, chunked) || rest != rest1 {
			t.Fatalf("%q: all at once %v (%d left), in chunks %v (%d left)", x.delims, all, rest, chunked, rest1)
		}

		// Writing the input as a body reads back as the same body, whatever
		// follows it, with or without a tail.
		out, err := Append(x, nil, Meta{}, in)
		if (len(in) > x.max) != errors.Is(err, TooLarge) || (len(in) <= x.max) && (clashNaive(x, in) >= 0) != errors.Is(err, BadBody) {
			t.Fatalf("%q max %d: Append(%q): %v", x.delims, x.max, in, err)
		}
		dst, m := x.Begin([]byte("old"), Meta{})
		dst = append(dst, in[:len(in)/2]...)
		dst, err1 := x.Finish(dst, m, in[len(in)/2:])
		if !sameError(err, err1) {
			t.Fatalf("%q: Append: %v, with a tail: %v", x.delims, err, err1)
		}
		if err != nil {
			if string(dst) != "old" {
				t.Fatalf("failed Finish left %q", dst)
			}
			return
		}
		if !bytes.Equal(withTail(dst, m.Body()+len(in)/2, in[len(in)/2:])[3:], out) {
			t.Fatalf("%q: with a tail %q, without %q", x.delims, dst, out)
		}
		fr, n, err := Next(x, append(out, in...))
		if err != nil || n != len(out) || !bytes.Equal(fr.Payload, in) {
			t.Fatalf("%q: wrote %q, read %q, %d, %v", x.delims, out, fr.Payload, n, err)
		}
	})
}

// delimitedReference splits in the slow, obvious way: position by position,
// every delimiter at each.
func delimitedReference(x *Delimited, in []byte) (events []splitEvent, rest int) {
	// at tells whether a delimiter begins at p: its length, or -1 if in ends
	// before it can tell, or 0.
	at := func(p int) int {
		best := 0
		for _, d := range x.delims {
			switch {
			case bytes.HasPrefix(in[p:], d):
				best = max(best, len(d))
			case bytes.HasPrefix(d, in[p:]):
				return -1 // a delimiter longer than any that matches may be arriving
			}
		}
		return best
	}
	pos := 0
	for {
		p, n := pos, 0
		for ; p < len(in) && p-pos <= x.max; p++ {
			if n = at(p); n != 0 {
				break
			}
		}
		switch {
		case n > 0:
			events = append(events, splitEvent{at: pos, raw: string(in[pos : p+n]), payload: string(in[pos:p])})
			pos = p + n
			continue
		case n < 0 || p-pos <= x.max:
			return events, len(in) - pos
		}
		events = append(events, splitEvent{at: pos + x.max, err: TooLarge, fatal: !x.discard})
		if !x.discard {
			return events, len(in) - pos
		}
		for pos = p; pos < len(in); pos++ {
			if n = at(pos); n != 0 {
				break
			}
		}
		if n <= 0 {
			return events, len(in) - pos
		}
		pos += n
	}
}

// clashNaive returns the first position in body where a delimiter begins, or
// may begin, once the written delimiter follows it, or -1.
func clashNaive(x *Delimited, body []byte) int {
	wire := append(bytes.Clone(body), x.write...)
	for p := range body {
		for _, d := range x.delims {
			k := min(len(d), len(wire)-p)
			if bytes.Equal(wire[p:p+k], d[:k]) {
				return p
			}
		}
	}
	return -1
}
