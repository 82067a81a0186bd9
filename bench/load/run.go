// Package load is the benchmark's load client: it drives one peer server with
// a given shape of load (connections, requests in flight on each, payload,
// rate) and measures, over a window after a warm-up, requests/s, latency
// percentiles, bytes on the wire per request, and the server's CPU time and
// allocations per request.
//
// A wrong answer, or a failed request, ends the run with an error: a peer
// that does not answer by the spec is not measured.
//
// Every protocol is driven the same way: a lane per connection, each keeping
// Depth requests in flight (closed loop), or sending Rate requests per second
// (open loop, for many mostly idle connections). The hot loops record each
// latency into a shared log-linear Histogram with one atomic add and, for the
// WK protocol, allocate nothing per request; the HTTP and gRPC clients
// allocate what their libraries allocate.
//
// What the server spends is read from outside the server: its CPU time from
// /proc/PID/stat at both ends of the window, its allocation count from its
// stats side channel (package serve), its resident memory from
// /proc/PID/statm. The client's own CPU time is read the same way, to tell
// when the client, not the server, is the bottleneck.
package load

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Protocols the load client speaks.
const (
	ProtoWK         = "wk"          // WK orders v1 over TCP: wirekit, net, gnet
	ProtoHTTP       = "http"        // HTTP/1.1 + JSON
	ProtoGRPCUnary  = "grpc-unary"  // gRPC, one unary RPC per request
	ProtoGRPCStream = "grpc-stream" // gRPC, one bidi stream per connection
)

// Config is the shape of a load.
type Config struct {
	Proto string
	Addr  string
	// Conns is the number of connections; Depth the requests each keeps in
	// flight (closed loop). HTTP/1.1 has no pipelining, so there Depth
	// callers share each connection and wait for it in turn.
	Conns, Depth int
	// Echo is the payload size of echo requests; 0 sends NewOrders.
	Echo int
	// Rate, if positive, makes each connection send that many requests per
	// second, one at a time, from a random phase (open loop); Depth is then
	// 1.
	Rate float64
	// Sources spreads the connections over that many loopback source
	// addresses (see Dialer); 0 leaves the choice to the kernel.
	Sources int
	// Warmup runs before the measured window of Duration.
	Warmup, Duration time.Duration
	// Server is the process to measure.
	Server Probe
}

// Probe says where to read the server's figures. A zero Pid or empty Stats
// leaves the figures it gives out (as -1).
type Probe struct {
	Pid   int
	Stats string // address of the server's stats side channel
}

// Result is what one run measured, over its window.
type Result struct {
	Requests uint64  `json:"requests"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"rps"`
	// Latencies in microseconds.
	P50  float64 `json:"p50_us"`
	P99  float64 `json:"p99_us"`
	Mean float64 `json:"mean_us"`
	Max  float64 `json:"max_us"`
	// BytesPerReq counts both directions, above TCP.
	BytesPerReq float64 `json:"bytes_per_req"`
	// ServerCPUPerReq is the server's CPU time per request in microseconds;
	// ServerCPU and ClientCPU the share of one core, and of the client's
	// cores, used over the window.
	ServerCPUPerReq float64 `json:"server_cpu_us_per_req"`
	ServerCPU       float64 `json:"server_cpu"`
	ClientCPU       float64 `json:"client_cpu"`
	// ReadsPerReq and WritesPerReq are the server's read and write system
	// calls per request: how well it batches.
	ReadsPerReq  float64 `json:"reads_per_req"`
	WritesPerReq float64 `json:"writes_per_req"`
	// OtherCPU is the CPU, in cores, that the rest of the machine used
	// over the window: other processes and kernel threads. On a shared
	// machine a run with much of it was disturbed.
	OtherCPU     float64 `json:"other_cpu"`
	AllocsPerReq float64 `json:"allocs_per_req"`
	GCs          int64   `json:"gcs"`
	// ClientGCs are the load client's own GC cycles in the window: with
	// thousands of HTTP or gRPC connections on one core, a client GC shows
	// in the latency tail.
	ClientGCs int64 `json:"client_gcs"`
	ServerRSS int64 `json:"server_rss_bytes"`
	// Bottleneck is "client" when the client used nearly all its CPU while
	// the server did not, "server" when the server used nearly all its core,
	// and empty otherwise (latency bound).
	Bottleneck string `json:"bottleneck"`
}

// saturated is the share of a core above which a process is deemed the
// bottleneck: /proc's 10 ms ticks and the runtime's own idle time keep a
// saturated process a little under 100%.
const saturated = 0.9

// lane is one connection's share of the load: its counts, and the shard of
// the histogram it records into.
type lane struct {
	done   atomic.Uint64 // answers received
	hist   *Histogram
	record *atomic.Bool // whether the measured window is open
	_      [40]byte     // pads a lane to 64 bytes: lanes' counters share no cache line
}

// answered counts one good answer and its latency.
func (l *lane) answered(d time.Duration) {
	l.done.Add(1)
	if l.record.Load() {
		l.hist.Record(d)
	}
}

// driver runs the lanes of one protocol.
type driver interface {
	// setup opens lane i's connection and checks it with one request.
	setup(ctx context.Context, i int) error
	// run drives lane i until ctx ends.
	run(ctx context.Context, i int, l *lane) error
	// close closes every connection the driver opened.
	close()
}

// Run drives the load and measures it.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Conns <= 0 || cfg.Depth <= 0 || cfg.Duration <= 0 {
		return nil, errors.New("load: Conns, Depth and Duration must be positive")
	}
	if cfg.Sources < 0 || cfg.Sources > 253 {
		return nil, errors.New("load: Sources must be within 0..253")
	}
	if cfg.Rate > 0 {
		cfg.Depth = 1
	}
	meter := new(Meter)
	dialer := &Dialer{Sources: cfg.Sources, Meter: meter}
	var d driver
	switch cfg.Proto {
	case ProtoWK:
		d = newWKDriver(&cfg, dialer)
	case ProtoHTTP:
		d = newHTTPDriver(&cfg, dialer)
	case ProtoGRPCUnary, ProtoGRPCStream:
		d = newGRPCDriver(&cfg, dialer)
	default:
		return nil, fmt.Errorf("load: unknown protocol %q", cfg.Proto)
	}
	defer d.close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := setupAll(ctx, d, cfg.Conns); err != nil {
		return nil, err
	}

	var record atomic.Bool
	hists := make([]*Histogram, min(cfg.Conns, 64))
	for i := range hists {
		hists[i] = new(Histogram)
	}
	lanes := make([]lane, cfg.Conns)
	var wg sync.WaitGroup
	failed := make(chan error, 1)
	for i := range lanes {
		l := &lanes[i]
		l.hist, l.record = hists[i%len(hists)], &record
		wg.Go(func() {
			if err := d.run(ctx, i, l); err != nil && ctx.Err() == nil {
				select {
				case failed <- fmt.Errorf("connection %d: %w", i, err):
				default:
				}
				cancel()
			}
		})
	}
	defer wg.Wait() // after cancel, which runs first
	defer cancel()

	if err := sleep(ctx, failed, cfg.Warmup); err != nil {
		return nil, err
	}
	s0, err := takeSnapshot(cfg.Server, lanes, meter)
	if err != nil {
		return nil, err
	}
	record.Store(true)
	if err := sleep(ctx, failed, cfg.Duration); err != nil {
		return nil, err
	}
	record.Store(false)
	s1, err := takeSnapshot(cfg.Server, lanes, meter)
	if err != nil {
		return nil, err
	}
	hist := new(Histogram)
	for _, h := range hists {
		hist.Add(h)
	}
	return s1.result(s0, hist), nil
}

// setupAll sets the lanes up, at most 128 at a time: a listen backlog is
// finite, and 10,000 handshakes at once would overflow it.
func setupAll(ctx context.Context, d driver, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, 128)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := d.setup(ctx, i); err != nil {
				select {
				case errc <- fmt.Errorf("connection %d: %w", i, err):
				default:
				}
				cancel()
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return ctx.Err()
	}
}

// sleep waits for d, unless a lane fails or ctx ends first.
func sleep(ctx context.Context, failed <-chan error, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case err := <-failed:
		return err
	case <-ctx.Done():
		select {
		case err := <-failed:
			return err
		default:
			return ctx.Err()
		}
	}
}

// snapshot is the state of the counters at one end of the window.
type snapshot struct {
	at        time.Time
	done      uint64
	bytes     uint64
	serverCPU time.Duration // -1 if unknown
	clientCPU time.Duration
	systemCPU time.Duration
	clientGCs uint32
	mallocs   int64 // -1 if unknown
	gcs       int64
	rss       int64
	reads     int64 // -1 if unknown
	writes    int64
}

func takeSnapshot(p Probe, lanes []lane, m *Meter) (s snapshot, err error) {
	s.serverCPU, s.mallocs, s.gcs, s.rss, s.reads = -1, -1, -1, -1, -1
	if p.Stats != "" {
		if s.mallocs, s.gcs, err = readStats(p.Stats); err != nil {
			return s, fmt.Errorf("server stats: %w", err)
		}
	}
	if p.Pid > 0 {
		if s.serverCPU, err = ProcCPU(p.Pid); err != nil {
			return s, err
		}
		if s.rss, err = ProcRSS(p.Pid); err != nil {
			return s, err
		}
		if s.reads, s.writes, err = ProcIO(p.Pid); err != nil {
			return s, err
		}
	}
	if s.clientCPU, err = ProcCPU(os.Getpid()); err != nil {
		return s, err
	}
	if s.systemCPU, err = SystemCPU(); err != nil {
		return s, err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.clientGCs = ms.NumGC
	s.at = time.Now()
	for i := range lanes {
		s.done += lanes[i].done.Load()
	}
	s.bytes = m.Bytes()
	return s, nil
}

// readStats asks the server's stats side channel for its allocation and GC
// counts: one line, "mallocs N gcs M".
func readStats(addr string) (mallocs, gcs int64, err error) {
	// Loopback can drop a SYN when 10,000 connections are busy; the kernel
	// sends it again after 1 and 3 more seconds: give it time for that.
	c, err := net.DialTimeout("tcp", addr, 15*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, 0, err
	}
	return parseStats(line)
}

func parseStats(line string) (mallocs, gcs int64, err error) {
	f := strings.Fields(line)
	if len(f) != 4 || f[0] != "mallocs" || f[2] != "gcs" {
		return 0, 0, fmt.Errorf("bad stats line %q", line)
	}
	if mallocs, err = strconv.ParseInt(f[1], 10, 64); err == nil {
		gcs, err = strconv.ParseInt(f[3], 10, 64)
	}
	return mallocs, gcs, err
}

func (s1 *snapshot) result(s0 snapshot, h *Histogram) *Result {
	secs := s1.at.Sub(s0.at).Seconds()
	n := s1.done - s0.done
	r := &Result{
		Requests:        n,
		Seconds:         secs,
		RPS:             float64(n) / secs,
		P50:             us(h.Quantile(0.50)),
		P99:             us(h.Quantile(0.99)),
		Mean:            us(h.Mean()),
		Max:             us(h.Max()),
		BytesPerReq:     perReq(float64(s1.bytes-s0.bytes), n),
		ServerCPUPerReq: -1,
		ServerCPU:       -1,
		ClientCPU:       (s1.clientCPU - s0.clientCPU).Seconds() / secs / float64(runtime.NumCPU()),
		AllocsPerReq:    -1,
		GCs:             -1,
		ServerRSS:       s1.rss,
		ClientGCs:       int64(s1.clientGCs - s0.clientGCs),
		ReadsPerReq:     -1,
		WritesPerReq:    -1,
	}
	if s0.reads >= 0 {
		r.ReadsPerReq = perReq(float64(s1.reads-s0.reads), n)
		r.WritesPerReq = perReq(float64(s1.writes-s0.writes), n)
	}
	other := s1.systemCPU - s0.systemCPU - (s1.clientCPU - s0.clientCPU)
	if s0.serverCPU >= 0 {
		cpu := s1.serverCPU - s0.serverCPU
		r.ServerCPUPerReq = perReq(float64(cpu.Microseconds()), n)
		r.ServerCPU = cpu.Seconds() / secs
		other -= cpu
	}
	r.OtherCPU = max(other.Seconds()/secs, 0)
	if s0.mallocs >= 0 {
		r.AllocsPerReq = perReq(float64(s1.mallocs-s0.mallocs), n)
		r.GCs = s1.gcs - s0.gcs
	}
	switch {
	case r.ServerCPU >= saturated:
		r.Bottleneck = "server"
	case r.ClientCPU >= saturated:
		r.Bottleneck = "client"
	}
	return r
}

// perReq returns v per request, or -1 (unknown) without requests.
func perReq(v float64, n uint64) float64 {
	if n == 0 {
		return -1
	}
	return v / float64(n)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
