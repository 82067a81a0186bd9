package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// wirekit demo serves the orders service (shared/spec/orders-v1.md) twice
// on 127.0.0.1, with wirekit and with HTTP/1.1 + JSON from the standard
// library, each server in a process of its own; loads each in turn with the
// same requests in flight; and compares requests/s, latency, bytes on the
// wire, and the server's CPU time and allocations per request. Along the
// way it shows one request frame byte by byte.
//
// The files: demo_serve.go is the server process and its control protocol,
// demo_proc.go the parent's end of it; demo_load.go runs a load, with
// demo_wirekit.go and demo_http.go for each side's connections and
// demo_hist.go for latencies; demo_report.go, demo_svg.go and demo_frame.go
// write the output.

// demoConfig is the demo's flags.
type demoConfig struct {
	duration time.Duration
	conns    int
	depth    int
	json     bool
	svg      string
}

// warmup is the load before each measured window, which opens the
// connections, grows the buffers and lets the runtimes settle: a fifth of
// the window, at most a second.
func (c demoConfig) warmup() time.Duration { return min(c.duration/5, time.Second) }

func runDemo(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == serveCommand {
		return runDemoServe(args[1:], os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demoConfig
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long to measure each server, after a warm-up of a fifth of that (at most 1s)")
	fs.IntVar(&cfg.conns, "conns", 4, "wirekit load connections")
	fs.IntVar(&cfg.depth, "depth", 16, "requests in flight per wirekit connection, pipelined; HTTP, which cannot pipeline, gets conns×depth connections")
	fs.BoolVar(&cfg.json, "json", false, "print the results as JSON, and nothing else")
	fs.StringVar(&cfg.svg, "svg", "wirekit-demo.svg", "write a chart of the results to this SVG file; none if empty")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || cfg.conns < 1 || cfg.depth < 1 || cfg.duration <= 0 {
		fmt.Fprintln(stderr, "demo: takes no arguments; -conns, -depth and -duration must be positive")
		return 2
	}
	if err := demo(cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	return 0
}

func demo(cfg demoConfig, stdout, stderr io.Writer) error {
	r := demoResult{
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(),
		Conns: cfg.conns, Depth: cfg.depth, WarmupSec: cfg.warmup().Seconds(), DurationSec: cfg.duration.Seconds(),
	}
	var prog *progressLine
	if !cfg.json {
		prog = newProgressLine(stdout)
		fmt.Fprintf(stdout, "The orders service (WK orders v1) on 127.0.0.1, served by wirekit and by HTTP/1.1 + JSON\n"+
			"(net/http, encoding/json), each in a process of its own, loaded in turn with %d requests in\n"+
			"flight: %v of warm-up, then %v measured. %d CPUs, shared by the load and the server; %s %s.\n\n",
			cfg.conns*cfg.depth, cfg.warmup(), cfg.duration, r.CPUs, r.GoVersion, r.Platform)
	}
	for _, s := range demoSides {
		sr, err := runSide(s, cfg, prog, stdout, stderr)
		if err != nil {
			return err
		}
		r.Sides = append(r.Sides, sr)
	}
	r.Ratios = compareSides(r.Sides[0], r.Sides[1])
	if cfg.svg != "" {
		path, err := filepath.Abs(cfg.svg)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, svgChart(&r), 0o644); err != nil {
			return err
		}
		r.SVG = path
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(&r)
	}
	printDemoTable(stdout, &r)
	if r.SVG != "" {
		fmt.Fprintf(stdout, "\nChart: %s\n", r.SVG)
	}
	return nil
}

// runSide starts s's server process, shows it (unless the output is JSON),
// measures it, and stops it.
func runSide(s demoSide, cfg demoConfig, prog *progressLine, out, stderr io.Writer) (_ sideResult, err error) {
	srv, err := startServerProcess(s.proto, stderr)
	if err != nil {
		return sideResult{}, err
	}
	defer func() { err = errors.Join(err, srv.stop()) }()
	if !cfg.json {
		n := s.conns(cfg)
		fmt.Fprintf(out, "%s: server process %d on %s\n", s.name, srv.pid(), srv.addr)
		if s.show != nil {
			if err := s.show(out, srv.addr); err != nil {
				return sideResult{}, err
			}
		}
		fmt.Fprintf(out, "%s: load of %d connections × %d in flight\n", s.name, n, cfg.conns*cfg.depth/n)
	}
	return measureSide(s, cfg, srv, prog)
}
