package streamtest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"
)

var header = []byte("WK\x01\x03\x00\x00\x00\x07")

// readAll reads c to io.EOF with a buffer of bufSize bytes and returns the
// size of every read and the bytes read.
func readAll(t *testing.T, c *Conn, bufSize int) (sizes []int, data []byte) {
	t.Helper()
	buf := make([]byte, bufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			sizes = append(sizes, n)
			data = append(data, buf[:n]...)
		}
		if errors.Is(err, io.EOF) {
			if n != 0 {
				t.Fatalf("Read returned %d bytes with io.EOF", n)
			}
			return sizes, data
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if n == 0 {
			t.Fatalf("Read returned 0, nil on a non-empty buffer")
		}
	}
}

func TestChunkings(t *testing.T) {
	tests := []struct {
		name     string
		chunking Chunking
		want     []int
	}{
		{"nil means All", nil, []int{8}},
		{"All", All, []int{8}},
		{"OneByte", OneByte, []int{1, 1, 1, 1, 1, 1, 1, 1}},
		{"Fixed(3)", Fixed(3), []int{3, 3, 2}},
		{"Fixed(8)", Fixed(8), []int{8}},
		{"Fixed(100)", Fixed(100), []int{8}},
		{"Sizes(1, 4) repeats", Sizes(1, 4), []int{1, 4, 1, 2}},
		{"Sizes exact", Sizes(2, 6), []int{2, 6}},
		{"custom", func(ready int) int { return ready - 1 }, []int{7, 1}},
		{"results below 1 count as 1", func(int) int { return -5 }, []int{1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConn(header, tt.chunking)
			sizes, data := readAll(t, c, 64)
			if !slices.Equal(sizes, tt.want) {
				t.Errorf("read sizes %v, want %v", sizes, tt.want)
			}
			if !bytes.Equal(data, header) {
				t.Errorf("read %q, want %q", data, header)
			}
			// EOF is sticky.
			if n, err := c.Read(make([]byte, 8)); n != 0 || err != io.EOF {
				t.Errorf("Read after EOF = %d, %v; want 0, io.EOF", n, err)
			}
		})
	}
}

func TestChunkingSeesReadyBytes(t *testing.T) {
	var seen []int
	c := NewConn(header, func(ready int) int {
		seen = append(seen, ready)
		return 3
	})
	readAll(t, c, 64)
	if want := []int{8, 5, 2}; !slices.Equal(seen, want) {
		t.Errorf("Chunking called with %v, want %v", seen, want)
	}
}

func TestRandom(t *testing.T) {
	input := make([]byte, 1000)
	for i := range input {
		input[i] = byte(i)
	}
	sizes1, data := readAll(t, NewConn(input, Random(42, 7)), 64)
	if !bytes.Equal(data, input) {
		t.Fatal("Random reads do not add up to the input")
	}
	for _, n := range sizes1 {
		if n < 1 || n > 7 {
			t.Fatalf("read of %d bytes, want 1..7", n)
		}
	}
	sizes2, _ := readAll(t, NewConn(input, Random(42, 7)), 64)
	if !slices.Equal(sizes1, sizes2) {
		t.Error("the same seed gave different reads")
	}
	sizes3, _ := readAll(t, NewConn(input, Random(43, 7)), 64)
	if slices.Equal(sizes1, sizes3) {
		t.Error("different seeds gave the same reads")
	}
	// Every size from 1 to max turns up.
	for n := 1; n <= 7; n++ {
		if !slices.Contains(sizes1, n) {
			t.Errorf("no read of %d bytes in %d reads", n, len(sizes1))
		}
	}
	// The sequence is fixed by the seed, on every platform and Go release
	// that keeps math/rand/v2's PCG.
	r := Random(1, 5)
	var got []int
	for range 12 {
		got = append(got, r(100))
	}
	if want := []int{3, 3, 4, 5, 5, 4, 2, 2, 5, 4, 3, 3}; !slices.Equal(got, want) {
		t.Errorf("Random(1, 5) gave %v, want %v", got, want)
	}
	if sizes, _ := readAll(t, NewConn(header, Random(9, 1)), 64); !slices.Equal(sizes, []int{1, 1, 1, 1, 1, 1, 1, 1}) {
		t.Errorf("Random(9, 1) gave %v, want one byte per read", sizes)
	}
}

func TestSmallBufferContinuesTheChunk(t *testing.T) {
	// Chunks of 5 read through a 2-byte buffer: 2+2+1, then 2+1 for the
	// last chunk of 3.
	sizes, data := readAll(t, NewConn(header, Fixed(5)), 2)
	if want := []int{2, 2, 1, 2, 1}; !slices.Equal(sizes, want) {
		t.Errorf("read sizes %v, want %v", sizes, want)
	}
	if !bytes.Equal(data, header) {
		t.Errorf("read %q, want %q", data, header)
	}
}

func TestChunkingPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"Fixed(0)":       func() { Fixed(0) },
		"Sizes()":        func() { Sizes() },
		"Sizes(1, 0)":    func() { Sizes(1, 0) },
		"Random(1, 0)":   func() { Random(1, 0) },
		"Random(1, -10)": func() { Random(1, -10) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		})
	}
}

func TestSizesCopiesItsList(t *testing.T) {
	list := []int{2, 3}
	ch := Sizes(list...)
	list[0] = 100
	if got := ch(1000); got != 2 {
		t.Errorf("first size %d, want 2", got)
	}
}
