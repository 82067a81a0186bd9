package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// demoResult is the demo's output: what it measured of both servers, and
// how the load was shaped. -json prints it as it is.
type demoResult struct {
	GoVersion   string       `json:"go_version"`
	Platform    string       `json:"platform"` // GOOS/GOARCH
	CPUs        int          `json:"cpus"`     // shared by the load and the servers
	Conns       int          `json:"conns"`
	Depth       int          `json:"depth"`
	WarmupSec   float64      `json:"warmup_seconds"`
	DurationSec float64      `json:"duration_seconds"` // measured, per side
	Sides       []sideResult `json:"sides"`            // wirekit, then HTTP/1.1 + JSON
	// Ratios says how many times better wirekit did than HTTP/1.1 + JSON
	// on each figure: wirekit's requests/s over HTTP's, HTTP's latencies,
	// bytes, CPU and allocations over wirekit's.
	Ratios demoRatios `json:"ratios"`
	SVG    string     `json:"svg,omitempty"` // the chart's path
}

// sideResult is what the demo measured of one server. Per-request figures
// divide by the requests answered in the measured window, except wire bytes,
// which divide the bytes of the whole run by its requests, warm-up included,
// so that the division is exact: a run stops only between requests.
type sideResult struct {
	Server      string `json:"server"`
	PID         int    `json:"pid"`         // of the server process, gone by now
	Connections int    `json:"connections"` // of the load
	InFlight    int    `json:"in_flight"`   // requests in flight, all connections

	Requests            int64   `json:"requests"` // answered in the measured window
	Seconds             float64 `json:"seconds"`  // of the measured window
	RequestsPerSec      float64 `json:"requests_per_sec"`
	P50Micros           float64 `json:"p50_us"`
	P99Micros           float64 `json:"p99_us"`
	WireBytesPerRequest float64 `json:"wire_bytes_per_request"` // TCP payload, both ways
	ServerCPUMicros     float64 `json:"server_cpu_us_per_request"`
	ServerAllocs        float64 `json:"server_allocs_per_request"`
	ClientCPUMicros     float64 `json:"client_cpu_us_per_request"`
	// ClientBound is set when the load client spent at least as much CPU per
	// request as the server: the two share the machine's cores, so
	// requests/s then measures the client as much as the server, and server
	// CPU per request is the fair comparison.
	ClientBound bool `json:"client_bound"`
}

// demoRatios holds, for each figure, how many times better wirekit did
// (see demoResult.Ratios); nil where a division by 0 leaves no answer.
type demoRatios struct {
	RequestsPerSec *float64 `json:"requests_per_sec"`
	P50            *float64 `json:"p50"`
	P99            *float64 `json:"p99"`
	WireBytes      *float64 `json:"wire_bytes"`
	ServerCPU      *float64 `json:"server_cpu"`
	ServerAllocs   *float64 `json:"server_allocs"`
}

// sideResultOf computes a side's figures from its connections' tallies and
// the snapshots at the ends of the measured window.
func sideResultOf(s demoSide, cfg demoConfig, srv *serverProcess, conns []*loadConn, start, end loadSnapshot) (sideResult, error) {
	n := end.answered - start.answered
	if n <= 0 {
		return sideResult{}, errors.New(s.name + ": no request answered while measuring")
	}
	var lat latencies
	var bytes, all int64
	for _, lc := range conns {
		lat.merge(&lc.lat)
		bytes += lc.in.Load() + lc.out.Load()
		all += lc.answered.Load()
	}
	perRequest := func(d time.Duration) float64 { return inMicros(d) / float64(n) }
	secs := end.at.Sub(start.at).Seconds()
	r := sideResult{
		Server:              s.name,
		PID:                 srv.pid(),
		Connections:         len(conns),
		InFlight:            cfg.conns * cfg.depth,
		Requests:            n,
		Seconds:             secs,
		RequestsPerSec:      float64(n) / secs,
		P50Micros:           inMicros(lat.quantile(0.50)),
		P99Micros:           inMicros(lat.quantile(0.99)),
		WireBytesPerRequest: float64(bytes) / float64(all),
		ServerCPUMicros:     perRequest(end.server.CPU - start.server.CPU),
		ServerAllocs:        float64(end.server.Mallocs-start.server.Mallocs) / float64(n),
		ClientCPUMicros:     perRequest(end.client - start.client),
	}
	r.ClientBound = r.ClientCPUMicros >= r.ServerCPUMicros
	return r, nil
}

func inMicros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// asDuration turns seconds back into a time.Duration, for printing.
func asDuration(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

func compareSides(wk, http sideResult) demoRatios {
	return demoRatios{
		RequestsPerSec: ratioOf(wk.RequestsPerSec, http.RequestsPerSec),
		P50:            ratioOf(http.P50Micros, wk.P50Micros),
		P99:            ratioOf(http.P99Micros, wk.P99Micros),
		WireBytes:      ratioOf(http.WireBytesPerRequest, wk.WireBytesPerRequest),
		ServerCPU:      ratioOf(http.ServerCPUMicros, wk.ServerCPUMicros),
		ServerAllocs:   ratioOf(http.ServerAllocs, wk.ServerAllocs),
	}
}

func ratioOf(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := a / b
	return &r
}

// printDemoTable writes the results as a table, then what to read into them.
func printDemoTable(out io.Writer, r *demoResult) {
	wk, http := r.Sides[0], r.Sides[1]
	row := func(label, a, b, vs string) {
		fmt.Fprintln(out, strings.TrimRight(fmt.Sprintf("%-22s %14s %14s   %s", label, a, b, vs), " "))
	}
	fmt.Fprintln(out)
	row("", wk.Server, http.Server, "wirekit vs HTTP")
	row("connections", strconv.Itoa(wk.Connections), strconv.Itoa(http.Connections), "")
	row("requests in flight", strconv.Itoa(wk.InFlight), strconv.Itoa(http.InFlight), "")
	row("requests/s", thousands(int64(wk.RequestsPerSec)), thousands(int64(http.RequestsPerSec)), fmtRatio(r.Ratios.RequestsPerSec, "more", "fewer"))
	row("latency p50", fmtMicros(wk.P50Micros), fmtMicros(http.P50Micros), fmtRatio(r.Ratios.P50, "lower", "higher"))
	row("latency p99", fmtMicros(wk.P99Micros), fmtMicros(http.P99Micros), fmtRatio(r.Ratios.P99, "lower", "higher"))
	row("wire bytes/request", fmtBytes(wk.WireBytesPerRequest), fmtBytes(http.WireBytesPerRequest), fmtRatio(r.Ratios.WireBytes, "fewer", "more"))
	row("server CPU/request", fmtMicros(wk.ServerCPUMicros), fmtMicros(http.ServerCPUMicros), fmtRatio(r.Ratios.ServerCPU, "less", "more"))
	row("server allocs/request", fmtAllocs(wk.ServerAllocs), fmtAllocs(http.ServerAllocs), fmtRatio(r.Ratios.ServerAllocs, "fewer", "more"))
	row("client CPU/request", fmtMicros(wk.ClientCPUMicros), fmtMicros(http.ClientCPUMicros), "")
	fmt.Fprintf(out, `
Each server runs in a process of its own. Server CPU is that process's user +
system time over the measured %v (getrusage), allocations its
runtime.MemStats.Mallocs, both divided by the requests answered meanwhile;
latency runs from the client's write to the decoded answer; wire bytes are the
TCP payload both ways, counted at the client. net/http cannot pipeline, so
HTTP keeps its %d requests in flight on %d keep-alive connections, one each.
`, asDuration(r.DurationSec), http.InFlight, http.Connections)
	for _, s := range r.Sides {
		if s.ClientBound {
			fmt.Fprintf(out, "%s: the load client spent %s of CPU per request, the server %s, on the\n"+
				"  same %d CPUs: requests/s measures the client here as much as the server; server\n"+
				"  CPU per request is the fair figure.\n",
				s.Server, fmtMicros(s.ClientCPUMicros), fmtMicros(s.ServerCPUMicros), r.CPUs)
		}
	}
}

// fmtRatio says how many times better wirekit did, or worse.
func fmtRatio(r *float64, better, worse string) string {
	switch {
	case r == nil:
		return "n/a (divides by 0)"
	case *r >= 1:
		return fmtFactor(*r) + " " + better
	}
	return fmtFactor(1 / *r) + " " + worse
}

// fmtFactor shows x to three digits or so. Beyond 1000 it no longer says
// anything a run on a shared machine can back: one figure is then noise.
func fmtFactor(x float64) string {
	switch {
	case x >= 1000:
		return ">1,000×"
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64) + "×"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + "×"
}

// fmtMicros formats a time in µs with three significant digits or so.
func fmtMicros(us float64) string {
	switch {
	case us >= 1000:
		return strconv.FormatFloat(us/1000, 'f', 2, 64) + " ms"
	case us >= 100:
		return strconv.FormatFloat(us, 'f', 0, 64) + " µs"
	case us >= 10:
		return strconv.FormatFloat(us, 'f', 1, 64) + " µs"
	}
	return strconv.FormatFloat(us, 'f', 2, 64) + " µs"
}

func fmtBytes(b float64) string { return strconv.FormatFloat(b, 'f', 1, 64) }

func fmtAllocs(a float64) string {
	if a > 0 && a < 0.005 {
		return "<0.01"
	}
	return strconv.FormatFloat(a, 'f', 2, 64)
}

// thousands writes n, which is not negative, with commas between groups of
// three digits.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	b := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// progressLine shows a run's progress: on a terminal, one line rewritten in
// place; elsewhere, a line per update. A nil *progressLine shows nothing.
type progressLine struct {
	out io.Writer
	tty bool
}

func newProgressLine(out io.Writer) *progressLine {
	p := &progressLine{out: out}
	if f, ok := out.(*os.File); ok {
		fi, err := f.Stat()
		p.tty = err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
	return p
}

func (p *progressLine) show(format string, args ...any) {
	switch {
	case p == nil:
	case p.tty:
		fmt.Fprintf(p.out, "\r"+format+"\033[K", args...)
	default:
		fmt.Fprintf(p.out, format+"\n", args...)
	}
}

// done ends the line a terminal shows.
func (p *progressLine) done() {
	if p != nil && p.tty {
		fmt.Fprintln(p.out)
	}
}
