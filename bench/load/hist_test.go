package load

import (
	"testing"
	"time"
)

func TestBucketsCoverEveryValueInOrder(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		i := bucket(v)
		if i != prev && i != prev+1 {
			t.Fatalf("bucket(%d) = %d after %d: buckets must be contiguous", v, i, prev)
		}
		low, width := bounds(i)
		if v < low || v >= low+width {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, i, low, low+width)
		}
		if v >= 256 && float64(width)/float64(low) > 1.0/128 {
			t.Fatalf("bucket %d = [%d, %d) is wider than 1/128 of its values", i, low, low+width)
		}
		prev = i
	}
	if got := bucket(1 << 62); got != nBuckets-1 {
		t.Fatalf("bucket(2^62) = %d, want the last, %d", got, nBuckets-1)
	}
}

func TestQuantiles(t *testing.T) {
	var h Histogram
	// 1..10,000 us, once each.
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 5000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{0.999, 9990 * time.Microsecond},
		{1, 10000 * time.Microsecond},
		{0, 1 * time.Microsecond}, // rank 1: the smallest value
	} {
		got := h.Quantile(tc.q)
		if d := float64(got-tc.want) / float64(tc.want); d < -0.005 || d > 0.005 {
			t.Errorf("Quantile(%v) = %v, want %v within 0.5%%", tc.q, got, tc.want)
		}
	}
	if got := h.Count(); got != 10000 {
		t.Errorf("Count = %d", got)
	}
	if got, want := h.Mean(), 5000500*time.Nanosecond; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	if got := h.Max(); got < 10000*time.Microsecond || got > 10080*time.Microsecond {
		t.Errorf("Max = %v, want 10ms within its bucket", got)
	}
}

func TestSmallValuesExact(t *testing.T) {
	var h Histogram
	for _, v := range []time.Duration{3, 3, 7, 200} {
		h.Record(v)
	}
	if got := h.Quantile(0.5); got != 3 {
		t.Errorf("p50 = %d ns, want 3", got)
	}
	if got := h.Quantile(0.75); got != 7 {
		t.Errorf("p75 = %d ns, want 7", got)
	}
	if got := h.Max(); got != 200 {
		t.Errorf("max = %d ns, want 200", got)
	}
}

func TestAddAndEmpty(t *testing.T) {
	var a, b, sum Histogram
	if sum.Quantile(0.5) != 0 || sum.Mean() != 0 || sum.Max() != 0 {
		t.Fatal("an empty histogram must report zeros")
	}
	a.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	b.Record(3 * time.Millisecond)
	sum.Add(&a)
	sum.Add(&b)
	if sum.Count() != 3 || sum.Mean() != 7*time.Millisecond/3 {
		t.Fatalf("sum: count %d, mean %v", sum.Count(), sum.Mean())
	}
	if got := sum.Quantile(0.5); got < 2990*time.Microsecond || got > 3010*time.Microsecond {
		t.Fatalf("p50 of the sum = %v, want 3ms", got)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(1234 * time.Microsecond) }); n != 0 {
		t.Fatalf("Record allocates %v times", n)
	}
}
