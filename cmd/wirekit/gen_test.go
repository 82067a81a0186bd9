package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenOrders generates the reference protocol's package into a temporary
// directory and compares it with the checked-in one.
func TestGenOrders(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen", "-o", dir, "-package", "orderspb", "../../examples/orders/orders.wire"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	for _, name := range []string{"orders.wire.go", "orders.wire_test.go"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("../../examples/orders/orderspb", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from examples/orders/orderspb/%s: regenerate with go generate ./examples/orders/orderspb", name, name)
		}
		if !strings.Contains(stdout.String(), name) {
			t.Errorf("stdout does not mention %s: %q", name, &stdout)
		}
	}
}

func TestGenPackageFlag(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen", "-o", dir, "-package", "wk", "../../examples/orders/orders.wire"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "orders.wire.go"))
	if err != nil || !bytes.Contains(b, []byte("\npackage wk\n")) {
		t.Errorf("package clause not wk: %v", err)
	}
}

func TestGenErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.wire")
	if err := os.WriteFile(bad, []byte("package p\n\nmessage M {\n    x u3\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gen"}, 2, "usage: wirekit gen"},
		{[]string{"gen", "-o", dir, bad}, 1, "bad.wire:4:5: M ends 3 bits into a byte\n    x u3\n    ^\nhint: pad it to a byte boundary: _ u5\n"},
		{[]string{"gen", filepath.Join(dir, "missing.wire")}, 1, "no such file"},
		{[]string{"gen", "-package", "not-a-name", "-o", dir, "../../examples/orders/orders.wire"}, 1, `package name "not-a-name" is not a Go identifier`},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}
