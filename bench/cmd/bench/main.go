// Command bench runs the side-by-side benchmark: it builds the peer servers
// and the load client, runs every scenario against every peer, interleaved
// (A B C, A B C, ...) for several repetitions, and prints a Markdown table of
// the medians; it also writes the table, the raw results and SVG charts to
// -out. Run it inside bench/:
//
//	go run ./cmd/bench [-reps 3] [-duration 2s] [-scenarios latency,throughput]
//
// Each server runs pinned to CPU 0 and the load client to CPU 1 (with
// taskset, where it exists and there are two CPUs), as separate processes: a
// process may hold 20,000 files here, and the many-connections scenario needs
// 10,000 on each side. The figure to compare is the server's CPU time per
// request: on two cores the load client is often the bottleneck, and the
// table says so where it was.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/bench/load"
)

// A peer is one implementation of the orders service: the server binary
// that serves it, with args, and the protocol the load client speaks to it.
type peer struct {
	name, server, proto string
	args                []string
}

var peers = []peer{
	// wirekit's default engine: the poll engine, on Linux.
	{"wirekit", "wirekit-server", load.ProtoWK, []string{"-engine", "auto"}},
	{"wirekit-goroutine", "wirekit-server", load.ProtoWK, []string{"-engine", "goroutine"}},
	// The poll engine with its loops polling epoll for up to 50 µs before
	// they park: server.Server.LoopSpin, off by default, for a process that
	// only serves, as these do.
	{"wirekit-spin", "wirekit-server", load.ProtoWK, []string{"-engine", "poll", "-loop-spin", "50us"}},
	{"net", "net-server", load.ProtoWK, nil},
	{"gnet", "gnet-server", load.ProtoWK, nil},
	{"http", "http-server", load.ProtoHTTP, nil},
	{"grpc-unary", "grpc-server", load.ProtoGRPCUnary, nil},
	{"grpc-stream", "grpc-server", load.ProtoGRPCStream, nil},
}

// A scenario is a shape of load.
type scenario struct {
	name, title string
	conns       int
	depth       int
	echo        int
	rate        float64 // per connection; 0 for a closed loop
	sources     int
	longer      int // the window is this many times -duration (1 if 0)
}

var scenarios = []scenario{
	{name: "latency", title: "1 connection x 1 in flight, NewOrder", conns: 1, depth: 1},
	{name: "throughput", title: "64 connections x 16 in flight, NewOrder", conns: 64, depth: 16},
	{name: "large", title: "16 connections x 4 in flight, 4 KiB echo", conns: 16, depth: 4, echo: 4096},
	// At 1 request/s per connection the window is made longer, so that the
	// server's CPU time, read in 10 ms ticks, is still counted precisely.
	// The rate is low enough for one client core to drive HTTP and gRPC.
	{name: "conns", title: "10,000 connections, each 1 NewOrder/s", conns: 10000, depth: 1, rate: 1, sources: 8, longer: 3},
}

type options struct {
	peers, scenarios []string
	reps             int
	warmup, duration time.Duration
	out              string
	profiles         string
}

func main() {
	var o options
	var peerList, scenarioList string
	flag.StringVar(&peerList, "peers", names(peers, func(p peer) string { return p.name }), "peers to run, comma-separated")
	flag.StringVar(&scenarioList, "scenarios", names(scenarios, func(s scenario) string { return s.name }), "scenarios to run, comma-separated")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of each run; the table quotes medians")
	// The defaults keep a full run to about five minutes on a quiet machine;
	// a window of 1 s is still 100 ticks of /proc's CPU time at full load.
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "load before each measured window")
	flag.DurationVar(&o.duration, "duration", time.Second, "measured window of each run")
	flag.StringVar(&o.out, "out", "results", "directory for results.md, results.json and the SVG charts")
	flag.StringVar(&o.profiles, "cpuprofile", "", "directory for a CPU profile of every server run (none if empty)")
	flag.Parse()
	o.peers, o.scenarios = strings.Split(peerList, ","), strings.Split(scenarioList, ",")
	// Stopped by hand, the runner still stops the server it has started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func names[T any](xs []T, name func(T) string) string {
	var s []string
	for _, x := range xs {
		s = append(s, name(x))
	}
	return strings.Join(s, ",")
}

func pick[T any](xs []T, want []string, name func(T) string) ([]T, error) {
	var out []T
	for _, w := range want {
		i := slices.IndexFunc(xs, func(x T) bool { return name(x) == w })
		if i < 0 {
			return nil, fmt.Errorf("unknown name %q; known: %s", w, names(xs, name))
		}
		out = append(out, xs[i])
	}
	return out, nil
}

// runResult is one run: a peer, a scenario, a repetition.
type runResult struct {
	Peer     string       `json:"peer"`
	Scenario string       `json:"scenario"`
	Rep      int          `json:"rep"`
	Result   *load.Result `json:"result,omitempty"`
	Err      string       `json:"error,omitempty"`
}

func run(ctx context.Context, o options, out io.Writer) error {
	ps, err := pick(peers, o.peers, func(p peer) string { return p.name })
	if err != nil {
		return err
	}
	ss, err := pick(scenarios, o.scenarios, func(s scenario) string { return s.name })
	if err != nil {
		return err
	}
	if o.reps < 1 {
		return errors.New("-reps must be at least 1")
	}
	bin, err := os.MkdirTemp("", "wirekit-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	fmt.Fprintln(os.Stderr, "building the servers and the load client...")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator), "./cmd/...")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build (run this inside bench/): %w", err)
	}
	if o.profiles != "" {
		if err := os.MkdirAll(o.profiles, 0o755); err != nil {
			return err
		}
	}
	pin := pinning()
	var results []runResult
	total, n := o.reps*len(ss)*len(ps), 0
	for rep := range o.reps {
		for _, s := range ss {
			// Interleaved, and rotated each repetition, so that no peer
			// always runs first or right after a given other.
			for k := range ps {
				p := ps[(k+rep)%len(ps)]
				n++
				fmt.Fprintf(os.Stderr, "[%d/%d] %s %s rep %d: ", n, total, s.name, p.name, rep+1)
				r, err := runQuiet(ctx, o, bin, pin, p, s, rep)
				rr := runResult{Peer: p.name, Scenario: s.name, Rep: rep + 1, Result: r}
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					rr.Err = err.Error()
					fmt.Fprintln(os.Stderr, "failed:", err)
				} else {
					fmt.Fprintf(os.Stderr, "%.0f req/s, server %.3f us/req, p99 %.1f us, other CPU %.2f\n", r.RPS, r.ServerCPUPerReq, r.P99, r.OtherCPU)
				}
				results = append(results, rr)
			}
		}
	}
	rep := newReport(o, pin, ss, ps, results)
	md := rep.markdown()
	fmt.Fprint(out, md)
	return rep.write(o.out, md, results)
}

// disturbed is the CPU, in cores, that the rest of the machine may use
// during a run before the run is deemed disturbed: the kernel's own network
// work stays well under it, a compiler or a test suite of another user of a
// shared machine does not.
const disturbed = 0.15

// runQuiet runs one run once the machine is quiet (waitQuiet), and runs it
// again, twice at most, if the rest of the machine was busy meanwhile; it
// returns the least disturbed attempt. Neither waiting nor retrying looks at
// the result, so neither biases a peer.
func runQuiet(ctx context.Context, o options, bin string, pin [2][]string, p peer, s scenario, rep int) (*load.Result, error) {
	var best *load.Result
	for attempt := range 3 {
		if err := waitQuiet(ctx); err != nil {
			return nil, err
		}
		if attempt > 0 {
			fmt.Fprintf(os.Stderr, "(disturbed: other CPU %.2f; again) ", best.OtherCPU)
			select {
			case <-time.After(2 * time.Second):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		r, err := runOne(ctx, o, bin, pin, p, s, rep)
		if err != nil {
			return nil, err
		}
		if best == nil || r.OtherCPU < best.OtherCPU {
			best = r
		}
		if best.OtherCPU <= disturbed {
			break
		}
	}
	return best, nil
}

// waitQuiet waits, 30 seconds at most, until the rest of the machine has
// used less than the disturbed threshold over half a second: on a shared
// machine, runs are better started in a lull than repeated.
func waitQuiet(ctx context.Context) error {
	const sample = 500 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	for {
		before, err := load.SystemCPU()
		if err != nil {
			return err
		}
		select {
		case <-time.After(sample):
		case <-ctx.Done():
			return ctx.Err()
		}
		after, err := load.SystemCPU()
		if err != nil {
			return err
		}
		busy := (after - before).Seconds() / sample.Seconds()
		if busy <= disturbed || time.Now().After(deadline) {
			return nil
		}
	}
}

// pinning returns the taskset prefixes for the server and the load client,
// or nils when the processes cannot be pinned apart.
func pinning() [2][]string {
	if _, err := exec.LookPath("taskset"); err != nil || runtime.NumCPU() < 2 {
		return [2][]string{}
	}
	return [2][]string{{"taskset", "-c", "0"}, {"taskset", "-c", "1"}}
}

func runOne(ctx context.Context, o options, bin string, pin [2][]string, p peer, s scenario, rep int) (*load.Result, error) {
	args := append([]string{"-addr", "127.0.0.1:0", "-stats", "127.0.0.1:0"}, p.args...)
	if o.profiles != "" {
		args = append(args, "-cpuprofile", filepath.Join(o.profiles, fmt.Sprintf("%s-%s-%d.pprof", p.name, s.name, rep+1)))
	}
	srv, err := startServer(ctx, pin[0], filepath.Join(bin, p.server), args)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	window := o.duration * time.Duration(max(s.longer, 1))
	largs := []string{
		"-json", "-proto", p.proto, "-addr", srv.addr,
		"-conns", fmt.Sprint(s.conns), "-depth", fmt.Sprint(s.depth),
		"-echo", fmt.Sprint(s.echo), "-rate", fmt.Sprint(s.rate), "-sources", fmt.Sprint(s.sources),
		"-warmup", o.warmup.String(), "-duration", window.String(),
		"-pid", fmt.Sprint(srv.cmd.Process.Pid), "-stats", srv.stats,
	}
	cmdline := append(slices.Clone(pin[1]), filepath.Join(bin, "load"))
	// The load ends by itself; the timeout only guards against a hang.
	lctx, cancel := context.WithTimeout(ctx, o.warmup+window+2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(lctx, cmdline[0], append(cmdline[1:], largs...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w: %s%s", err, strings.TrimSpace(stderr.String()), srv.failure())
	}
	var r load.Result
	if err := json.Unmarshal(stdout, &r); err != nil {
		return nil, fmt.Errorf("load output: %w", err)
	}
	return &r, nil
}
