package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/server"
)

// The demo runs each server in a process of its own, so that the CPU time
// and the allocations it reports are the server's alone, not the load
// client's. That process is this program again, run by the demo with the
// hidden arguments
//
//	demo serve -proto wirekit|http
//
// It serves on 127.0.0.1, writes "addr=HOST:PORT" on stdout, then answers
// the control protocol on stdin and stdout, one line each way:
//
//	parent: stats        child: cpu_ns=N mallocs=M
//
// where N is the process's CPU time so far in nanoseconds (user + system,
// see processCPU) and M its runtime.MemStats.Mallocs. The end of stdin,
// whether the parent closed it or died, stops the server and the process.
const serveCommand = "serve"

// runDemoServe is the server process: args follow "demo serve".
func runDemoServe(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	proto := fs.String("proto", "", "the server: wirekit or http")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := serveDemo(*proto, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "demo serve -proto %s: %v\n", *proto, err)
		return 1
	}
	return 0
}

// orderServer is what *server.Server and *http.Server have in common.
type orderServer interface {
	Serve(net.Listener) error
	Close() error
}

func newOrderServer(proto string) (orderServer, error) {
	switch proto {
	case "wirekit":
		s := ordersvc.NewServer()
		s.Logger = slog.New(slog.DiscardHandler)
		return s, nil
	case "http":
		return &http.Server{
			Handler:           ordersHTTP(),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          log.New(io.Discard, "", 0),
		}, nil
	}
	return nil, fmt.Errorf("unknown server %q: want wirekit or http", proto)
}

func serveDemo(proto string, stdin io.Reader, stdout io.Writer) error {
	srv, err := newOrderServer(proto)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintf(stdout, "addr=%s\n", ln.Addr()); err != nil {
		srv.Close()
		return err
	}
	ctlErr := answerControl(stdin, stdout)
	srv.Close()
	if err := <-served; !errors.Is(err, server.ErrServerClosed) && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctlErr
}

// answerControl answers the parent's stats requests until stdin ends. The
// answer is written without allocating, so that it does not count itself.
func answerControl(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	var ms runtime.MemStats
	var line []byte
	for sc.Scan() {
		if string(sc.Bytes()) != "stats" {
			return fmt.Errorf("control: unknown request %q", sc.Bytes())
		}
		cpu, err := processCPU()
		if err != nil {
			return err
		}
		runtime.ReadMemStats(&ms)
		line = procStats{CPU: cpu, Mallocs: ms.Mallocs}.append(line[:0])
		if _, err := out.Write(line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// procStats is a server process's answer to "stats".
type procStats struct {
	CPU     time.Duration // CPU time used so far, all threads, user + system
	Mallocs uint64        // heap objects allocated so far
}

// append appends s as a line of the control protocol.
func (s procStats) append(dst []byte) []byte {
	dst = append(dst, "cpu_ns="...)
	dst = strconv.AppendInt(dst, int64(s.CPU), 10)
	dst = append(dst, " mallocs="...)
	dst = strconv.AppendUint(dst, s.Mallocs, 10)
	return append(dst, '\n')
}

// parseProcStats parses a line written by procStats.append, without its newline.
func parseProcStats(line string) (procStats, error) {
	var s procStats
	cpu, mallocs, ok := strings.Cut(line, " ")
	cpu, ok1 := strings.CutPrefix(cpu, "cpu_ns=")
	mallocs, ok2 := strings.CutPrefix(mallocs, "mallocs=")
	if !ok || !ok1 || !ok2 {
		return s, fmt.Errorf("control: stats answer %q is not cpu_ns=N mallocs=M", line)
	}
	ns, err := strconv.ParseInt(cpu, 10, 64)
	if err != nil || ns < 0 {
		return s, fmt.Errorf("control: stats answer %q: bad cpu_ns", line)
	}
	s.CPU = time.Duration(ns)
	if s.Mallocs, err = strconv.ParseUint(mallocs, 10, 64); err != nil {
		return s, fmt.Errorf("control: stats answer %q: bad mallocs", line)
	}
	return s, nil
}
