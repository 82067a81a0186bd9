package client

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
)

// TestBackoff checks the schedule with a seeded random source: the ceiling
// grows by the multiplier from Min and stops at Max, and each delay is
// drawn from [0, ceiling], spread over the whole interval.
func TestBackoff(t *testing.T) {
	b := Backoff{Min: 10 * time.Millisecond, Max: time.Second, Multiplier: 2}
	wantCeil := []time.Duration{10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000}
	for n, w := range wantCeil {
		if c := b.ceiling(n); c != w*time.Millisecond {
			t.Errorf("ceiling(%d) = %v, want %v", n, c, w*time.Millisecond)
		}
	}
	if c := b.ceiling(10000); c != time.Second {
		t.Errorf("ceiling(10000) = %v, want the cap", c)
	}

	r := rand.New(rand.NewPCG(1, 2))
	const samples = 2000
	for n, w := range wantCeil {
		ceil := w * time.Millisecond
		var sum, lo, hi time.Duration = 0, ceil, 0
		for range samples {
			d := b.delay(n, r)
			if d < 0 || d > ceil {
				t.Fatalf("delay(%d) = %v, outside [0, %v]", n, d, ceil)
			}
			sum += d
			lo, hi = min(lo, d), max(hi, d)
		}
		// Full jitter: uniform over [0, ceil], so the mean is near ceil/2
		// and the draws reach both ends.
		if mean := sum / samples; mean < ceil*45/100 || mean > ceil*55/100 {
			t.Errorf("attempt %d: mean delay %v, want about %v", n, mean, ceil/2)
		}
		if lo > ceil/20 || hi < ceil*19/20 {
			t.Errorf("attempt %d: delays in [%v, %v], want them to span [0, %v]", n, lo, hi, ceil)
		}
	}

	// The same seed gives the same sequence.
	r1, r2 := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for n := range 20 {
		if d1, d2 := b.delay(n, r1), b.delay(n, r2); d1 != d2 {
			t.Fatalf("attempt %d: %v and %v from the same seed", n, d1, d2)
		}
	}
}

// TestBackoffDefaults: a zero Backoff gets the documented schedule.
func TestBackoffDefaults(t *testing.T) {
	s, err := newSettings("tcp", "x:1", Config{Framing: orders.Framing()})
	if err != nil {
		t.Fatal(err)
	}
	b := s.Backoff
	if b.ceiling(0) != 100*time.Millisecond || b.ceiling(6) != 6400*time.Millisecond || b.ceiling(7) != 10*time.Second {
		t.Fatalf("default ceilings %v %v %v", b.ceiling(0), b.ceiling(6), b.ceiling(7))
	}
}
