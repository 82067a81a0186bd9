package schema

import (
	"testing"
)

func TestDocComments(t *testing.T) {
	f, err := Parse("d.wire", []byte(`// Package p is documented
// on two lines.
package p

// A comment followed by a blank line documents nothing.

// M is documented.
message M { // and says more here
    // a is documented above
    a u8 // and beside
    b u8

    // c's comment
    c u8 ; d u8 // d's
}

enum E : u8 { x = 1  y = 2 } // beside the last value on the line
enum F : u8 {   // F's own
    z = 0
}
`))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Messages[0]
	for _, tt := range []struct{ got, want string }{
		{f.Doc, "Package p is documented\non two lines."},
		{m.Doc, "M is documented.\nand says more here"},
		{m.Fields[0].Doc, "a is documented above\nand beside"},
		{m.Fields[1].Doc, ""},
		{m.Fields[2].Doc, "c's comment"},
		{m.Fields[3].Doc, "d's"},
		{f.Enums[0].Doc, ""},
		{f.Enums[0].Values[0].Doc, ""},
		{f.Enums[0].Values[1].Doc, "beside the last value on the line"},
		{f.Enums[1].Doc, "F's own"},
	} {
		if tt.got != tt.want {
			t.Errorf("doc %q, want %q", tt.got, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	f, err := Parse("n.wire", []byte(`package p
message M {
    a u32 in {0x10, 0b101, 0o17, 1_000, 2KiB}
    b bytes(u32) max 1MiB
    c i8 = -128
}
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, r := range f.Messages[0].Fields[0].Rule.Ranges {
		got = append(got, r.Lo)
	}
	want := []uint64{16, 5, 15, 1000, 2048}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("numbers %v, want %v", got, want)
			break
		}
	}
	if m := f.Messages[0].Fields[1].Max; m != 1<<20 {
		t.Errorf("max %d", m)
	}
}

func TestKeywordsAsNames(t *testing.T) {
	// Keywords count only where the grammar expects them.
	f, err := Parse("k.wire", []byte(`package p
message message {
    type    u8
    max     u8
    in      u8
    message string(u8)
}
`))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Messages[0].Fields); n != 4 {
		t.Errorf("%d fields", n)
	}
}
