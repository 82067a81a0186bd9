package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/wirekit/wirekit/gen/doc"
	"github.com/wirekit/wirekit/schema"
)

const docUsage = `usage: wirekit doc FILE.wire [-o DIR]

Writes the protocol's documentation: DIR/FILE.md, in Markdown, with an
RFC-style bit diagram of the frame and of every message, their fields,
enums and services; and each diagram as an SVG image, DIR/NAME.svg.

flags:
`

// runDoc is the doc command.
func runDoc(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("doc", docUsage, stderr)
	out := fs.String("o", ".", "write the files to `DIR`, which is created if need be")
	return runOnSchema(fs, args, stderr, func(f *schema.File, file string) error {
		gen, err := doc.Generate(f, doc.Options{Source: filepath.Base(file)})
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for _, gf := range gen {
			if err := writeFile(*out, gf.Name, gf.Content, stdout); err != nil {
				return err
			}
		}
		return nil
	})
}
