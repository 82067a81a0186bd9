package golang_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/wirekit/wirekit/gen/golang"
	"github.com/wirekit/wirekit/schema"
)

func ExampleGenerate() {
	f, err := schema.Parse("point.wire", []byte(`package point

// Point is a place on a grid.
message Point {
    x i16
    y i16
}
`))
	if err != nil {
		log.Fatal(err)
	}
	files, err := golang.Generate(f, golang.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, gf := range files {
		fmt.Println(gf.Name)
	}
	code := files[0].Content
	start := bytes.Index(code, []byte("// Point is"))
	end := bytes.Index(code, []byte("// Size returns"))
	fmt.Printf("%s", code[start:end])
	// Output:
	// point.wire.go
	// point.wire_test.go
	// // Point is a place on a grid.
	// //
	// // Layout (offsets in bytes.bits; after a field whose size varies, counted from its end):
	// //
	// //	0  x  i16
	// //	2  y  i16
	// type Point struct {
	// 	X int16
	// 	Y int16
	// }
	//
}
