package load

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// callers runs n goroutines that call f in a loop, each with a buffer of its
// own, until ctx ends or a call fails; it returns the first failure.
func callers(ctx context.Context, n int, f func(ctx context.Context, buf *bytes.Buffer) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for range n {
		wg.Go(func() {
			buf := new(bytes.Buffer)
			for ctx.Err() == nil {
				if err := f(ctx, buf); err != nil {
					if ctx.Err() == nil {
						errc <- err
						cancel()
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// openLoop calls f rate times a second, from a random phase, until ctx ends.
func openLoop(ctx context.Context, rate float64, f func() error) error {
	period := time.Duration(float64(time.Second) / rate)
	if sleepCtx(ctx, rand.N(period)) != nil {
		return nil
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if err := f(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}

// sleepCtx sleeps for d or until ctx ends, and then returns ctx.Err().
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
