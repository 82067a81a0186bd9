package server

import "time"

// monoStart is the origin of the loops' clock: nanoseconds on the
// monotonic clock since the package was loaded.
var monoStart = time.Now()

// monotime returns the loops' clock, never 0 (0 means "no deadline").
func monotime() int64 { return int64(time.Since(monoStart)) + 1 }

// deadlines is a loop's timers: a binary min-heap of its connections by
// their due time. A connection is in it once, at or before the earliest of
// its deadlines. Deadlines are lazy: moving one later (the idle timeout,
// re-armed after every batch) leaves the heap alone, and when the old time
// comes the connection is put back at its new one; only an earlier deadline
// moves it up at once. A busy connection thus pays no heap work per batch.
type deadlines []*pollConn

// arm makes p due at t at the latest.
func (h *deadlines) arm(p *pollConn, t int64) {
	if p.hidx >= 0 {
		if t < p.due {
			p.due = t
			h.up(int(p.hidx))
		}
		return
	}
	p.due = t
	p.hidx = int32(len(*h))
	*h = append(*h, p)
	h.up(int(p.hidx))
}

// remove takes p out of the heap, if it is in it.
func (h *deadlines) remove(p *pollConn) {
	i := int(p.hidx)
	if i < 0 {
		return
	}
	last := len(*h) - 1
	h.swap(i, last)
	(*h)[last] = nil
	*h = (*h)[:last]
	p.hidx = -1
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// top returns the connection due first, or nil.
func (h deadlines) top() *pollConn {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// reschedule moves the top connection to its new, later due time.
func (h deadlines) reschedule(t int64) {
	h[0].due = t
	h.down(0)
}

func (h deadlines) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = int32(i), int32(j)
}

func (h deadlines) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].due <= h[i].due {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h deadlines) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].due < h[l].due {
			m = r
		}
		if h[i].due <= h[m].due {
			return
		}
		h.swap(i, m)
		i = m
	}
}
