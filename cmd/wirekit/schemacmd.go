package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wirekit/wirekit/schema"
)

// newFlagSet returns the flag set of the command name, which reports its
// own errors and prints usage, then the flags' defaults, on -h or a bad flag.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// runOnSchema is what gen, dissector and doc share: it parses args with fs,
// whose flags the command has defined, expects one FILE.wire among them,
// parses that schema and hands it to do. It returns the exit code: 0 after
// -h or when do succeeds, 2 after a bad command line (with the usage), 1
// after an error, which is printed.
func runOnSchema(fs *flag.FlagSet, args []string, stderr io.Writer, do func(f *schema.File, file string) error) int {
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
		err = do(f, files[0])
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

// writeFile writes a generated file to dir and names it on stdout, so that
// go generate and the doc command show what they touched.
func writeFile(dir, name string, content []byte, stdout io.Writer) error {
	name = filepath.Join(dir, name)
	if err := os.WriteFile(name, content, 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", name)
	return nil
}
