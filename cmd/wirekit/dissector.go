package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/wirekit/wirekit/gen/lua"
	"github.com/wirekit/wirekit/schema"
)

const dissectorUsage = `usage: wirekit dissector FILE.wire [-o NAME.lua] [-name PROTO] [-port N]

Generates a Wireshark dissector in Lua from a schema with a frame. Load it
with wireshark -X lua_script:NAME.lua (or tshark), or copy it to Wireshark's
personal Lua plugins folder. Fields are named after the schema:
PROTO.MESSAGE.FIELD, such as orders.new_order.price.

flags:
`

// runDissector is the dissector command.
func runDissector(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("dissector", dissectorUsage, stderr)
	out := fs.String("o", "", "write the dissector to `FILE` (default: standard output)")
	name := fs.String("name", "", "the protocol's filter name `PROTO` (default: the schema file's base name)")
	port := fs.Int("port", 0, "the TCP and UDP `port` to dissect until preferences say otherwise (0: none; streams are still found by their magic bytes)")
	return runOnSchema(fs, args, stderr, func(f *schema.File, file string) error {
		src, err := lua.Generate(f, lua.Options{Name: *name, Port: *port, Source: filepath.Base(file)})
		if err != nil {
			return err
		}
		return writeOutput(*out, src, stdout)
	})
}

// writeOutput writes data to the file named out, or to stdout if out is
// empty or "-".
func writeOutput(out string, data []byte, stdout io.Writer) error {
	if out == "" || out == "-" {
		_, err := stdout.Write(data)
		return err
	}
	return os.WriteFile(out, data, 0o644)
}
