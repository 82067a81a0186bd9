package main

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestBucketsTileTheRange(t *testing.T) {
	// Consecutive buckets meet: bucket i ends just before bucket i+1 starts.
	for i := 0; i < histBuckets-1; i++ {
		top := bucketMax(i)
		if got := bucketOf(top); got != i {
			t.Fatalf("bucketOf(bucketMax(%d) = %d) = %d", i, top, got)
		}
		if got := bucketOf(top + 1); got != i+1 {
			t.Fatalf("bucketOf(bucketMax(%d)+1 = %d) = %d, want %d", i, top+1, got, i+1)
		}
	}
	if got := bucketOf(math.MaxUint64); got != histBuckets-1 {
		t.Errorf("bucketOf(MaxUint64) = %d, want the last bucket %d", got, histBuckets-1)
	}
	if got := bucketMax(histBuckets - 1); got != math.MaxUint64 {
		t.Errorf("bucketMax(last) = %d", got)
	}
}

func TestBucketWidth(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := r.Uint64() >> r.IntN(64)
		top := bucketMax(bucketOf(v))
		if top < v || float64(top-v) > float64(v)/histSubCount {
			t.Fatalf("%d is in a bucket ending at %d: more than 1/%d above it", v, top, histSubCount)
		}
	}
	for v := range uint64(2 * histSubCount) {
		if bucketMax(bucketOf(v)) != v {
			t.Errorf("%d does not have a bucket of its own", v)
		}
	}
}

func TestQuantile(t *testing.T) {
	var h latencies
	if got := h.quantile(0.5); got != 0 {
		t.Errorf("empty: p50 = %v, want 0", got)
	}
	// 1..1000 µs: the p-th percentile is p·10 µs, reported up to 1/32 high.
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{
		{0.001, 1 * time.Microsecond},
		{0.5, 500 * time.Microsecond},
		{0.99, 990 * time.Microsecond},
		{1, 1000 * time.Microsecond},
	} {
		got := h.quantile(c.q)
		if got < c.want || got > c.want+c.want/histSubCount {
			t.Errorf("quantile(%v) = %v, want %v to %v", c.q, got, c.want, c.want+c.want/histSubCount)
		}
	}

	// Small values are exact; a negative one counts as 0.
	var s latencies
	for _, d := range []time.Duration{-5, 3, 3, 7, 40} {
		s.record(d)
	}
	for q, want := range map[float64]time.Duration{0.2: 0, 0.4: 3, 0.6: 3, 0.8: 7, 0.99: 40} {
		if got := s.quantile(q); got != want {
			t.Errorf("quantile(%v) of {0 3 3 7 40} = %v, want %v", q, got, want)
		}
	}

	// Merging adds the counts: the p50 of {1 ms ×1000, 1 s ×1} stays 1 ms,
	// the p100 becomes 1 s.
	var a, b latencies
	for range 1000 {
		a.record(time.Millisecond)
	}
	b.record(time.Second)
	a.merge(&b)
	if a.total != 1001 || a.quantile(0.5) < time.Millisecond || a.quantile(0.5) > time.Millisecond*33/32 {
		t.Errorf("merged: total %d p50 %v", a.total, a.quantile(0.5))
	}
	if got := a.quantile(1); got < time.Second || got > time.Second*33/32 {
		t.Errorf("merged: p100 %v, want about 1s", got)
	}
}
