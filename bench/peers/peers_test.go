// Package peers_test checks that every peer server of the benchmark answers
// WK orders v1 (shared/spec/orders-v1.md) correctly, over loopback: a peer
// that answers wrongly would be measured doing less than the others.
package peers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/wirekit/wirekit/bench/benchpb"
	"github.com/wirekit/wirekit/bench/internal/serve"
	"github.com/wirekit/wirekit/bench/internal/wk"
	"github.com/wirekit/wirekit/bench/peers/gnetpeer"
	"github.com/wirekit/wirekit/bench/peers/grpcpeer"
	"github.com/wirekit/wirekit/bench/peers/httppeer"
	"github.com/wirekit/wirekit/bench/peers/netpeer"
	"github.com/wirekit/wirekit/bench/peers/wirekitpeer"
	"github.com/wirekit/wirekit/server"
)

// vector is the spec's test vector: NewOrder, request id 7, order 42.
var vector = mustHex(`574b 0103 0000 0007 0000 001d
	0000 0000 0000 002a 0000 03e9 a0 0000 0002 dfd1 c040 0000 0064 03 6162 63
	e6b5 c777`)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

func start[S serve.Server](t *testing.T, f func(string) (S, error)) S {
	t.Helper()
	s, err := f("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// wkPeers are the peers that speak WK orders v1 over TCP.
var wkPeers = []struct {
	name  string
	start func(t *testing.T) serve.Server
}{
	{"wirekit-poll", func(t *testing.T) serve.Server { return start(t, wirekitOn(server.EnginePoll)) }},
	{"wirekit-goroutine", func(t *testing.T) serve.Server { return start(t, wirekitOn(server.EngineGoroutine)) }},
	{"net", func(t *testing.T) serve.Server { return start(t, netpeer.Start) }},
	{"gnet", func(t *testing.T) serve.Server { return start(t, gnetpeer.Start) }},
}

func wirekitOn(e server.Engine) func(string) (*wirekitpeer.Server, error) {
	return func(addr string) (*wirekitpeer.Server, error) { return wirekitpeer.Start(addr, e, 0, 0) }
}

func dial(t *testing.T, s serve.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// readFrame reads one frame and checks its header and checksum.
func readFrame(t *testing.T, c net.Conn) []byte {
	t.Helper()
	h := make([]byte, wk.HeaderLen)
	if _, err := io.ReadFull(c, h); err != nil {
		t.Fatalf("reading an answer: %v", err)
	}
	f := append(h, make([]byte, wk.FrameLen(h)-wk.HeaderLen)...)
	if _, err := io.ReadFull(c, f[wk.HeaderLen:]); err != nil {
		t.Fatalf("reading an answer: %v", err)
	}
	if n, code := wk.Split(f); n != len(f) || code != 0 {
		t.Fatalf("answer %x does not split: %d, code %d", f, n, code)
	}
	return f
}

func checkAck(t *testing.T, f []byte, id uint32) {
	t.Helper()
	// Type 4, the request's id, L = 19.
	if want := mustHex("574b 0104 0000 0000 0000 0013"); !bytes.Equal(f[:4], want[:4]) || wk.ID(f) != id || !bytes.Equal(f[8:12], want[8:12]) {
		t.Fatalf("ack header %x, want type 4, id %d, L 19", f[:wk.HeaderLen], id)
	}
	var a wk.Ack
	if !wk.DecodeAck(wk.Payload(f), &a) || a.OrderID != 42 || a.Status != 0 || a.Reason != 0 || a.ServerTime == 0 {
		t.Fatalf("ack %+v", a)
	}
}

func echoRequest(id uint32, payload string) []byte {
	return wk.Finish(append(wk.Begin(nil, wk.TypeEchoRequest, id), payload...), 0)
}

func checkError(t *testing.T, f []byte, id uint32, code wk.Code) {
	t.Helper()
	p := wk.Payload(f)
	if wk.Type(f) != wk.TypeError || wk.ID(f) != id || len(p) < 3 || wk.Code(binary.BigEndian.Uint16(p)) != code {
		t.Fatalf("got %x, want an Error with id %d and code %d", f, id, code)
	}
}

func TestWKPeers(t *testing.T) {
	for _, p := range wkPeers {
		t.Run(p.name, func(t *testing.T) { testWKPeer(t, p.start(t)) })
	}
}

// testWKPeer runs its cases on one server, each on a connection of its own.
func testWKPeer(t *testing.T, s serve.Server) {
	t.Run("vector", func(t *testing.T) {
		c := dial(t, s)
		c.Write(vector)
		checkAck(t, readFrame(t, c), 7)
	})
	t.Run("pipelined", func(t *testing.T) {
		c := dial(t, s)
		var batch []byte
		batch = append(batch, vector...)
		batch = append(batch, echoRequest(8, "hello")...)
		batch = append(batch, vector...)
		// One byte at a time, then the rest: answers must not depend on
		// how the stream is cut.
		for _, b := range batch[:20] {
			c.Write([]byte{b})
		}
		c.Write(batch[20:])
		checkAck(t, readFrame(t, c), 7)
		if f := readFrame(t, c); wk.Type(f) != wk.TypeEchoResponse || wk.ID(f) != 8 || string(wk.Payload(f)) != "hello" {
			t.Fatalf("echo answer %x", f)
		}
		checkAck(t, readFrame(t, c), 7)
	})
	t.Run("message errors keep the connection", func(t *testing.T) {
		c := dial(t, s)
		unknown := wk.Finish(wk.Begin(nil, 9, 11), 0)
		reserved := bytes.Clone(vector[:len(vector)-wk.TrailerLen])
		reserved[wk.HeaderLen+12] |= 1
		c.Write(append(unknown, wk.Finish(reserved, 0)...))
		checkError(t, readFrame(t, c), 11, wk.CodeUnknownType)
		checkError(t, readFrame(t, c), 7, wk.CodeMalformed)
		c.Write(vector)
		checkAck(t, readFrame(t, c), 7)
	})
	t.Run("bad checksum closes", func(t *testing.T) {
		c := dial(t, s)
		bad := bytes.Clone(vector)
		bad[len(bad)-1] ^= 1
		c.Write(bad)
		checkError(t, readFrame(t, c), 7, wk.CodeBadChecksum)
		if n, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("read %d bytes after a fatal error; want the connection closed", n)
		}
	})
}

func TestHTTPPeer(t *testing.T) {
	s := start(t, httppeer.Start)
	url := "http://" + s.Addr().String()
	post := func(path, ctype, body string) (int, []byte) {
		t.Helper()
		resp, err := http.Post(url+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	order := `{"order_id":42,"instrument":1001,"side":"sell","tif":"ioc","price":12345000000,"qty":100,"tag":"abc"}`
	status, body := post("/order", "application/json", order)
	var a httppeer.Ack
	if err := json.Unmarshal(body, &a); status != 200 || err != nil || a.OrderID != 42 || a.Status != "accepted" || a.Reason != "none" || a.ServerTime == 0 {
		t.Fatalf("vector: %d %s", status, body)
	}
	status, body = post("/order", "application/json", strings.Replace(order, `"tif":"ioc"`, `"tif":"never"`, 1))
	if err := json.Unmarshal(body, &a); status != 200 || err != nil || a.Status != "rejected" || a.Reason != "bad_tif" {
		t.Fatalf("bad tif: %d %s", status, body)
	}
	if status, body = post("/order", "application/json", `{"order_id":`); status != 400 || !strings.Contains(string(body), `"code":6`) {
		t.Fatalf("malformed: %d %s", status, body)
	}
	if status, body = post("/echo", "application/octet-stream", "hello"); status != 200 || string(body) != "hello" {
		t.Fatalf("echo: %d %q", status, body)
	}
}

func TestGRPCPeer(t *testing.T) {
	s := start(t, grpcpeer.Start)
	cc, err := grpc.NewClient("passthrough:///"+s.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	c := benchpb.NewOrdersClient(cc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o := &benchpb.NewOrder{OrderId: 42, Instrument: 1001, Side: benchpb.Side_SIDE_SELL, Tif: benchpb.Tif_TIF_IOC, Price: 12_345_000_000, Qty: 100, Tag: "abc"}
	check := func(a *benchpb.OrderAck, err error) {
		t.Helper()
		if err != nil || a.OrderId != 42 || a.Status != benchpb.Status_STATUS_ACCEPTED || a.Reason != benchpb.Reason_REASON_NONE || a.ServerTime == 0 {
			t.Fatalf("ack %v, %v", a, err)
		}
	}
	check(c.Place(ctx, o))
	bad := &benchpb.NewOrder{OrderId: 42, Instrument: 1001, Price: 1}
	if a, err := c.Place(ctx, bad); err != nil || a.Status != benchpb.Status_STATUS_REJECTED || a.Reason != benchpb.Reason_REASON_BAD_QTY {
		t.Fatalf("qty 0: %v, %v", a, err)
	}
	if r, err := c.Echo(ctx, &benchpb.EchoRequest{Payload: []byte("hello")}); err != nil || string(r.Payload) != "hello" {
		t.Fatalf("echo: %v, %v", r, err)
	}
	st, err := c.PlaceStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // pipelined: all sent before any is read
		if err := st.Send(o); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		check(st.Recv())
	}
	st.CloseSend()
	es, err := c.EchoStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es.Send(&benchpb.EchoRequest{Payload: []byte("hello")})
	if r, err := es.Recv(); err != nil || string(r.Payload) != "hello" {
		t.Fatalf("echo stream: %v, %v", r, err)
	}
	es.CloseSend()
}
