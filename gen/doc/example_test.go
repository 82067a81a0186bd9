package doc_test

import (
	"fmt"
	"strings"

	"github.com/wirekit/wirekit/gen/doc"
	"github.com/wirekit/wirekit/schema"
)

func ExampleGenerate() {
	f, err := schema.Parse("chat.wire", []byte(`package chat

// Say posts a line to a room.
message Say = 1 {
    urgent bool
    level  u3       // how loud
    _      u4
    room   u16
    text   string(u8)
}

frame C {
    magic  u16 = 0xC4A7
    type   u8
    length u16 = len(body) max 4KiB
    body   message(type)
}
`))
	if err != nil {
		panic(err)
	}
	files, err := doc.Generate(f, doc.Options{})
	if err != nil {
		panic(err)
	}
	for _, gf := range files {
		fmt.Println(gf.Name)
	}
	// The diagram of Say, from the Markdown page.
	page := string(files[0].Content)
	start := strings.Index(page, "## Say")
	start += strings.Index(page[start:], "```\n") + 4
	fmt.Print(page[start : start+strings.Index(page[start:], "```")])
	// Output:
	// chat.md
	// C.svg
	// Say.svg
	//  0                   1                   2                   3
	//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
	// +-+-----+-------+-------------------------------+---------------+
	// |u|level|reserve|             room              |  text length  |
	// |r|     |   d   |                               |               |
	// |g|     |       |                               |               |
	// |e|     |       |                               |               |
	// |n|     |       |                               |               |
	// |t|     |       |                               |               |
	// +-+-----+-------+-------------------------------+---------------+
	// |                           text ...                            /
	// +---------------------------------------------------------------+
}
