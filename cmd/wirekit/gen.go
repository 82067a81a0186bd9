package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, genUsage)
		fs.PrintDefaults()
	}
	out := fs.String("o", ".", "write the generated files to `DIR`")
	pkg := fs.String("package", "", "Go package `NAME` (default: the schema's package)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if err := generate(fs.Arg(0), *out, *pkg, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// generate writes the Go code for the schema in file to dir.
func generate(file, dir, pkg string, stdout io.Writer) error {
	f, err := schema.ParseFile(file)
	if err != nil {
		return err
	}
	files, err := golang.Generate(f, golang.Options{Package: pkg, Source: filepath.ToSlash(filepath.Base(file))})
	if err != nil {
		return err
	}
	for _, gf := range files {
		name := filepath.Join(dir, gf.Name)
		if err := os.WriteFile(name, gf.Content, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", name)
	}
	return nil
}
