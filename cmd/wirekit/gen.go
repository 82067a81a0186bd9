package main

import (
	"io"
	"path/filepath"

	"github.com/wirekit/wirekit/gen/golang"
	"github.com/wirekit/wirekit/schema"
)

const genUsage = `usage: wirekit gen [-o DIR] [-package NAME] FILE.wire

Generates Go code from a schema: DIR/FILE.wire.go, with the messages, enums,
framing and services, and DIR/FILE.wire_test.go, with a fuzz target per
message. For go:generate:

	//go:generate go run github.com/wirekit/wirekit/cmd/wirekit gen -o . ../proto.wire

flags:
`

// runGen is the gen command.
func runGen(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("gen", genUsage, stderr)
	out := fs.String("o", ".", "write the generated files to `DIR`")
	pkg := fs.String("package", "", "Go package `NAME` (default: the schema's package)")
	return runOnSchema(fs, args, stderr, func(f *schema.File, file string) error {
		files, err := golang.Generate(f, golang.Options{Package: *pkg, Source: filepath.ToSlash(filepath.Base(file))})
		if err != nil {
			return err
		}
		for _, gf := range files {
			if err := writeFile(*out, gf.Name, gf.Content, stdout); err != nil {
				return err
			}
		}
		return nil
	})
}
