package wire_test

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

// unhex turns "ac 02" into []byte{0xac, 0x02}; the test vectors are written
// the way a hex dump shows them.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// checkError fails t unless err is an *Error equal to want, reachable with
// errors.Is through want.Kind and errors.As.
func checkError(t *testing.T, err error, want wire.Error) {
	t.Helper()
	var e *wire.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want an *wire.Error", err)
	}
	if !errors.Is(err, want.Kind) {
		t.Errorf("errors.Is(%v, %v) = false", err, want.Kind)
	}
	if *e != want {
		t.Errorf("error = %+v, want %+v", *e, want)
	}
}

// mustPanic fails t unless f panics.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", name)
		}
	}()
	f()
}

var orders = []wire.ByteOrder{wire.BigEndian, wire.LittleEndian}

// reversed returns a reversed copy of b: the little-endian form of a
// big-endian vector.
func reversed(b []byte) []byte {
	r := slices.Clone(b)
	slices.Reverse(r)
	return r
}
