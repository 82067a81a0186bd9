package main

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestStatsLine(t *testing.T) {
	for _, s := range []procStats{{}, {CPU: 1234567890, Mallocs: 42}, {CPU: 1<<63 - 1, Mallocs: 1<<64 - 1}} {
		line := string(s.append(nil))
		if !strings.HasSuffix(line, "\n") {
			t.Errorf("%q does not end a line", line)
		}
		got, err := parseProcStats(strings.TrimSuffix(line, "\n"))
		if err != nil || got != s {
			t.Errorf("parseStats(%q) = %+v, %v; want %+v", line, got, err, s)
		}
	}
	if got, err := parseProcStats("cpu_ns=1500000 mallocs=7"); err != nil || got != (procStats{CPU: 1500 * time.Microsecond, Mallocs: 7}) {
		t.Errorf("parseStats = %+v, %v", got, err)
	}
	for _, bad := range []string{
		"", "stats", "cpu_ns=1", "mallocs=1 cpu_ns=1", "cpu_ns=1  mallocs=1", "cpu_ns=1 mallocs=1 more=2",
		"cpu_ns=-1 mallocs=1", "cpu_ns=x mallocs=1", "cpu_ns=1 mallocs=-1", "cpu_ns=1 mallocs=", "addr=127.0.0.1:1",
	} {
		if s, err := parseProcStats(bad); err == nil {
			t.Errorf("parseStats(%q) = %+v, want an error", bad, s)
		}
	}
}

func TestAnswerControl(t *testing.T) {
	var out bytes.Buffer
	if err := answerControl(strings.NewReader("stats\nstats\n"), &out); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&out)
	var prev procStats
	for i := range 2 {
		if !sc.Scan() {
			t.Fatalf("answer %d missing: %q", i, out.String())
		}
		s, err := parseProcStats(sc.Text())
		if err != nil {
			t.Fatal(err)
		}
		if s.CPU < prev.CPU || s.Mallocs < prev.Mallocs {
			t.Errorf("stats went back: %+v after %+v", s, prev)
		}
		prev = s
	}
	if sc.Scan() {
		t.Errorf("more than two answers: %q", sc.Text())
	}
	if err := answerControl(strings.NewReader("stats\nquit\n"), io.Discard); err == nil || !strings.Contains(err.Error(), `"quit"`) {
		t.Errorf("unknown request: %v", err)
	}
}

// The answer to "stats" must not count itself: formatting it allocates
// nothing.
func TestStatsLineDoesNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	s := procStats{CPU: 123456789, Mallocs: 987654321}
	if n := testing.AllocsPerRun(100, func() { buf = s.append(buf[:0]) }); n != 0 {
		t.Errorf("%v allocations per stats line", n)
	}
}
