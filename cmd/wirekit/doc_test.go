package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocOrders writes the reference protocol's documentation and compares
// it with the checked-in one.
func TestDocOrders(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "doc")
	out := runOK(t, "", "doc", ordersWire, "-o", dir)
	entries, err := os.ReadDir("../../examples/orders/doc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(filepath.Join("../../examples/orders/doc", e.Name()))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from examples/orders/doc: regenerate it with go test ./gen/doc -run Golden -update", e.Name())
		}
		if !strings.Contains(out, e.Name()) {
			t.Errorf("stdout does not mention %s: %q", e.Name(), out)
		}
	}
}

func TestDocErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"doc"}, 2, "usage: wirekit doc"},
		{[]string{"doc", "missing.wire"}, 1, "no such file"},
		{[]string{"doc", ordersWire, "-o", "/dev/null/x"}, 1, "not a directory"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}
