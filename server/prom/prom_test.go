package prom_test

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/examples/orders/ordersvc"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/server"
	"github.com/wirekit/wirekit/server/prom"
	"github.com/wirekit/wirekit/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMetricsAfterTraffic(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := prom.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	srv := ordersvc.NewServer()
	srv.Metrics = m
	srv.MaxConns = 1
	srv.Logger = slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := stream.New(nc, orders.Framing(), stream.Config{})
	for i := range 10 {
		c.WriteFrame(frame.Meta{Type: orders.TypeEchoRequest, ID: uint64(i)}, []byte("0123456789"))
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := c.ReadFrame(); err != nil {
			t.Fatal(err)
		}
	}
	// One over MaxConns.
	over, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	over.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := over.Read(make([]byte, 1)); err == nil {
		t.Error("the connection over MaxConns was served")
	}
	over.Close()
	// A bad checksum: an Error frame, then the close.
	bad, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 99}, []byte("x"))
	bad[len(bad)-1] ^= 1
	nc.Write(bad)
	if f, err := c.ReadFrame(); err != nil || f.Type != orders.TypeError {
		t.Fatalf("answer to a bad checksum: %+v %v", f.Meta, err)
	}
	if _, err := c.ReadFrame(); err == nil {
		t.Fatal("connection open after a bad checksum")
	}

	srv.Shutdown(t.Context())
	if err := <-served; !errors.Is(err, server.ErrServerClosed) {
		t.Fatal(err)
	}
	expect := `
# HELP wirekit_server_connections_accepted_total Connections accepted and served.
# TYPE wirekit_server_connections_accepted_total counter
wirekit_server_connections_accepted_total 1
# HELP wirekit_server_connections_open Connections being served.
# TYPE wirekit_server_connections_open gauge
wirekit_server_connections_open 0
# HELP wirekit_server_connections_rejected_total Connections refused because MaxConns were open.
# TYPE wirekit_server_connections_rejected_total counter
wirekit_server_connections_rejected_total 1
# HELP wirekit_server_frames_in_total Frames read and handed to the handler.
# TYPE wirekit_server_frames_in_total counter
wirekit_server_frames_in_total 10
# HELP wirekit_server_frames_out_total Frames written.
# TYPE wirekit_server_frames_out_total counter
wirekit_server_frames_out_total 11
# HELP wirekit_server_bytes_in_total Bytes of the frames read.
# TYPE wirekit_server_bytes_in_total counter
wirekit_server_bytes_in_total 260
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expect),
		"wirekit_server_connections_accepted_total", "wirekit_server_connections_open",
		"wirekit_server_connections_rejected_total", "wirekit_server_frames_in_total",
		"wirekit_server_frames_out_total", "wirekit_server_bytes_in_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "wirekit_server_protocol_errors_total"); n < 5 {
		t.Errorf("%d protocol error series, want one per kind", n)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "wirekit_server_protocol_errors_total":
			for _, s := range mf.GetMetric() {
				want := 0.0
				if s.GetLabel()[0].GetValue() == "bad checksum" {
					want = 1
				}
				if s.GetCounter().GetValue() != want {
					t.Errorf("protocol errors %s = %v, want %v", s.GetLabel()[0].GetValue(), s.GetCounter().GetValue(), want)
				}
			}
		case "wirekit_server_handler_duration_seconds":
			if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != 10 {
				t.Errorf("handler latency has %d samples, want 10", n)
			}
		case "wirekit_server_bytes_out_total":
			if v := mf.GetMetric()[0].GetCounter().GetValue(); v <= 260 {
				t.Errorf("bytes out %v", v)
			}
		}
	}
}

func TestRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := prometheus.WrapRegistererWith(prometheus.Labels{"server": "a"}, reg)
	if _, err := prom.New(a); err != nil {
		t.Fatal(err)
	}
	if _, err := prom.New(a); err == nil {
		t.Error("second registration with the same labels succeeded")
	}
	if _, err := prom.New(prometheus.WrapRegistererWith(prometheus.Labels{"server": "b"}, reg)); err != nil {
		t.Errorf("with a distinguishing label: %v", err)
	}
}

func TestZeroAllocs(t *testing.T) {
	m, _ := prom.New(prometheus.NewRegistry())
	n := testing.AllocsPerRun(100, func() {
		m.FramesIn(16, 1000)
		m.FramesOut(16, 700)
		m.HandlerDuration(time.Microsecond)
		m.ProtocolError(frame.BadChecksum)
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}
