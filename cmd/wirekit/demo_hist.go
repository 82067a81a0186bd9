package main

import (
	"math"
	"math/bits"
	"time"
)

// latencies is a histogram of durations with log-linear buckets, in the
// manner of HdrHistogram: each value under 2·histSubCount ns has a bucket of its
// own, and every power of two above that is cut into subCount equal buckets,
// so no bucket is wider than 1/histSubCount (about 3%) of the values it holds.
// Recording is an index computation and an increment: no allocation and no
// lock, since each load connection keeps its own and they are merged once
// the run is over. The counts cover the whole range of a uint64 in 15 KiB.
type latencies struct {
	counts [histBuckets]uint64
	total  uint64
}

const (
	histSubBits  = 5
	histSubCount = 1 << histSubBits
	histBuckets  = (64 - histSubBits + 1) * histSubCount
)

// bucketOf returns the bucket holding v. A value of n significant bits, n >
// histSubBits, keeps its top histSubBits+1 bits (top, in [histSubCount,
// 2·histSubCount)) and drops the e = n-histSubBits-1 bits below them; the
// e-th power of two above histSubCount starts at bucket
// e·histSubCount+histSubCount, hence e·histSubCount+top.
func bucketOf(v uint64) int {
	if v < histSubCount {
		return int(v)
	}
	e := bits.Len64(v) - histSubBits - 1
	return e*histSubCount + int(v>>e)
}

// bucketMax returns the largest value bucket i holds, the inverse of
// bucketOf. For the last bucket (top+1)<<e wraps to 0, and the result is
// math.MaxUint64, as it should be.
func bucketMax(i int) uint64 {
	if i < 2*histSubCount {
		return uint64(i)
	}
	e := i/histSubCount - 1
	top := uint64(i%histSubCount + histSubCount)
	return (top+1)<<e - 1
}

func (h *latencies) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

func (h *latencies) merge(o *latencies) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
}

// quantile returns the smallest recorded value v such that a fraction q of
// the values are at most v, rounded up to the top of its bucket, so it
// overstates by at most a bucket's width and never understates. It is 0 for
// an empty histogram.
func (h *latencies) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(h.total))), 1)
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			return time.Duration(min(bucketMax(i), math.MaxInt64))
		}
	}
	panic("unreachable: the counts add up to total")
}
