package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

func TestPanicClosesOnlyItsConnection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var logs logBuffer
		s := &Server{
			Engine: e,
			Logger: logs.logger(slog.LevelInfo),
			Handler: HandlerFunc(func(w *Writer, req *Request) {
				if string(req.Payload) == "boom" {
					panic("handler exploded")
				}
				answer(w, req)
			}),
		}
		addr := serveTCP(t, s)
		bad, good := dial(t, "tcp", addr), dial(t, "tcp", addr)
		good.roundTrip(1, "before")
		bad.queue(orders.TypeEchoRequest, 1, "fine")
		bad.queue(orders.TypeEchoRequest, 2, "boom")
		bad.flush()
		bad.expectClosed()
		good.roundTrip(2, "after")
		out := logs.String()
		for _, want := range []string{"level=ERROR", "panic in handler", "handler exploded", "stack=", "callHandler"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestNonFatalProtocolError: a framing error the stream can step over goes
// to the hook, whose frame follows the answers to the frames before it,
// and the connection reads on.
func TestNonFatalProtocolError(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		lines, err := frame.NewDelimited(frame.DelimitedConfig{Max: 24, Discard: true})
		if err != nil {
			t.Fatal(err)
		}
		var m counts
		var mu sync.Mutex
		var seen []*frame.Error
		s := &Server{
			Engine:  e,
			Framing: lines,
			Metrics: &m,
			Handler: HandlerFunc(func(w *Writer, req *Request) { w.WriteFrame(frame.Meta{}, append([]byte("ok "), req.Payload...)) }),
			OnProtocolError: func(w *Writer, err error) {
				var fe *frame.Error
				errors.As(err, &fe)
				mu.Lock()
				seen = append(seen, fe)
				mu.Unlock()
				if err := w.WriteFrame(frame.Meta{}, []byte("ERR "+fe.Kind.String())); err != nil {
					panic(err)
				}
			},
		}
		addr := serveTCP(t, s)
		c := dial(t, "tcp", addr)
		c.sc = newLFConn(c.nc, lines)
		if _, err := c.nc.Write([]byte("a\nthis line is much too long for it\nb\n")); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"ok a", "ERR frame too large", "ok b"} {
			f, err := c.sc.ReadFrame()
			if err != nil || string(f.Payload) != want {
				t.Fatalf("got %q %v, want %q", f.Payload, err, want)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 1 || seen[0].Fatal || seen[0].Kind != frame.TooLarge || seen[0].Offset != 26 {
			t.Errorf("hook saw %+v", seen)
		}
		if m.protocol[frame.TooLarge].Load() != 1 {
			t.Error("protocol error not counted")
		}
	})
}

func TestCloseAfter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, Handler: HandlerFunc(func(w *Writer, req *Request) {
			answer(w, req)
			if string(req.Payload) == "bye" {
				w.CloseAfter()
			}
		})}
		c := dial(t, "tcp", serveTCP(t, s))
		c.queue(orders.TypeEchoRequest, 1, "hi")
		c.queue(orders.TypeEchoRequest, 2, "bye")
		c.queue(orders.TypeEchoRequest, 3, "never read")
		c.flush()
		c.expect(orders.TypeEchoResponse, 1, "hi")
		c.expect(orders.TypeEchoResponse, 2, "bye")
		c.expectClosed()
	})
}

func TestConnStateAndContexts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		type key struct{}
		var mu sync.Mutex
		var states []ConnState
		s := &Server{
			Engine: e,
			ConnContext: func(ctx context.Context, nc net.Conn) context.Context {
				return context.WithValue(ctx, key{}, nc.RemoteAddr().String())
			},
			ConnState: func(_ net.Conn, st ConnState) {
				mu.Lock()
				states = append(states, st)
				mu.Unlock()
			},
			Handler: HandlerFunc(func(w *Writer, req *Request) {
				if req.Context().Value(key{}) != req.RemoteAddr().String() || req.LocalAddr() == nil || req.TLS() != nil {
					w.WriteFrame(frame.Meta{Type: orders.TypeError, ID: req.ID}, nil)
					return
				}
				answer(w, req)
			}),
		}
		c := dial(t, "tcp", serveTCP(t, s))
		c.roundTrip(1, "x")
		c.nc.Close()
		eventually(t, "StateClosed", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(states) > 0 && states[len(states)-1] == StateClosed
		})
		mu.Lock()
		defer mu.Unlock()
		got := make([]string, len(states))
		for i, st := range states {
			got[i] = st.String()
		}
		if s := strings.Join(got, " "); s != "new active idle closed" {
			t.Errorf("states %q", s)
		}
	})
}

// TestDebugLogsFrames: at Debug level, frames in and out are logged as hex
// dumps, with connections opened and closed; above it, nothing is.
func TestDebugLogsFrames(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo} {
			var logs logBuffer
			s := &Server{Engine: e, Logger: logs.logger(level)}
			c := dial(t, "tcp", serveTCP(t, s))
			c.roundTrip(7, "dump me")
			c.nc.Close()
			eventually(t, "the close", func() bool { return level != slog.LevelDebug || strings.Contains(logs.String(), "connection closed") })
			out := logs.String()
			wantDump := level == slog.LevelDebug
			for _, s := range []string{"connection opened", "msg=\"frame in\"", "msg=\"frame out\"", "57 4b 01 01 00 00 00 07", "|WK..........dump|"} {
				if strings.Contains(out, s) != wantDump {
					t.Errorf("level %v: log has %q: %v, want %v\n%s", level, s, !wantDump, wantDump, out)
				}
			}
		}
	})
}

// TestPoisonShowsRetainedFrames: with Poison, a handler that keeps a
// borrowed payload past ServeFrame sees it overwritten.
func TestPoisonShowsRetainedFrames(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		var kept []byte
		seen := make(chan []byte, 2)
		s := &Server{Engine: e, Poison: true, Handler: HandlerFunc(func(w *Writer, req *Request) {
			if kept != nil {
				seen <- append([]byte(nil), kept...)
			}
			kept = req.Payload // the bug: no copy
			answer(w, req)
		})}
		c := dial(t, "tcp", serveTCP(t, s))
		c.roundTrip(1, "first")
		c.roundTrip(2, "second")
		// Poisoned, or by now reused for the next frame: never what it was.
		if got := <-seen; string(got) == "first" {
			t.Errorf("retained payload still reads %q", got)
		}
	})
}

// TestConnStateHookMayClose: a ConnState hook may close the connection it
// is told about, as net/http's may: the goroutine engine does not serve
// inside RawConn.Read, where that close would wait for itself, when the
// hook is set.
func TestConnStateHookMayClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e Engine) {
		s := &Server{Engine: e, ConnState: func(nc net.Conn, st ConnState) {
			if st == StateIdle {
				nc.Close()
			}
		}}
		c := dial(t, "tcp", serveTCP(t, s))
		c.roundTrip(1, "x")
		c.expectClosed()
	})
}
