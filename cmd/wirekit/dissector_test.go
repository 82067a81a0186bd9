package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDissectorOrders writes the reference protocol's dissector, flags
// after the schema as the usage shows them, and compares it with the
// checked-in one.
func TestDissectorOrders(t *testing.T) {
	out := filepath.Join(t.TempDir(), "orders.lua")
	runOK(t, "", "dissector", ordersWire, "-o", out, "-port", "7070")
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../examples/orders/orders.lua")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wirekit dissector -port 7070 differs from examples/orders/orders.lua: regenerate it with go test ./gen/lua -run Golden -update")
	}
	if stdout := runOK(t, "", "dissector", "-port", "7070", ordersWire); stdout != string(want) {
		t.Errorf("the dissector on standard output differs from the file")
	}
}

func TestDissectorErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dissector"}, 2, "usage: wirekit dissector"},
		{[]string{"dissector", "a.wire", "b.wire"}, 2, "usage: wirekit dissector"},
		{[]string{"dissector", "-bogus", ordersWire}, 2, "flag provided but not defined"},
		{[]string{"dissector", "../../gen/golang/testdata/dns.wire"}, 1, "declares no frame"},
		{[]string{"dissector", ordersWire, "-name", "Bad"}, 1, `protocol name "Bad"`},
		{[]string{"dissector", "missing.wire"}, 1, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"dissector", "-h"}, &stdout, &stderr); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}
