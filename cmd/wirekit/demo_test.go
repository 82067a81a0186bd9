package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
)

// The demo runs its servers by executing its own binary with the arguments
// "demo serve ...". Under go test that binary is the test binary, which
// must then be wirekit, not run the tests.
func init() {
	if len(os.Args) > 2 && os.Args[1] == "demo" && os.Args[2] == serveCommand {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

var shortRun = []string{"-duration", "300ms", "-conns", "2", "-depth", "4"}

// wireBytes is what one request of the wirekit load puts on the wire, both
// ways: its NewOrder frame and the OrderAck frame that answers it.
func wireBytes() float64 {
	order, ack := loadOrder, orderspb.OrderAck{}
	return float64(order.Size() + ack.Size() + 2*orderspb.Framing().Overhead())
}

func TestDemo(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "chart.svg")
	var out, errOut bytes.Buffer
	if code := run(append([]string{"demo", "-svg", svg}, shortRun...), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	s := out.String()
	for _, want := range []string{
		// The spec's test vector, as a hex dump...
		"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|\n" +
			"00000010  00 00 00 2a 00 00 03 e9  a0 00 00 00 02 df d1 c0  |...*............|\n" +
			"00000020  40 00 00 00 64 03 61 62  63 e6 b5 c7 77           |@...d.abc...w|\n",
		// ...as a tree...
		"├─ magic      574b \"WK\"\n├─ version    1\n├─ type       3 NewOrder\n├─ id         7\n├─ length     29\n",
		"│  ├─ order_id    42\n│  ├─ instrument  1001\n│  ├─ side        sell (1)\n│  ├─ tif         ioc (1)\n",
		"│  ├─ price       12345000000 (123.45)\n│  ├─ qty         100\n│  └─ tag         \"abc\"\n",
		"└─ crc32c     e6b5c777 (good)\n",
		// ...and answered.
		"OrderAck id=7 order_id=42 status=accepted reason=none (35 bytes)",
		"Chart: " + svg,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// Every row holds a number for each side.
	for _, row := range []string{"requests/s", "latency p50", "latency p99", "wire bytes/request", "server CPU/request", "server allocs/request", "client CPU/request"} {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(row) + `\s+([<\d.,]+)( [µm]s)?\s+([\d.,]+)( [µm]s)?`).FindStringSubmatch(s)
		if m == nil {
			t.Errorf("no row %q:\n%s", row, s)
			continue
		}
		for _, v := range []string{m[1], m[3]} {
			if n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64); v != "<0.01" && (err != nil || n <= 0) && row != "server allocs/request" {
				t.Errorf("%s: %q is not a positive number", row, v)
			}
		}
	}
	if want := strconv.FormatFloat(wireBytes(), 'f', 1, 64); !regexp.MustCompile(`(?m)^wire bytes/request\s+` + regexp.QuoteMeta(want) + ` `).MatchString(s) {
		t.Errorf("wirekit's wire bytes per request are not %s:\n%s", want, s)
	}
	for _, m := range regexp.MustCompile(`server process (\d+) on`).FindAllStringSubmatch(s, -1) {
		pid, _ := strconv.Atoi(m[1])
		checkGone(t, pid)
	}
	checkChart(t, svg)
}

func TestDemoJSON(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "chart.svg")
	var out, errOut bytes.Buffer
	if code := run(append([]string{"demo", "-json", "-svg", svg}, shortRun...), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	// Standard output is one JSON value and nothing else.
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	var r demoResult
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	if rest, _ := io.ReadAll(dec.Buffered()); len(bytes.TrimSpace(rest)) > 0 {
		t.Errorf("output after the JSON: %q", rest)
	}
	if len(r.Sides) != 2 || r.Sides[0].Server != "wirekit" || r.Sides[1].Server != "HTTP/1.1+JSON" {
		t.Fatalf("sides: %+v", r.Sides)
	}
	for _, s := range r.Sides {
		if s.Requests <= 0 || s.Seconds < 0.25 || s.RequestsPerSec <= 0 || s.P50Micros <= 0 || s.P99Micros < s.P50Micros ||
			s.ServerCPUMicros <= 0 || s.ClientCPUMicros <= 0 || s.ServerAllocs < 0 || s.InFlight != 8 {
			t.Errorf("implausible: %+v", s)
		}
		checkGone(t, s.PID)
	}
	wk, http := r.Sides[0], r.Sides[1]
	if wk.Connections != 2 || http.Connections != 8 {
		t.Errorf("connections: wirekit %d, HTTP %d; want 2 and 8", wk.Connections, http.Connections)
	}
	if wk.WireBytesPerRequest != wireBytes() {
		t.Errorf("wirekit: %v wire bytes per request, want %v", wk.WireBytesPerRequest, wireBytes())
	}
	// An HTTP request line and headers alone are over 100 bytes, the answer's
	// status line and headers too; and encoding/json allocates.
	if http.WireBytesPerRequest < 200 || http.ServerAllocs < 1 {
		t.Errorf("HTTP: %v wire bytes and %v allocations per request", http.WireBytesPerRequest, http.ServerAllocs)
	}
	if r.Ratios.WireBytes == nil || *r.Ratios.WireBytes != http.WireBytesPerRequest/wk.WireBytesPerRequest {
		t.Errorf("wire bytes ratio %v", r.Ratios.WireBytes)
	}
	if r.SVG != svg {
		t.Errorf("svg %q, want %q", r.SVG, svg)
	}
	checkChart(t, svg)
}

// checkGone fails unless process pid has exited and been waited for.
func checkGone(t *testing.T, pid int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no signal 0 there
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return
	}
	if err := p.Signal(syscall.Signal(0)); !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server process %d is still there: signal 0 gives %v", pid, err)
	}
}

// checkChart checks that the file at path is well-formed XML with a bar of
// non-zero width for each figure and side.
func checkChart(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"svg"`
		Rects   []struct {
			ID    string  `xml:"id,attr"`
			Width float64 `xml:"width,attr"`
		} `xml:"rect"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("chart: %v\n%s", err, b)
	}
	bars := map[string]float64{}
	for _, r := range doc.Rects {
		bars[r.ID] = r.Width
	}
	for _, id := range []string{"server_cpu-wirekit", "server_cpu-http", "requests_per_sec-wirekit", "requests_per_sec-http"} {
		if bars[id] <= 0 {
			t.Errorf("chart: no bar %s:\n%s", id, b)
		}
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("no args: exit %d, %q", code, errOut.String())
	}
	if code := run([]string{"nope"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	for _, args := range [][]string{{"-conns", "0"}, {"-depth", "-1"}, {"-duration", "0s"}, {"extra"}} {
		if code := run(append([]string{"demo"}, args...), &out, &errOut); code != 2 {
			t.Errorf("demo %q: exit %d, want 2", args, code)
		}
	}
}

func TestServerProcessAnswersGarbageWithErrorAndCloses(t *testing.T) {
	srv, err := startServerProcess("wirekit", os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.stop(); err != nil {
			t.Error(err)
		}
		checkGone(t, srv.pid())
	}()
	nc, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	// A good echo, then garbage: the echo is answered, then an Error with
	// code 1 (bad magic), then the server closes.
	good, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("hi"))
	nc.Write(append(good, "GET / HTTP/1.1\r\n"...))
	all, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	f, n, err := frame.Next(orders.Framing(), all)
	if err != nil || f.Type != orders.TypeEchoResponse || string(f.Payload) != "hi" {
		t.Fatalf("first response %+v %v", f.Meta, err)
	}
	f, _, err = frame.Next(orders.Framing(), all[n:])
	var e orders.Error
	if err != nil || f.Type != orders.TypeError || e.Decode(f.Payload) != nil || e.Code != orders.CodeBadMagic {
		t.Fatalf("second response %+v %+v %v", f.Meta, e, err)
	}
}

func TestServerProcessThatFailsToStart(t *testing.T) {
	var stderr bytes.Buffer
	srv, err := startServerProcess("gopher", &stderr)
	if err == nil {
		srv.stop()
		t.Fatal("a server process for proto gopher started")
	}
	if !strings.Contains(err.Error(), "exit status 1") || !strings.Contains(stderr.String(), `unknown server "gopher"`) {
		t.Errorf("error %q, stderr %q", err, &stderr)
	}
}
