package trace

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

func FuzzDump(f *testing.F) {
	f.Add([]byte{}, int64(0))
	f.Add([]byte("A"), int64(0))
	f.Add(frame33, int64(0x10))
	f.Add(bytes.Repeat([]byte{0xff, 0x00, '|', '\n'}, 20), int64(0xfffffff0))
	f.Add([]byte("hello, wire"), int64(-3))
	f.Fuzz(func(t *testing.T, data []byte, base int64) {
		dump := string(AppendDump(nil, data, base))
		if len(dump) != DumpLen(len(data), base) {
			t.Fatalf("len(dump) = %d, DumpLen = %d", len(dump), DumpLen(len(data), base))
		}
		if base == 0 && dump != hex.Dump(data) {
			t.Fatalf("differs from encoding/hex.Dump:\n%s\n%s", dump, hex.Dump(data))
		}
		if len(data) == 0 {
			if dump != "" {
				t.Fatalf("dump of nothing = %q", dump)
			}
			return
		}
		if !strings.HasSuffix(dump, "\n") {
			t.Fatalf("dump does not end in a newline: %q", dump)
		}
		lines := strings.Split(strings.TrimSuffix(dump, "\n"), "\n")
		if want := (len(data) + 15) / 16; len(lines) != want {
			t.Fatalf("%d lines for %d bytes, want %d", len(lines), len(data), want)
		}
		off := uint64(max(base, 0))
		var back []byte
		for i, line := range lines {
			// offset, two spaces, 49 columns of hex, " |", ASCII, "|".
			sp := strings.IndexByte(line, ' ')
			if sp < 8 {
				t.Fatalf("line %d: no offset: %q", i, line)
			}
			got, err := strconv.ParseUint(line[:sp], 16, 64)
			if err != nil || got != off+uint64(16*i) {
				t.Fatalf("line %d: offset %q, want %x", i, line[:sp], off+uint64(16*i))
			}
			rest := line[sp:]
			if len(rest) < 2+49+2+2 || rest[:2] != "  " || rest[51:53] != " |" || !strings.HasSuffix(rest, "|") {
				t.Fatalf("line %d: bad layout: %q", i, line)
			}
			hexPart := rest[2:51]
			ascii := rest[53 : len(rest)-1]
			chunk, err := hex.DecodeString(strings.ReplaceAll(hexPart, " ", ""))
			if err != nil {
				t.Fatalf("line %d: hex %q: %v", i, hexPart, err)
			}
			if len(ascii) != len(chunk) {
				t.Fatalf("line %d: %d ASCII characters for %d bytes", i, len(ascii), len(chunk))
			}
			for j, c := range chunk {
				want := c
				if c < 0x20 || c > 0x7e {
					want = '.'
				}
				if ascii[j] != want {
					t.Fatalf("line %d: ASCII %q does not match bytes %x", i, ascii, chunk)
				}
			}
			back = append(back, chunk...)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("hex parses back to %x, want %x", back, data)
		}
	})
}
