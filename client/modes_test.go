package client_test

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wirekit/wirekit/client"
)

// forEachMode runs test as three subtests: with the connections on
// goroutines (loops nil), and on event loops made for the subtest and
// closed after it, waiting at once and polling first (Loops.SetSpin; on
// Linux; elsewhere those subtests are skipped).
func forEachMode(t *testing.T, test func(t *testing.T, loops *client.Loops)) {
	t.Helper()
	t.Run("goroutines", func(t *testing.T) { test(t, nil) })
	for _, spin := range []time.Duration{0, 50 * time.Microsecond} {
		name := "loops"
		if spin > 0 {
			name = "loops-spin"
		}
		t.Run(name, func(t *testing.T) {
			if runtime.GOOS != "linux" {
				t.Skip("event loops run on Linux")
			}
			ls := newLoops(t)
			ls.SetSpin(spin)
			test(t, ls)
		})
	}
}

// newLoops starts two event loops, closed when the test ends, after the
// clients dialed later (cleanups run last first).
func newLoops(t testing.TB) *client.Loops {
	t.Helper()
	ls, err := client.NewLoops(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Close() })
	return ls
}

// fallbackLog is a slog handler that counts the client's messages saying
// that its connections run on goroutines despite Config.Loops.
type fallbackLog struct{ n *atomic.Int64 }

func (h fallbackLog) Enabled(context.Context, slog.Level) bool { return true }
func (h fallbackLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h fallbackLog) WithGroup(string) slog.Handler            { return h }
func (h fallbackLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "run on goroutines") {
		h.n.Add(1)
	}
	return nil
}

// checkOnLoops fails the test at its end if the client given cfg logged
// that its connections run on goroutines, although they should run on
// cfg.Loops: not over TLS, and dialed by net.Dialer or a Dialer returning
// its *net.TCPConn.
func checkOnLoops(t testing.TB, cfg *client.Config) {
	if cfg.Loops == nil || cfg.Logger != nil || cfg.TLSConfig != nil {
		return
	}
	var n atomic.Int64
	cfg.Logger = slog.New(fallbackLog{&n})
	t.Cleanup(func() {
		if n.Load() != 0 {
			t.Error("the connections ran on goroutines, not on the event loops")
		}
	})
}
