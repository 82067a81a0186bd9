package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram counts latencies in log-linear buckets, the layout of HDR
// histograms: values below 256 ns have a bucket each, and every octave above
// is cut into 128 buckets, so a value is known within 1/128 (0.8%) of itself
// up to 2^40 ns (18 minutes), in 35 KiB. Record is one atomic add per call
// and allocates nothing, so load workers may share a histogram; the load
// client gives workers a few shards to keep them from sharing cache lines.
type Histogram struct {
	counts [nBuckets]atomic.Uint64
	sum    atomic.Uint64 // nanoseconds, for the mean
}

const (
	subBits  = 7
	sub      = 1 << subBits
	maxShift = 40 - subBits - 1
	nBuckets = (maxShift + 2) << subBits
)

// bucket returns the index of the bucket of v nanoseconds.
func bucket(v uint64) int {
	m := bits.Len64(v)
	if m <= subBits+1 {
		return int(v)
	}
	shift := m - subBits - 1
	if shift > maxShift {
		return nBuckets - 1
	}
	return (shift+1)<<subBits + int(v>>shift) - sub
}

// bounds returns the smallest value of bucket i and the bucket's width.
func bounds(i int) (low, width uint64) {
	if i < 2*sub {
		return uint64(i), 1
	}
	shift := uint(i>>subBits - 1)
	return uint64(i&(sub-1)+sub) << shift, 1 << shift
}

// Record counts one latency.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucket(v)].Add(1)
	h.sum.Add(v)
}

// Add adds o's counts to h.
func (h *Histogram) Add(o *Histogram) {
	for i := range o.counts {
		if n := o.counts[i].Load(); n != 0 {
			h.counts[i].Add(n)
		}
	}
	h.sum.Add(o.sum.Load())
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// Mean returns the mean of the values recorded, or 0 if there are none.
func (h *Histogram) Mean() time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Quantile returns the value below which a fraction q of the values lie:
// the middle of the bucket holding the value of rank ceil(q*count), so
// within 0.4% of that value. It returns 0 if nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.Count()
	if n == 0 {
		return 0
	}
	rank := uint64(q * float64(n))
	if float64(rank) < q*float64(n) {
		rank++ // ceil
	}
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		if seen += h.counts[i].Load(); seen >= rank {
			low, width := bounds(i)
			return time.Duration(low + (width-1)/2)
		}
	}
	panic("unreachable: rank <= count")
}

// Max returns the largest value recorded, within its bucket's precision.
func (h *Histogram) Max() time.Duration {
	for i := len(h.counts) - 1; i >= 0; i-- {
		if h.counts[i].Load() != 0 {
			low, width := bounds(i)
			return time.Duration(low + width - 1)
		}
	}
	return 0
}
