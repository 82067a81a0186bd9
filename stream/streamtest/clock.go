package streamtest

import (
	"sync"
	"time"
)

// start is where every Clock begins: 2000-01-01 00:00:00 UTC.
var start = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// A Clock is a fake clock that moves only when told to. Its zero value reads
// 2000-01-01 00:00:00 UTC and is ready to use. A Clock is safe for concurrent
// use; Advance wakes every Read blocked on a [Conn] that uses the clock, so
// that deadlines fire without real time passing.
type Clock struct {
	mu      sync.Mutex
	elapsed time.Duration // since start
	advance chan struct{} // closed by the next Advance; nil until someone waits
}

// NewClock returns a Clock reading 2000-01-01 00:00:00 UTC.
func NewClock() *Clock { return new(Clock) }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return start.Add(c.elapsed)
}

// Advance moves the clock forward by d and wakes everything waiting on it.
// It panics if d is negative: time does not run backwards.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		panic("streamtest: Clock.Advance with a negative duration")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.elapsed += d
	if c.advance != nil {
		close(c.advance)
		c.advance = nil
	}
}

// wait returns the current time and a channel that is closed the next time
// the clock advances. Taking both under one lock means no Advance can slip
// between reading the time and starting to wait.
func (c *Clock) wait() (time.Time, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.advance == nil {
		c.advance = make(chan struct{})
	}
	return start.Add(c.elapsed), c.advance
}
