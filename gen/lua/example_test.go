package lua_test

import (
	"fmt"
	"strings"

	"github.com/wirekit/wirekit/gen/lua"
	"github.com/wirekit/wirekit/schema"
)

func ExampleGenerate() {
	f, err := schema.Parse("chat.wire", []byte(`package chat

frame C {
    magic  u16 = 0xC4A7
    type   u8
    length u16 = len(body) max 4KiB
    body   message(type)
    crc    u32 = crc32c(magic .. body)
}

// Say posts a line to a room.
message Say = 1 {
    urgent bool
    level  u3       // how loud
    _      u4
    text   string(u8)
}
`))
	if err != nil {
		panic(err)
	}
	src, err := lua.Generate(f, lua.Options{Port: 9000})
	if err != nil {
		panic(err)
	}
	// The fields the dissector declares, one per item of the tree.
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "F[") {
			fmt.Println(line)
		}
	}
	// Output:
	// F["magic"] = ProtoField.uint16("chat.magic", "magic", base.HEX, nil, nil, nil)
	// F["type"] = ProtoField.uint8("chat.type", "type", base.DEC, V["@type"], nil, nil)
	// F["length"] = ProtoField.uint16("chat.length", "length", base.DEC, nil, nil, nil)
	// F["body"] = ProtoField.bytes("chat.body", "body", base.NONE, "the body, as bytes: its type is unknown")
	// F["crc"] = ProtoField.uint32("chat.crc", "crc", base.HEX, nil, nil, nil)
	// F["crc.status"] = ProtoField.uint8("chat.crc.status", "crc status", base.DEC, V["@status"], nil, "whether the checksum matches the bytes it covers")
	// F["say"] = ProtoField.none("chat.say", "Say", "Say posts a line to a room.")
	// F["say.urgent"] = ProtoField.bool("chat.say.urgent", "urgent", 8, nil, 0x80, nil)
	// F["say.level"] = ProtoField.uint8("chat.say.level", "level", base.DEC, nil, 0x70, "how loud")
	// F["say.reserved"] = ProtoField.uint8("chat.say.reserved", "reserved", base.DEC, nil, 0x0f, nil)
	// F["say.text.length"] = ProtoField.uint8("chat.say.text.length", "text length", base.DEC, nil, nil, nil)
	// F["say.text"] = ProtoField.string("chat.say.text", "text", base.UNICODE, nil)
}
