// Package serve runs one peer of the benchmark as a server process, the same
// way for every peer, so that the processes differ only in the peer:
//
//	<peer>-server [-addr 127.0.0.1:0] [-stats 127.0.0.1:0] [-cpuprofile FILE]
//
// It prints the addresses once it listens, for the runner to read:
//
//	listening on 127.0.0.1:40123
//	stats on 127.0.0.1:40124
//
// The stats address is the process's side channel for what cannot be read
// from outside: each connection to it gets one line, "mallocs N gcs M"
// (runtime.MemStats.Mallocs and NumGC), and is closed. The load client reads
// it at the start and the end of its measured window. A read stops the world
// for a moment, twice per run, which is why it is a request and not a
// ticker. CPU time is read from /proc instead, by the load client.
//
// On SIGINT or SIGTERM the server closes and the CPU profile, if any, is
// written.
package serve

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// Server is a running peer server.
type Server interface {
	Addr() net.Addr
	Close() error
}

// Main parses the command line, starts the server with start and serves
// until a signal. It does not return. A peer's own flags, defined on
// flag.CommandLine before the call, are parsed with the common ones.
func Main[S Server](name string, start func(addr string) (S, error)) {
	addr := flag.String("addr", "127.0.0.1:0", "TCP address to serve on")
	stats := flag.String("stats", "", "TCP address of the stats side channel (none if empty)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if err := run(name, *addr, *stats, *cpuprofile, start); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func run[S Server](name, addr, stats, cpuprofile string, start func(string) (S, error)) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	srv, err := start(addr)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Printf("listening on %s\n", srv.Addr())
	if stats != "" {
		ln, err := net.Listen("tcp", stats)
		if err != nil {
			return err
		}
		defer ln.Close()
		fmt.Printf("stats on %s\n", ln.Addr())
		go serveStats(ln)
	}
	<-sig
	return nil
}

func serveStats(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(c, "mallocs %d gcs %d\n", m.Mallocs, m.NumGC)
		c.Close()
	}
}
