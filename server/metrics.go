package server

import (
	"time"

	"github.com/wirekit/wirekit/frame"
)

// Metrics receives the server's counts. Set [Server.Metrics] to one (the
// Prometheus adapter is in package server/prom) or leave it nil.
//
// The methods are called on the data path, from connection goroutines
// concurrently: they must be safe for concurrent use, must not block, and
// should not allocate. The frame counts come once per batch (one read's
// frames, one write's frames), not once per frame, so an implementation
// costs a few atomic additions per batch.
type Metrics interface {
	// ConnAccepted is called when a connection is accepted and served.
	ConnAccepted()
	// ConnRejected is called when a connection is refused because
	// [Server.MaxConns] connections are open.
	ConnRejected()
	// ConnClosed is called when a served connection has closed: once for
	// each ConnAccepted.
	ConnClosed()
	// FramesIn counts n frames of bytes bytes in total, read and handed to
	// the handler.
	FramesIn(n, bytes int)
	// FramesOut counts n frames written in one flush of bytes bytes.
	FramesOut(n, bytes int)
	// ProtocolError counts a framing error of the given kind: input the
	// framing refused.
	ProtocolError(kind frame.Kind)
	// HandlerDuration observes how long one ServeFrame call took. It is
	// measured only when Server.Metrics is set.
	HandlerDuration(d time.Duration)
}

// NopMetrics is a [Metrics] that does nothing: the server's default. Embed it
// in an implementation that counts only some things; it then keeps
// compiling when Metrics gains a method.
type NopMetrics struct{}

// ConnAccepted does nothing.
func (NopMetrics) ConnAccepted() {}

// ConnRejected does nothing.
func (NopMetrics) ConnRejected() {}

// ConnClosed does nothing.
func (NopMetrics) ConnClosed() {}

// FramesIn does nothing.
func (NopMetrics) FramesIn(n, bytes int) {}

// FramesOut does nothing.
func (NopMetrics) FramesOut(n, bytes int) {}

// ProtocolError does nothing.
func (NopMetrics) ProtocolError(kind frame.Kind) {}

// HandlerDuration does nothing.
func (NopMetrics) HandlerDuration(time.Duration) {}
