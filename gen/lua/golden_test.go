package lua

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/schema"
)

var update = flag.Bool("update", false, "regenerate the checked-in dissectors")

// goldens are the dissectors checked in, and how they are generated.
// Regenerate them with
//
//	go test ./gen/lua -run Golden -update
var goldens = []struct {
	schema, file string
	opts         Options
}{
	{"../../examples/orders/orders.wire", "../../examples/orders/orders.lua", Options{Port: 7070}},
}

// TestGolden fails if a checked-in dissector is not what the generator
// makes of its schema today.
func TestGolden(t *testing.T) {
	for _, gd := range goldens {
		t.Run(filepath.Base(gd.file), func(t *testing.T) {
			wktest.Golden(t, gd.file, generate(t, gd.schema, gd.opts), *update, "go test ./gen/lua -run Golden -update")
		})
	}
}

// framed are the test schemas with a frame: the ones a dissector can be
// generated for.
var framed = []string{"../../examples/orders/orders.wire", "../golang/testdata/telemetry.wire", "../golang/testdata/mixed.wire"}

func TestDeterministic(t *testing.T) {
	for _, name := range framed {
		a, b := generate(t, name, Options{}), generate(t, name, Options{})
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the dissector differs between runs", name)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	for _, tt := range []struct {
		src  string
		opts Options
		want string
	}{
		{"package p\nmessage M { x u8 }\n", Options{}, "declares no frame"},
		{"package p\nframe F {\n type u8\n length u8 = len(body)\n body message(type)\n}\n", Options{Port: 70000}, "port 70000"},
		{"package p\nframe F {\n type u8\n length u8 = len(body)\n body message(type)\n}\n", Options{Name: "Not-a-name"}, `protocol name "Not-a-name"`},
		{"package p\nframe F {\n type u8\n length u8 = len(body)\n new_order u8\n body message(type)\n}\nmessage NewOrder = 1 {}\n", Options{}, "p.new_order names both"},
		{"package p\nframe F {\n type u8\n n uvarint\n length u8 = len(body)\n body message(type)\n}\n", Options{}, "frame field n has no fixed size"},
	} {
		f, err := schema.Parse("p.wire", []byte(tt.src))
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if _, err := Generate(f, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

func generate(t *testing.T, name string, opts Options) []byte {
	t.Helper()
	f, err := schema.ParseFile(name)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Generate(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
