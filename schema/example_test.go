package schema_test

import (
	"fmt"

	"github.com/wirekit/wirekit/schema"
)

func ExampleParse() {
	f, err := schema.Parse("flags.wire", []byte(`package flags

message Header {
    version u4
    urgent  bool
    _       u3 = 0
    length  u16
    data    bytes(length)
}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, fl := range f.Messages[0].Fields {
		fmt.Printf("%-8s %-14s at byte %-4v stored: %v\n", fl.Name, fl.Type, fl.Offset, fl.Stored())
	}
	// Output:
	// version  u4             at byte 0    stored: true
	// urgent   bool           at byte 0.4  stored: true
	// _        u3             at byte 0.5  stored: false
	// length   u16            at byte 1    stored: false
	// data     bytes(length)  at byte 3    stored: true
}

func ExampleDiagnostic() {
	_, err := schema.Parse("flags.wire", []byte(`package flags

message Header {
    version u4
    data    bytes(u8)
}
`))
	fmt.Println(err)
	// Output:
	// flags.wire:5:5: field data starts 4 bits into a byte, but bytes fields start on a byte boundary
	//     data    bytes(u8)
	//     ^~~~
	// hint: the bit fields before it (version u4) fill 4 bits of their last byte; pad the byte with _ u4 before data
}
