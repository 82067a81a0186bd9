// Command wirekit is the wirekit toolkit's command line.
//
//	wirekit demo [flags]            compare wirekit with HTTP/1.1 + JSON on this machine
//	wirekit gen [flags] FILE.wire   generate Go code from a schema
//	wirekit dissector FILE.wire     generate a Wireshark dissector in Lua
//	wirekit decode FILE.wire        decode frames: hex, a capture, standard input
//	wirekit doc FILE.wire -o DIR    write Markdown documentation with bit diagrams
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
  demo    serve the orders service (WK orders v1) with wirekit and with
          HTTP/1.1 + JSON on 127.0.0.1, load both, show a request frame, and
          compare requests/s, latency, wire bytes, server CPU and allocations
  gen     generate Go code from a .wire schema
  dissector
          generate a Wireshark dissector (Lua) from a .wire schema
  decode  decode frames (hex, a pcap capture, standard input) with a schema
  doc     write a schema's documentation: Markdown, bit diagrams, SVG
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
	case "dissector":
		return runDissector(args[1:], stdout, stderr)
	case "decode":
		return runDecode(args[1:], os.Stdin, stdout, stderr)
	case "doc":
		return runDoc(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "wirekit: unknown command %q\n\n%s", args[0], usage)
	return 2
}
