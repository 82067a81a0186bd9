package main

import (
	"flag"
	"fmt"
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
	fs := flag.NewFlagSet("doc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, docUsage)
		fs.PrintDefaults()
	}
	out := fs.String("o", ".", "write the files to `DIR`, which is created if need be")
	files, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	err := func() error {
		f, err := schema.ParseFile(files[0])
		if err != nil {
			return err
		}
		gen, err := doc.Generate(f, doc.Options{Source: filepath.Base(files[0])})
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for _, gf := range gen {
			name := filepath.Join(*out, gf.Name)
			if err := os.WriteFile(name, gf.Content, 0o644); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "wrote", name)
		}
		return nil
	}()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
