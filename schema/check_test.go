package schema

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/wire"
)

var update = flag.Bool("update", false, "rewrite the expected diagnostics in testdata/invalid")

// TestInvalid parses each schema in testdata/invalid and compares the
// diagnostics, rendered, with the .err file beside it. Regenerate the .err
// files after changing a message with
//
//	go test ./schema -run Invalid -update
//
// and review the diff.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.wire")
	if err != nil || len(files) < 20 {
		t.Fatalf("%d invalid schemas, want at least 20 (%v)", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".wire")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(filepath.Base(file), src)
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse: %v, want Errors", err)
			}
			var d *Diagnostic
			if !errors.As(err, &d) || d != errs[0] {
				t.Errorf("errors.As does not find the first Diagnostic")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, ".wire") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func parseOrders(t *testing.T) *File {
	t.Helper()
	f, err := ParseFile("../examples/orders/orders.wire")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestOrdersLayout checks the resolved model of the reference protocol
// against shared/spec/orders-v1.md, bit by bit.
func TestOrdersLayout(t *testing.T) {
	f := parseOrders(t)
	if f.Package != "orderspb" || f.ByteOrder != wire.BigEndian || f.BitOrder != wire.MSBFirst {
		t.Errorf("file: %q %v %v", f.Package, f.ByteOrder, f.BitOrder)
	}
	o := f.Message("NewOrder")
	if o == nil || !o.HasID || o.ID != 3 || o.Bits != -1 || o.MinBits != 26*8 {
		t.Fatalf("NewOrder: %+v", o)
	}
	want := []struct {
		name          string
		bits, at      int // width and offset from the start, in bits
		shift, stored int // stored: 1 if a value of the message
	}{
		{"order_id", 64, 0, 0, 1},
		{"instrument", 32, 64, 0, 1},
		{"side", 1, 96, 7, 1},
		{"tif", 2, 97, 5, 1},
		{"_", 5, 99, 0, 0},
		{"price", 64, 104, 0, 1},
		{"qty", 32, 168, 0, 1},
		{"tag", -1, 200, 0, 1},
	}
	for i, w := range want {
		fl := o.Fields[i]
		if fl.Name != w.name || fl.Bits != w.bits || fl.Offset != (Offset{Bits: w.at}) || fl.Stored() != (w.stored == 1) {
			t.Errorf("field %d: %s %d bits at %v stored %v, want %+v", i, fl.Name, fl.Bits, fl.Offset, fl.Stored(), w)
		}
		if fl.Group != nil && fl.Group.Shift(fl) != w.shift {
			t.Errorf("%s: shift %d, want %d", fl.Name, fl.Group.Shift(fl), w.shift)
		}
	}
	if g := o.Fields[2].Group; g != o.Fields[4].Group || g.Bits != 8 || !g.Packed() {
		t.Errorf("side, tif and _ do not share one byte: %+v", g)
	}
	tag := o.Fields[7].Type
	if tag.Kind != KindString || !tag.ZeroCopy || tag.Size.Kind != SizePrefix || tag.Size.Prefix.Bits != 8 || o.Fields[7].Max != 255 {
		t.Errorf("tag: %+v max %d", tag, o.Fields[7].Max)
	}
	if o.Fields[7].Doc != "client's label for the order" {
		t.Errorf("tag doc %q", o.Fields[7].Doc)
	}

	fr := f.Frame
	if fr == nil || fr.Name != "WK" || fr.Max != 1<<20 || fr.LengthCountsFrame {
		t.Fatalf("frame %+v", fr)
	}
	roles := map[string]Role{"magic": RoleMagic, "version": RoleVersion, "type": RoleType, "id": RoleID, "length": RoleLength, "body": RoleBody, "crc": RoleChecksum}
	for _, fl := range fr.Fields {
		if roles[fl.Name] != fl.Role {
			t.Errorf("frame field %s has role %v", fl.Name, fl.Role)
		}
	}
	if cs := fr.Checksum; cs.Algo != "crc32c" || cs.From.Name != "magic" || cs.To != fr.Body {
		t.Errorf("checksum %+v", cs)
	}
	if crc := fr.Fields[6]; crc.Offset.After != fr.Body || crc.Offset.Bits != 0 {
		t.Errorf("crc at %v", crc.Offset)
	}
	if vs := fr.Versions(); len(vs) != 1 || vs[0] != 1 {
		t.Errorf("versions %v", vs)
	}
	if s := f.Services[0]; s.Name != "Orders" || len(s.Methods) != 2 || s.Methods[1].Request != o || s.Methods[1].Response.Name != "OrderAck" {
		t.Errorf("service %+v", s)
	}
	if e := f.Enums[1]; e.Name != "Tif" || e.Type.Bits != 2 || e.Lookup("fok").Value != 2 || e.Lookup("fok").Doc != "fill or kill" {
		t.Errorf("enum %+v", e)
	}
}

// TestLSBFirst checks where fields land with the other bit order: the
// first field takes the low bits.
func TestLSBFirst(t *testing.T) {
	f, err := Parse("t.wire", []byte(`package t
bit_order lsb
message M {
    a u3
    b u7
    c u6
    d u16le
    e string(d)
    f u8 if a == 1
}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Messages[0]
	g := m.Fields[0].Group
	for i, shift := range []int{0, 3, 10} {
		if s := g.Shift(m.Fields[i]); s != shift {
			t.Errorf("field %d: shift %d, want %d", i, s, shift)
		}
	}
	d, e, x := m.Fields[3], m.Fields[4], m.Fields[5]
	if d.Bits != 16 || d.Offset != (Offset{Bits: 16}) || d.Type.Order != wire.LittleEndian || d.LengthOf != e || d.Stored() {
		t.Errorf("d: %+v", d)
	}
	if e.Offset != (Offset{Bits: 32}) || e.Type.Size.Field != d || e.Max != 0xffff || x.Offset != (Offset{After: e}) {
		t.Errorf("e: %+v", e)
	}
	if c := x.Cond; c.Field != m.Fields[0] || c.Negate || c.Ranges[0] != (Range{1, 1}) || c.Text != "a == 1" {
		t.Errorf("cond %+v", c)
	}
}

func TestSignedValues(t *testing.T) {
	f, err := Parse("t.wire", []byte(`package t
enum E : i8 { low = -128  mid = 0  high = 127 }
message M {
    x i16 in {-300..-1, 5}
    _ i8 = -2
}
`))
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Enums[0].Values[0]; f.Enums[0].Type.Format(v.Value) != "-128" {
		t.Errorf("low = %s", f.Enums[0].Type.Format(v.Value))
	}
	x := f.Messages[0].Fields[0]
	if r := x.Rule.Ranges[0]; int64(r.Lo) != -300 || int64(r.Hi) != -1 || x.Rule.Text != "{-300..-1, 5}" {
		t.Errorf("rule %+v %q", x.Rule.Ranges, x.Rule.Text)
	}
	if c := f.Messages[0].Fields[1].Const; int64(c.Int) != -2 {
		t.Errorf("const %d", int64(c.Int))
	}
}

// FuzzParse feeds Parse arbitrary text: it reports problems, never panics.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/invalid/*.wire")
	seeds = append(seeds, "../examples/orders/orders.wire")
	more, _ := filepath.Glob("../gen/golang/testdata/*.wire")
	for _, s := range append(seeds, more...) {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, err := Parse("fuzz.wire", src)
		if (file == nil) == (err == nil) {
			t.Fatalf("Parse returned %v and %v", file, err)
		}
		if err != nil {
			_ = err.Error()
		}
	})
}
