package golang

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/schema"
)

var update = flag.Bool("update", false, "regenerate the checked-in generated code")

// goldens are the schemas whose generated code is checked in, and where.
// The generated packages are compiled and tested like any other, so they
// double as the generator's golden files: a change to the generator shows
// as a diff in them. Regenerate them all with
//
//	go test ./gen/golang -run Golden -update
var goldens = []struct{ schema, dir string }{
	{"../../examples/orders/orders.wire", "../../examples/orders/orderspb"},
	{"testdata/dns.wire", "internal/testpb/dnspb"},
	{"testdata/websocket.wire", "internal/testpb/websocketpb"},
	{"testdata/telemetry.wire", "internal/testpb/telemetrypb"},
	{"testdata/features.wire", "internal/testpb/featurespb"},
}

// TestGolden fails if checked-in generated code is not what the generator
// makes of its schema today: CI runs it, so stale code does not land.
func TestGolden(t *testing.T) {
	for _, gd := range goldens {
		t.Run(filepath.Base(gd.schema), func(t *testing.T) {
			f, err := schema.ParseFile(gd.schema)
			if err != nil {
				t.Fatal(err)
			}
			files, err := Generate(f, Options{Source: filepath.Base(gd.schema)})
			if err != nil {
				t.Fatal(err)
			}
			for _, gf := range files {
				wktest.Golden(t, filepath.Join(gd.dir, gf.Name), gf.Content, *update, "go test ./gen/golang -run Golden -update")
			}
		})
	}
}

// TestDeterministic generates each schema twice.
func TestDeterministic(t *testing.T) {
	for _, gd := range goldens {
		f, err := schema.ParseFile(gd.schema)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := Generate(f, Options{})
		b, _ := Generate(f, Options{})
		for i := range a {
			if !bytes.Equal(a[i].Content, b[i].Content) {
				t.Errorf("%s: %s differs between runs", gd.schema, a[i].Name)
			}
		}
	}
}
