package main

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report holds the medians of the runs, by scenario and peer.
type report struct {
	o    options
	pin  bool
	ss   []scenario
	ps   []peer
	rows map[string]map[string]*row
}

// row is one peer's medians in one scenario.
type row struct {
	runs, failed int
	lastErr      string
	cpu, rps     float64 // server CPU us/req; requests/s
	p50, p99     float64
	bytes        float64
	allocs       float64
	srv, cli     float64 // server's share of a core, client's of its cores
	other        float64 // rest of the machine, cores
	reads        float64 // server's read system calls per request
	writes       float64
	rss          float64 // bytes
	bottleneck   string  // the bottleneck of most runs, if any
	vsWirekit    float64 // median over the repetitions of cpu / wirekit's cpu in the same one
}

func newReport(o options, pin [2][]string, ss []scenario, ps []peer, results []runResult) *report {
	r := &report{o: o, pin: pin[0] != nil, ss: ss, ps: ps, rows: make(map[string]map[string]*row)}
	for _, s := range ss {
		r.rows[s.name] = make(map[string]*row)
		for _, p := range ps {
			w := summarize(results, s.name, p.name)
			w.vsWirekit = pairedRatio(results, s.name, p.name, "wirekit")
			r.rows[s.name][p.name] = w
		}
	}
	return r
}

// pairedRatio returns the median, over the repetitions in which both ran,
// of peer's server CPU per request divided by base's in the same
// repetition of scenario: NaN if there is none. The runs of one repetition
// are interleaved minutes apart at most, so pairing them cancels most of
// the machine's drift between repetitions, which a ratio of medians keeps.
func pairedRatio(results []runResult, scenario, peer, base string) float64 {
	cpu := func(name string) map[int]float64 {
		m := make(map[int]float64)
		for _, rr := range results {
			if rr.Scenario == scenario && rr.Peer == name && rr.Result != nil && rr.Result.ServerCPUPerReq > 0 {
				m[rr.Rep] = rr.Result.ServerCPUPerReq
			}
		}
		return m
	}
	b := cpu(base)
	var ratios []float64
	for rep, v := range cpu(peer) {
		if bv, ok := b[rep]; ok {
			ratios = append(ratios, v/bv)
		}
	}
	return median(ratios)
}

func summarize(results []runResult, scenario, peer string) *row {
	w := &row{}
	var rs []float64
	col := func(f func(*runResult) float64) float64 {
		rs = rs[:0]
		for i := range results {
			if rr := &results[i]; rr.Scenario == scenario && rr.Peer == peer && rr.Result != nil {
				rs = append(rs, f(rr))
			}
		}
		return median(rs)
	}
	bottlenecks := map[string]int{}
	for _, rr := range results {
		if rr.Scenario != scenario || rr.Peer != peer {
			continue
		}
		if rr.Result == nil {
			w.failed++
			w.lastErr = rr.Err
			continue
		}
		w.runs++
		bottlenecks[rr.Result.Bottleneck]++
	}
	for b, n := range bottlenecks {
		if b != "" && 2*n > w.runs {
			w.bottleneck = b
		}
	}
	w.cpu = col(func(r *runResult) float64 { return r.Result.ServerCPUPerReq })
	w.rps = col(func(r *runResult) float64 { return r.Result.RPS })
	w.p50 = col(func(r *runResult) float64 { return r.Result.P50 })
	w.p99 = col(func(r *runResult) float64 { return r.Result.P99 })
	w.bytes = col(func(r *runResult) float64 { return r.Result.BytesPerReq })
	w.allocs = col(func(r *runResult) float64 { return r.Result.AllocsPerReq })
	w.srv = col(func(r *runResult) float64 { return r.Result.ServerCPU })
	w.cli = col(func(r *runResult) float64 { return r.Result.ClientCPU })
	w.other = col(func(r *runResult) float64 { return r.Result.OtherCPU })
	w.reads = col(func(r *runResult) float64 { return r.Result.ReadsPerReq })
	w.writes = col(func(r *runResult) float64 { return r.Result.WritesPerReq })
	w.rss = col(func(r *runResult) float64 { return float64(r.Result.ServerRSS) })
	return w
}

// median returns the median of xs (sorting it), or NaN if it is empty.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# wirekit benchmark results\n\n%s\n\n", r.environment())
	fmt.Fprintf(&b, "Command (inside bench/): `go run ./cmd/bench %s`\n", strings.Join(os.Args[1:], " "))
	for _, s := range r.ss {
		fmt.Fprintf(&b, "\n## %s: %s\n\n", s.name, s.title)
		b.WriteString("| peer | server CPU µs/req | vs wirekit | req/s | p50 µs | p99 µs | bytes/req | allocs/req | syscalls/req r+w | server CPU | client CPU | other CPU | server RSS | bottleneck |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
		for _, p := range r.ps {
			w := r.rows[s.name][p.name]
			if w.runs == 0 {
				fmt.Fprintf(&b, "| %s | failed: %s |||||||||||||\n", p.name, strings.ReplaceAll(w.lastErr, "|", "/"))
				continue
			}
			ratio := "n/a"
			if !math.IsNaN(w.vsWirekit) {
				ratio = fmt.Sprintf("%.2fx", w.vsWirekit)
			}
			note := w.bottleneck
			if w.failed > 0 {
				note = strings.TrimSpace(note + fmt.Sprintf(" (%d of %d runs failed)", w.failed, w.runs+w.failed))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s+%s | %s | %s | %.2f | %s | %s |\n",
				p.name, sig(w.cpu), ratio, thousands(w.rps), sig(w.p50), sig(w.p99), sig(w.bytes),
				allocs(w.allocs), allocs(w.reads), allocs(w.writes), percent(w.srv), percent(w.cli), w.other, mib(w.rss), note)
		}
		fmt.Fprintf(&b, "\n![server CPU per request](%s-cpu.svg) ![p99 latency](%s-p99.svg)\n", s.name, s.name)
	}
	b.WriteString(`
server CPU µs/req is the server process's user + system time over the
measured window (/proc/PID/stat), divided by the requests answered in it: the
fair figure when the client is the bottleneck; the columns are medians over
the repetitions. "vs wirekit" is the median, over the repetitions, of the
peer's server CPU per request divided by wirekit's in the same repetition
(above 1: wirekit spends less): runs of one repetition are minutes apart at
most, and pairing them cancels the drift of this machine between
repetitions, which a ratio of the medians would keep. Latencies are measured by the load
client, from the write of a request to the read of its answer. bytes/req
counts both directions above TCP, on the client's connections. allocs/req is
the server's runtime.MemStats.Mallocs over the window per request.
syscalls/req are the server's read and write system calls (/proc/PID/io
syscr, syscw) per request: how well it batches I/O. server CPU
is the share of its core the server used; client CPU the share of its own
core(s) the load client used; "bottleneck: client" marks runs where the client
was saturated and the server was not. other CPU is what the rest of the
machine used meanwhile, in cores: the kernel's network work that no process
is charged for, and other processes; a run with more than 0.15 is run again
(twice at most) and the least disturbed attempt kept.
`)
	return b.String()
}

func (r *report) environment() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for l := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	pin := "not pinned (no taskset, or a single CPU)"
	if r.pin {
		pin = "server pinned to CPU 0, load client to CPU 1 (taskset)"
	}
	return fmt.Sprintf("%s, wirekit %s, %s, %d CPUs (%s), Linux %s; %s. %d repetitions, interleaved; medians. Warm-up %s, window %s per run.",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), revision(), runtime.Version(), runtime.NumCPU(), model,
		strings.TrimSpace(string(kernel)), pin, r.o.reps, r.o.warmup, r.o.duration)
}

// revision names the library's commit, and says if the work tree had
// changes: the results are of the code as it was, not as committed.
func revision() string {
	rev, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "(unknown revision)"
	}
	s := "at " + strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--", "..").Output(); err == nil && len(st) > 0 {
		s += " with uncommitted changes"
	}
	return s
}

// sig formats v with three significant digits.
func sig(v float64) string {
	switch {
	case math.IsNaN(v) || v < 0:
		return "n/a"
	case v >= 1000:
		return thousands(v)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func thousands(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "n/a"
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func allocs(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func percent(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

func mib(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", v/(1<<20))
}

// write saves the table, the raw results and the charts in dir.
func (r *report) write(dir, md string, results []runResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(results, "", "\t")
	if err != nil {
		return err
	}
	files := map[string]string{"results.md": md, "results.json": string(raw) + "\n"}
	for _, s := range r.ss {
		var labels []string
		var cpu, p99 []float64
		for _, p := range r.ps {
			w := r.rows[s.name][p.name]
			labels = append(labels, p.name)
			cpu, p99 = append(cpu, w.cpu), append(p99, w.p99)
		}
		files[s.name+"-cpu.svg"] = barChart("Server CPU per request, µs ("+s.title+")", labels, cpu)
		files[s.name+"-p99.svg"] = barChart("p99 latency, µs ("+s.title+")", labels, p99)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "wrote %s\n", filepath.Join(dir, "results.md"))
	return nil
}

// barChart draws a horizontal bar chart, one bar per label, wirekit's in its
// own color, each bar labelled with its value; a missing value is "n/a".
// The scale is linear from zero, so that lengths compare as the values do.
func barChart(title string, labels []string, values []float64) string {
	const (
		width, left, right = 800, 150, 90
		top, barH, gap     = 44, 22, 8
	)
	height := top + len(labels)*(barH+gap) + 12
	top1 := 0.0
	for _, v := range values {
		if !math.IsNaN(v) && v > top1 {
			top1 = v
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="bold">%s</text>`+"\n", 10, html.EscapeString(title))
	span := float64(width - left - right)
	for i, l := range labels {
		y := top + i*(barH+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH-6, html.EscapeString(l))
		v := values[i]
		if math.IsNaN(v) || v < 0 || top1 == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#666">n/a</text>`+"\n", left+4, y+barH-6)
			continue
		}
		w := max(1, v/top1*span)
		fill := "#4c6ef5"
		if l == "wirekit" {
			fill = "#e8590c"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, w, barH, fill)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+w+6, y+barH-6, sig(v))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
