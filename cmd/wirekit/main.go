// Command wirekit is the wirekit toolkit's command line.
//
//	wirekit demo [flags]            run the reference protocol over loopback and report
//	wirekit gen [flags] FILE.wire   generate Go code from a schema
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: wirekit <command> [flags]

commands:
  demo    serve the reference protocol (WK orders v1) on 127.0.0.1, drive it
          with pipelined orders, show frames as hex dumps and report frames/s
  gen     generate Go code from a .wire schema
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "gen":
		return runGen(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "wirekit: unknown command %q\n\n%s", args[0], usage)
	return 2
}
