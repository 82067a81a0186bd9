package main

import (
	"errors"
	"flag"
	"fmt"
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
	fs := flag.NewFlagSet("dissector", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, dissectorUsage)
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "write the dissector to `FILE` (default: standard output)")
	name := fs.String("name", "", "the protocol's filter name `PROTO` (default: the schema file's base name)")
	port := fs.Int("port", 0, "the TCP and UDP `port` to dissect until preferences say otherwise (0: none; streams are still found by their magic bytes)")
	files, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	f, err := schema.ParseFile(files[0])
	if err == nil {
		var src []byte
		src, err = lua.Generate(f, lua.Options{Name: *name, Port: *port, Source: filepath.Base(files[0])})
		if err == nil {
			err = writeOutput(*out, src, stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// parseArgs parses args with fs, taking flags before and after the
// positional arguments (wirekit dissector FILE.wire -o NAME.lua), which
// the flag package alone stops at. It returns the positional arguments,
// and an exit code if the command is done: 0 after -h, 2 after a bad flag;
// -1 otherwise.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return nil, 2
		}
		if fs.NArg() == 0 {
			return pos, -1
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
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
