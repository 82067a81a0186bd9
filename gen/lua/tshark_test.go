package lua

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/protocoltest/traffic"
	"github.com/wirekit/wirekit/internal/tshark"
	"github.com/wirekit/wirekit/trace"
)

// These tests load the generated dissector into tshark, hand it traffic
// of real clients and servers on loopback, and hold what tshark shows of
// every frame against what the frame holds (package protocoltest, from the
// protocol's specification): every field, by name and value, and every
// expert info.

// writeDissector generates the dissector of schema into a temporary file.
func writeDissector(t *testing.T, schema string, opts Options) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(schema), ".wire")+".lua")
	if err := os.WriteFile(file, generate(t, schema, opts), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestTsharkLoads loads every dissector into tshark, which reports Lua
// errors (tshark.Run fails on them).
func TestTsharkLoads(t *testing.T) {
	tshark.Path(t, "tshark")
	empty := filepath.Join(t.TempDir(), "empty.pcapng")
	f, err := os.Create(empty)
	if err != nil {
		t.Fatal(err)
	}
	tap, err := trace.NewTap(f, trace.TapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tap.Close()
	f.Close()
	for _, name := range framed {
		tshark.Run(t, "-X", "lua_script:"+writeDissector(t, name, Options{Port: 7070}), "-r", empty)
	}
}

// TestTsharkOrdersTap records the reference protocol with trace.Tap twice:
// on the client side in segments of 7 bytes, so that every frame is cut
// across several, and on the server side in segments of 1460, where one
// segment carries several pipelined frames.
func TestTsharkOrdersTap(t *testing.T) {
	tshark.Path(t, "tshark")
	lua := writeDissector(t, "../../examples/orders/orders.wire", Options{})
	rec := traffic.OrdersTapped(t)
	t.Run("client MSS 7", func(t *testing.T) {
		s := checkOrders(t, lua, rec.Files[0], rec)
		if s.reassembled < s.frames {
			t.Errorf("%d of %d frames reassembled from several segments, want all", s.reassembled, s.frames)
		}
	})
	t.Run("server MSS 1460", func(t *testing.T) {
		s := checkOrders(t, lua, rec.Files[1], rec)
		if s.crowded == 0 {
			t.Errorf("no packet holds several frames")
		}
	})
}

// TestTsharkOrdersLoopback captures the reference protocol with dumpcap on
// the loopback interface, as a user would, and has tshark find it on the
// TCP port the dissector's preference names.
func TestTsharkOrdersLoopback(t *testing.T) {
	tshark.Path(t, "tshark")
	lua := writeDissector(t, "../../examples/orders/orders.wire", Options{})
	rec := traffic.OrdersCaptured(t)
	s := checkOrders(t, lua, rec.Files[0], rec, "-o", "orders.tcp_port:"+strconv.Itoa(rec.ServerPort))
	if s.crowded == 0 || s.reassembled == 0 {
		t.Errorf("%d packets hold several frames and %d frames were reassembled from several segments; want some of each", s.crowded, s.reassembled)
	}
}

// stats counts what a capture exercised.
type stats struct {
	frames      int
	crowded     int // packets holding several frames
	reassembled int // frames cut across segments
}

// checkOrders runs tshark with the dissector lua on file and holds every
// frame it shows against protocoltest.OrdersLines, connection by
// connection, direction by direction.
func checkOrders(t *testing.T, lua, file string, rec traffic.Recording, args ...string) stats {
	t.Helper()
	out := tshark.Run(t, append([]string{"-X", "lua_script:" + lua, "-r", file, "-T", "json"}, args...)...)
	pkts, err := tshark.ParseJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	type side struct {
		port   int
		server bool
	}
	got := map[side][][]string{}
	var s stats
	for _, p := range pkts {
		frames := p.Frames("orders")
		if len(frames) == 0 {
			continue
		}
		src, _ := p.Layers.Get("tcp.srcport")
		dst, _ := p.Layers.Get("tcp.dstport")
		k := side{port: atoi(t, src)}
		if k.port == rec.ServerPort {
			k = side{port: atoi(t, dst), server: true}
		}
		got[k] = append(got[k], frames...)
		s.frames += len(frames)
		if len(frames) > 1 {
			s.crowded++
		}
		if _, ok := p.Layers.Get("tcp.segment.count"); ok {
			s.reassembled++ // the first frame of the packet; the others were whole
		}
	}
	badChecksums := 0
	for _, c := range rec.Conns {
		for _, dir := range []struct {
			server bool
			stream []byte
		}{{false, c.Client}, {true, c.Server}} {
			k := side{c.ClientPort, dir.server}
			want := protocoltest.SplitOrders(dir.stream)
			if len(got[k]) != len(want) {
				t.Errorf("port %d, server %t: tshark shows %d frames, %d were sent", k.port, k.server, len(got[k]), len(want))
				continue
			}
			for i, raw := range want {
				wantLines := protocoltest.OrdersLines(raw)
				if !slices.Equal(got[k][i], wantLines) {
					t.Errorf("port %d, server %t, frame %d:\n%s", k.port, k.server, i, diff(got[k][i], wantLines))
				}
				if slices.Contains(wantLines, "orders.crc.status=0") {
					badChecksums++
				}
			}
		}
	}
	if badChecksums != 1 {
		t.Errorf("%d frames with a bad checksum, want the 1 sent", badChecksums)
	}
	return s
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("port %q: %v", s, err)
	}
	return n
}

// diff shows two lists of lines side by side, marking those that differ.
func diff(got, want []string) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		mark := "  "
		if g != w {
			mark = "! "
		}
		fmt.Fprintf(&b, "%s%-50s | %s\n", mark, g, w)
	}
	return "tshark shows | the frame holds\n" + b.String()
}

// TestTsharkTelemetryUDP captures the little-endian, LSB-first telemetry
// protocol over UDP on loopback; tshark finds it by its magic bytes.
func TestTsharkTelemetryUDP(t *testing.T) {
	tshark.Path(t, "tshark")
	lua := writeDissector(t, "../golang/testdata/telemetry.wire", Options{})
	file, clientPort, serverPort := traffic.TelemetryCaptured(t)
	out := tshark.Run(t, "-X", "lua_script:"+lua, "-r", file, "-T", "json")
	pkts, err := tshark.ParseJSON(out)
	if err != nil {
		t.Fatal(err)
	}
	var got [2][][]string // client's, then server's
	for _, p := range pkts {
		src, _ := p.Layers.Get("udp.srcport")
		switch atoi(t, src) {
		case clientPort:
			got[0] = append(got[0], p.Frames("telemetry")...)
		case serverPort:
			got[1] = append(got[1], p.Frames("telemetry")...)
		}
	}
	for i, dgs := range []protocoltest.Datagrams{protocoltest.TelemetryRequests(), protocoltest.TelemetryResponse()} {
		var want [][]string
		for _, dg := range dgs {
			for _, f := range dg {
				want = append(want, f.Lines())
			}
		}
		if len(got[i]) != len(want) {
			t.Fatalf("side %d: tshark shows %d frames, %d were sent", i, len(got[i]), len(want))
		}
		for j := range want {
			if !slices.Equal(got[i][j], want[j]) {
				t.Errorf("side %d, frame %d:\n%s", i, j, diff(got[i][j], want[j]))
			}
		}
	}
}

// TestTsharkTelemetryTap sends the telemetry frames over a TCP stream
// recorded by trace.Tap in segments of 5 bytes: the frame's length, which
// counts the whole frame, is little-endian and arrives in pieces.
func TestTsharkTelemetryTap(t *testing.T) {
	tshark.Path(t, "tshark")
	lua := writeDissector(t, "../golang/testdata/telemetry.wire", Options{})
	file := filepath.Join(t.TempDir(), "telemetry.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	tap, err := trace.NewTap(f, trace.TapOptions{MSS: 5})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	conn := tap.ClientConn(a)
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, b)
		done <- err
	}()
	reqs := protocoltest.TelemetryRequests()
	var want [][]string
	for i, dg := range reqs {
		if _, err := conn.Write(reqs.Bytes(i)); err != nil {
			t.Fatal(err)
		}
		for _, f := range dg {
			want = append(want, f.Lines())
		}
	}
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	tap.Close()
	f.Close()
	pkts, err := tshark.ParseJSON(tshark.Run(t, "-X", "lua_script:"+lua, "-r", file, "-T", "json"))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, p := range pkts {
		got = append(got, p.Frames("telemetry")...)
	}
	if len(got) != len(want) {
		t.Fatalf("tshark shows %d frames, %d were sent", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("frame %d:\n%s", i, diff(got[i], want[i]))
		}
	}
}
