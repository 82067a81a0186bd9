// Command orders-server serves WK orders v1, wirekit's reference protocol
// (shared/spec/orders-v1.md).
//
//	orders-server [-addr 127.0.0.1:7070] [-metrics 127.0.0.1:9090] [-engine poll|goroutine]
//
// -addr is the TCP address to serve the protocol on; -metrics, if given, an
// address where GET /metrics serves Prometheus metrics. External tools
// drive this binary: these flags are stable. On SIGINT or SIGTERM the server
// shuts down gracefully: it stops accepting, answers every request it has
// read, and closes; after -shutdown-timeout it closes what is left.
//
// -engine selects what runs the connections (see server.Engine): poll, the
// default, serves them on epoll event loops (-loops of them, one per CPU by
// default), where an idle connection costs a few hundred bytes; it runs on
// Linux, and elsewhere the server falls back to goroutine, one goroutine per
// connection, where an idle connection costs 3 to 4 KiB (see package
// server, "Memory of idle connections"). -loop-spin makes an idle poll
// loop poll epoll for up to that long, and -loop-block block in it for that
// long, before it parks: lower latency for a server that does nothing
// else (see server.Server.LoopSpin and LoopBlock).
//
// It prints the addresses it listens on once it does, so that a caller that
// asked for port 0 learns the port:
//
//	orders-server: serving WK orders v1 on 127.0.0.1:7070
//	orders-server: serving metrics on http://127.0.0.1:9090/metrics
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/server"
	"github.com/wirekit/wirekit/server/prom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx ends, then shuts down. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("orders-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:7070", "TCP address to serve WK orders v1 on")
	metricsAddr := fs.String("metrics", "", "address to serve Prometheus metrics on, at /metrics (none if empty)")
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "how long a graceful shutdown may take before connections are closed")
	maxConns := fs.Int("max-conns", 0, "connections served at once; 0 for no limit")
	idle := fs.Duration("idle-timeout", 0, "close connections idle this long; 0 for never")
	debug := fs.Bool("debug", false, "log connections and frames (as hex dumps)")
	engine := fs.String("engine", "poll", "what runs the connections: poll (epoll event loops; Linux) or goroutine")
	loops := fs.Int("loops", 0, "event loops of the poll engine; 0 for one per CPU")
	loopSpin := fs.Duration("loop-spin", 0, "how long, at most, an idle poll loop polls epoll before it waits (server.Server.LoopSpin); 0 never polls")
	loopBlock := fs.Duration("loop-block", 0, "how long an idle poll loop blocks in epoll before it parks in Go's poller (server.Server.LoopBlock); 0 parks at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "orders-server: unexpected arguments %q\n", fs.Args())
		return 2
	}
	var eng server.Engine
	switch *engine {
	case "poll":
		eng = server.EnginePoll
	case "goroutine":
		eng = server.EngineGoroutine
	default:
		fmt.Fprintf(stderr, "orders-server: -engine %q: want poll or goroutine\n", *engine)
		return 2
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	srv := ordersvc.NewServer()
	srv.Logger = logger
	srv.Engine = eng
	srv.Loops = *loops
	srv.LoopBlock = *loopBlock
	srv.LoopSpin = *loopSpin
	srv.MaxConns = *maxConns
	srv.IdleTimeout = *idle
	srv.FrameTimeout = 10 * time.Second // no frame of this protocol takes longer from a live peer

	var metricsSrv *http.Server
	var metricsLn net.Listener
	if *metricsAddr != "" {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		m, err := prom.New(reg)
		if err != nil {
			fmt.Fprintln(stderr, "orders-server:", err)
			return 1
		}
		srv.Metrics = m
		if metricsLn, err = net.Listen("tcp", *metricsAddr); err != nil {
			fmt.Fprintln(stderr, "orders-server:", err)
			return 1
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "orders-server:", err)
		if metricsLn != nil {
			metricsLn.Close()
		}
		return 1
	}
	fmt.Fprintf(stdout, "orders-server: serving WK orders v1 on %s\n", ln.Addr())
	if metricsSrv != nil {
		fmt.Fprintf(stdout, "orders-server: serving metrics on http://%s/metrics\n", metricsLn.Addr())
		go metricsSrv.Serve(metricsLn)
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	code := 0
	select {
	case err := <-served: // the listener failed
		fmt.Fprintln(stderr, "orders-server:", err)
		code = 1
	case <-ctx.Done():
		logger.Info("orders-server: shutting down", "timeout", *grace)
		sctx, cancel := context.WithTimeout(context.Background(), *grace)
		if err := srv.Shutdown(sctx); err != nil {
			logger.Warn("orders-server: shutdown cut short", "err", err)
		}
		cancel()
		if err := <-served; !errors.Is(err, server.ErrServerClosed) {
			fmt.Fprintln(stderr, "orders-server:", err)
			code = 1
		}
	}
	if metricsSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		metricsSrv.Shutdown(sctx)
		cancel()
	}
	return code
}
