package streamtest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var zero Clock
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := zero.Now(); !got.Equal(start) {
		t.Errorf("zero Clock reads %v, want %v", got, start)
	}
	c := NewClock()
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("NewClock reads %v, want %v", got, start)
	}
	c.Advance(90 * time.Minute)
	c.Advance(0)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Advance(-1) did not panic")
			}
		}()
		c.Advance(-1)
	}()
}

func TestClockConcurrent(t *testing.T) {
	c := NewClock()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now().Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), 800*time.Millisecond; got != want {
		t.Errorf("clock moved %v, want %v", got, want)
	}
}
