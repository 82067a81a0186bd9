package doc

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/schema"
)

var update = flag.Bool("update", false, "regenerate the checked-in documentation")

// goldens are the schemas whose documentation is checked in, and where.
// Regenerate it with
//
//	go test ./gen/doc -run Golden -update
var goldens = []struct{ schema, dir string }{
	{"../../examples/orders/orders.wire", "../../examples/orders/doc"},
}

func generate(t *testing.T, name string) []File {
	t.Helper()
	f, err := schema.ParseFile(name)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGolden fails if the checked-in documentation is not what the
// generator makes of its schema today, or if the directory holds files it
// does not make.
func TestGolden(t *testing.T) {
	for _, gd := range goldens {
		files := generate(t, gd.schema)
		made := map[string]bool{}
		for _, gf := range files {
			made[gf.Name] = true
			wktest.Golden(t, filepath.Join(gd.dir, gf.Name), gf.Content, *update, "go test ./gen/doc -run Golden -update")
		}
		entries, err := os.ReadDir(gd.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !made[e.Name()] {
				t.Errorf("%s: %s is not generated any more; remove it", gd.dir, e.Name())
			}
		}
	}
}

var schemas = []string{
	"../../examples/orders/orders.wire", "../golang/testdata/telemetry.wire", "../golang/testdata/features.wire",
	"../golang/testdata/websocket.wire", "../golang/testdata/dns.wire", "../golang/testdata/mixed.wire",
}

func TestDeterministic(t *testing.T) {
	for _, name := range schemas {
		a, b := generate(t, name), generate(t, name)
		for i := range a {
			if !bytes.Equal(a[i].Content, b[i].Content) {
				t.Errorf("%s: %s differs between runs", name, a[i].Name)
			}
		}
	}
}

// specFrame is the frame diagram of shared/spec/orders-v1.md.
const specFrame = `
 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-------------------------------+---------------+---------------+
|        magic 0x57 0x4B        |  version = 1  |     type      |
+-------------------------------+---------------+---------------+
|                          request id                           |
+---------------------------------------------------------------+
|                     payload length L (bytes)                  |
+---------------------------------------------------------------+
|                     payload (L bytes) ...                     |
+---------------------------------------------------------------+
|          CRC-32C (Castagnoli) of header + payload             |
+---------------------------------------------------------------+
`

// shape keeps of a diagram its ruler, its borders and where cells start
// and end: what does not depend on the labels.
func shape(d string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(d), "\n") {
		if strings.HasPrefix(line, "|") {
			b := []byte(line)
			for i, c := range b {
				if c != '|' && c != '/' {
					b[i] = ' '
				}
			}
			line = strings.TrimRight(strings.ReplaceAll(string(b), "/", "|"), " ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// TestSpecDiagram draws the reference protocol's frame as its
// specification does.
func TestSpecDiagram(t *testing.T) {
	f, err := schema.ParseFile("../../examples/orders/orders.wire")
	if err != nil {
		t.Fatal(err)
	}
	got := layout(f.Frame.Name, f.Frame.Fields).Text()
	if shape(got) != shape(specFrame) {
		t.Errorf("the frame's diagram:\n%s\nthe spec's:\n%s", got, specFrame)
	}
}

func TestDiagramBitFields(t *testing.T) {
	f, err := schema.Parse("p.wire", []byte("package p\nmessage M {\n  flag bool\n  kind u3 = 5\n  _ u4\n  long_name u16\n  n u8\n  data bytes(n)\n  tail u8\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := layout("M", f.Messages[0].Fields).Text()
	want := ` 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-+-----+-------+-------------------------------+---------------+
|f|kind |reserve|           long_name           |       n       |
|l| = 5 |   d   |                               |               |
|a|     |       |                               |               |
|g|     |       |                               |               |
+-+-----+-------+-------------------------------+---------------+
|                           data ...                            /
+---------------+-----------------------------------------------+
|     tail      |
+---------------+
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSVG(t *testing.T) {
	for _, gf := range generate(t, "../golang/testdata/websocket.wire") {
		if !strings.HasSuffix(gf.Name, ".svg") {
			continue
		}
		s := string(gf.Content)
		if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg"`) || !strings.HasSuffix(s, "</svg>\n") || strings.Count(s, "<rect") < 3 {
			t.Errorf("%s:\n%s", gf.Name, s)
		}
	}
}
