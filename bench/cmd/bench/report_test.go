package main

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/bench/load"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing must be NaN")
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{sig(0.56234), "0.562"},
		{sig(30.94), "30.9"},
		{sig(1234567.8), "1,234,568"},
		{sig(-1), "n/a"},
		{thousands(999), "999"},
		{thousands(1000), "1,000"},
		{percent(0.456), "46%"},
		{allocs(0), "0.00"},
		{mib(3 << 20), "3.0 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	res := func(cpu float64, b string) *load.Result {
		return &load.Result{ServerCPUPerReq: cpu, RPS: 10, Bottleneck: b}
	}
	results := []runResult{
		{Peer: "a", Scenario: "s", Result: res(3, "client")},
		{Peer: "a", Scenario: "s", Result: res(1, "client")},
		{Peer: "a", Scenario: "s", Result: res(2, "")},
		{Peer: "a", Scenario: "s", Err: "boom"},
		{Peer: "b", Scenario: "s", Result: res(100, "server")},
	}
	w := summarize(results, "s", "a")
	if w.cpu != 2 || w.runs != 3 || w.failed != 1 || w.lastErr != "boom" || w.bottleneck != "client" {
		t.Fatalf("summary %+v", w)
	}
}

// TestPairedRatio: the ratio pairs each repetition's runs, so that a
// repetition in which the machine was slow for everyone does not skew it,
// and skips repetitions that one of the two lacks.
func TestPairedRatio(t *testing.T) {
	run := func(peer string, rep int, cpu float64) runResult {
		return runResult{Peer: peer, Scenario: "s", Rep: rep, Result: &load.Result{ServerCPUPerReq: cpu}}
	}
	results := []runResult{
		run("wirekit", 1, 1.0), run("gnet", 1, 0.9),
		run("wirekit", 2, 2.0), run("gnet", 2, 1.9), // a slow repetition
		run("wirekit", 3, 1.0), run("gnet", 3, 0.8),
		run("gnet", 4, 5), // wirekit failed in repetition 4
	}
	if got, want := pairedRatio(results, "s", "gnet", "wirekit"), 0.9; math.Abs(got-want) > 1e-9 {
		t.Fatalf("paired ratio %v, want %v", got, want)
	}
	if got := pairedRatio(results, "s", "http", "wirekit"); !math.IsNaN(got) {
		t.Fatalf("ratio of a peer that never ran: %v, want NaN", got)
	}
}

func TestBarChartIsWellFormed(t *testing.T) {
	svg := barChart(`CPU <&> "µs"`, []string{"wirekit", "http"}, []float64{0.5, math.NaN()})
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
	if !strings.Contains(svg, ">0.5<") || !strings.Contains(svg, ">n/a<") {
		t.Fatalf("values missing:\n%s", svg)
	}
}

func TestPick(t *testing.T) {
	got, err := pick(peers, []string{"gnet", "wirekit"}, func(p peer) string { return p.name })
	if err != nil || len(got) != 2 || got[0].name != "gnet" || got[1].name != "wirekit" {
		t.Fatalf("pick = %v, %v", got, err)
	}
	if _, err := pick(peers, []string{"nope"}, func(p peer) string { return p.name }); err == nil {
		t.Fatal("pick of an unknown name succeeded")
	}
}
