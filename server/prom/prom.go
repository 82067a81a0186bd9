// Package prom exports a wirekit server's metrics to Prometheus.
//
//	m, err := prom.New(prometheus.DefaultRegisterer)
//	if err != nil { ... }
//	srv := &server.Server{Framing: f, Handler: h, Metrics: m}
//
// The metrics, all prefixed wirekit_server_:
//
//	connections_open            gauge    connections being served
//	connections_accepted_total  counter  connections accepted and served
//	connections_rejected_total  counter  connections refused over MaxConns
//	frames_in_total             counter  frames read and handed to the handler
//	frames_out_total            counter  frames written
//	bytes_in_total              counter  bytes of the frames read
//	bytes_out_total             counter  bytes written
//	protocol_errors_total       counter  input the framing refused, by kind
//	handler_duration_seconds    histogram  time in ServeFrame
//
// To export several servers from one process, give each a Registerer
// wrapped with a distinguishing label (prometheus.WrapRegistererWith).
package prom

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
)

// Metrics is a server.Metrics that updates Prometheus collectors. Its
// methods allocate nothing, except the first protocol error of a kind the
// frame package did not define when Metrics was made.
type Metrics struct {
	open                prometheus.Gauge
	accepted, rejected  prometheus.Counter
	framesIn, framesOut prometheus.Counter
	bytesIn, bytesOut   prometheus.Counter
	protocolErrors      *prometheus.CounterVec
	byKind              [16]prometheus.Counter // the known kinds, resolved once
	handlerDuration     prometheus.Histogram
	unknownKinds        sync.Map // frame.Kind beyond byKind -> prometheus.Counter
}

var _ server.Metrics = (*Metrics)(nil)

// New makes the collectors and registers them on reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	const ns, sub = "wirekit", "server"
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	m := &Metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub,
			Name: "connections_open", Help: "Connections being served."}),
		accepted:  counter("connections_accepted_total", "Connections accepted and served."),
		rejected:  counter("connections_rejected_total", "Connections refused because MaxConns were open."),
		framesIn:  counter("frames_in_total", "Frames read and handed to the handler."),
		framesOut: counter("frames_out_total", "Frames written."),
		bytesIn:   counter("bytes_in_total", "Bytes of the frames read."),
		bytesOut:  counter("bytes_out_total", "Bytes written."),
		protocolErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub,
			Name: "protocol_errors_total", Help: "Input the framing refused, by kind of error."}, []string{"kind"}),
		handlerDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub,
			Name: "handler_duration_seconds", Help: "Time spent in ServeFrame.",
			Buckets: prometheus.ExponentialBuckets(1e-7, 4, 12)}), // 100 ns .. 420 ms
	}
	for k := range m.byKind {
		// Kinds the frame package names; the others are made on first use.
		if name := frame.Kind(k).String(); k > 0 && !strings.HasPrefix(name, "kind(") {
			m.byKind[k] = m.protocolErrors.WithLabelValues(name)
		}
	}
	for _, c := range []prometheus.Collector{m.open, m.accepted, m.rejected, m.framesIn, m.framesOut,
		m.bytesIn, m.bytesOut, m.protocolErrors, m.handlerDuration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ConnAccepted implements server.Metrics.
func (m *Metrics) ConnAccepted() { m.accepted.Inc(); m.open.Inc() }

// ConnRejected implements server.Metrics.
func (m *Metrics) ConnRejected() { m.rejected.Inc() }

// ConnClosed implements server.Metrics.
func (m *Metrics) ConnClosed() { m.open.Dec() }

// FramesIn implements server.Metrics.
func (m *Metrics) FramesIn(n, bytes int) { m.framesIn.Add(float64(n)); m.bytesIn.Add(float64(bytes)) }

// FramesOut implements server.Metrics.
func (m *Metrics) FramesOut(n, bytes int) {
	m.framesOut.Add(float64(n))
	m.bytesOut.Add(float64(bytes))
}

// HandlerDuration implements server.Metrics.
func (m *Metrics) HandlerDuration(d time.Duration) { m.handlerDuration.Observe(d.Seconds()) }

// ProtocolError implements server.Metrics.
func (m *Metrics) ProtocolError(kind frame.Kind) {
	if int(kind) < len(m.byKind) && m.byKind[kind] != nil {
		m.byKind[kind].Inc()
		return
	}
	c, ok := m.unknownKinds.Load(kind)
	if !ok {
		c, _ = m.unknownKinds.LoadOrStore(kind, m.protocolErrors.WithLabelValues(kind.String()))
	}
	c.(prometheus.Counter).Inc()
}
