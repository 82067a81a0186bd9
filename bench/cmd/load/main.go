// Command load drives one peer server of the benchmark and prints what it
// measured (package load): requests/s, p50/p99 latency, bytes on the wire per
// request, and the server's CPU time, allocations and memory, read from
// outside the server over the measured window.
//
//	load -proto wk -addr 127.0.0.1:7070 -conns 64 -depth 16 \
//	     -pid $(pidof wirekit-server) -stats 127.0.0.1:7071
//
// The runner (cmd/bench) starts it pinned to its own CPU; it can also be run
// by hand against any server of the benchmark.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/bench/load"
)

func main() {
	var cfg load.Config
	flag.StringVar(&cfg.Proto, "proto", load.ProtoWK, "protocol: wk, http, grpc-unary or grpc-stream")
	flag.StringVar(&cfg.Addr, "addr", "127.0.0.1:7070", "server address (loopback)")
	flag.IntVar(&cfg.Conns, "conns", 64, "connections")
	flag.IntVar(&cfg.Depth, "depth", 16, "requests in flight per connection")
	flag.IntVar(&cfg.Echo, "echo", 0, "send echo requests of this many bytes instead of orders")
	flag.Float64Var(&cfg.Rate, "rate", 0, "requests per second per connection, one at a time (0: closed loop at -depth)")
	flag.IntVar(&cfg.Sources, "sources", 0, "spread connections over this many source addresses 127.0.0.2... (0: kernel's choice)")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "load before the measured window")
	flag.DurationVar(&cfg.Duration, "duration", 3*time.Second, "measured window")
	flag.IntVar(&cfg.Server.Pid, "pid", 0, "server process id, whose CPU time and memory are read from /proc")
	flag.StringVar(&cfg.Server.Stats, "stats", "", "server's stats address, for its allocation count")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	r, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	fmt.Printf("%d requests in %.2fs: %.0f req/s\n", r.Requests, r.Seconds, r.RPS)
	fmt.Printf("latency: p50 %.1f us, p99 %.1f us, mean %.1f us, max %.1f us\n", r.P50, r.P99, r.Mean, r.Max)
	fmt.Printf("bytes on the wire: %.1f per request\n", r.BytesPerReq)
	fmt.Printf("client CPU: %.0f%% of its cores\n", 100*r.ClientCPU)
	if r.ServerCPU >= 0 {
		fmt.Printf("server CPU: %.3f us per request, %.0f%% of a core; RSS %d KiB\n", r.ServerCPUPerReq, 100*r.ServerCPU, r.ServerRSS>>10)
	}
	if r.AllocsPerReq >= 0 {
		fmt.Printf("server allocations: %.3f per request, %d GCs\n", r.AllocsPerReq, r.GCs)
	}
	if r.Bottleneck != "" {
		fmt.Printf("bottleneck: the %s\n", r.Bottleneck)
	}
}
