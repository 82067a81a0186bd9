package load

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime ... The command name may hold
	// spaces and parentheses.
	line := "4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 9 0 100 1000000 500 18446744073709551615\n"
	got, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := 325 * 10 * time.Millisecond; got != want {
		t.Fatalf("parseStat = %v, want %v (250 + 75 ticks)", got, want)
	}
	for _, bad := range []string{"", "4242 no parens 1 2 3", "4242 (x) S 1 2"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

func TestProcCPUOfSelf(t *testing.T) {
	before, err := ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Burn a little over 2 ticks of CPU.
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
	}
	after, err := ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("CPU time went from %v to %v after 30ms of spinning", before, after)
	}
}

func TestParseStatm(t *testing.T) {
	got, err := parseStatm([]byte("2000 350 120 10 0 400 0\n"), 4096)
	if err != nil || got != 350*4096 {
		t.Fatalf("parseStatm = %d, %v; want %d", got, err, 350*4096)
	}
	if _, err := parseStatm([]byte("2000"), 4096); err == nil {
		t.Fatal("parseStatm of one field succeeded")
	}
	if rss, err := ProcRSS(os.Getpid()); err != nil || rss <= 0 {
		t.Fatalf("ProcRSS of self = %d, %v", rss, err)
	}
}

func TestParseStats(t *testing.T) {
	m, g, err := parseStats("mallocs 12345 gcs 6\n")
	if err != nil || m != 12345 || g != 6 {
		t.Fatalf("parseStats = %d, %d, %v", m, g, err)
	}
	for _, bad := range []string{"", "mallocs x gcs 1", "frees 1 gcs 2", "mallocs 1 gcs"} {
		if _, _, err := parseStats(bad); err == nil {
			t.Errorf("parseStats(%q) succeeded", bad)
		}
	}
}

func TestParseSystemStat(t *testing.T) {
	stat := "cpu  1000 20 300 5000 10 0 70 5 0 0\ncpu0 500 10 150 2500 5 0 35 2 0 0\n"
	got, err := parseSystemStat([]byte(stat))
	if err != nil || got != 1390*10*time.Millisecond {
		t.Fatalf("parseSystemStat = %v, %v; want 13.9s (1000 + 20 + 300 + 0 + 70 ticks)", got, err)
	}
	if _, err := parseSystemStat([]byte("intr 1 2 3\n")); err == nil {
		t.Fatal("parseSystemStat without a cpu line succeeded")
	}
	if _, err := SystemCPU(); err != nil {
		t.Fatal(err)
	}
}

func TestParseIO(t *testing.T) {
	io := "rchar: 100\nwchar: 200\nsyscr: 30\nsyscw: 40\nread_bytes: 0\n"
	r, w, err := parseIO([]byte(io))
	if err != nil || r != 30 || w != 40 {
		t.Fatalf("parseIO = %d, %d, %v; want 30, 40", r, w, err)
	}
	if _, _, err := parseIO([]byte("rchar: 1\n")); err == nil {
		t.Fatal("parseIO without syscr succeeded")
	}
	if _, _, err := ProcIO(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}
