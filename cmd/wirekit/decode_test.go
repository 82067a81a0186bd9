package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/protocoltest/traffic"
	"github.com/wirekit/wirekit/internal/tshark"
)

const (
	ordersWire    = "../../examples/orders/orders.wire"
	telemetryWire = "../../gen/golang/testdata/telemetry.wire"
)

// runOK runs the command line args and returns its standard output,
// failing t if it fails.
func runOK(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var code int
	if args[0] == "decode" {
		code = runDecode(args[1:], strings.NewReader(stdin), &stdout, &stderr)
	} else {
		code = run(args, &stdout, &stderr)
	}
	if code != 0 {
		t.Fatalf("wirekit %s: exit %d\n%s", strings.Join(args, " "), code, &stderr)
	}
	return stdout.String()
}

// decodedFrames runs wirekit decode --json on a capture and returns its
// frames by packet, each flattened into lines as package protocoltest
// writes what a frame holds, and their summaries.
func decodedFrames(t *testing.T, schema, file string) (frames map[int][][]string, summaries map[int][]string) {
	t.Helper()
	var out []jsonFrame
	if err := json.Unmarshal([]byte(runOK(t, "", "decode", schema, "--pcap", file, "--json")), &out); err != nil {
		t.Fatal(err)
	}
	frames, summaries = map[int][][]string{}, map[int][]string{}
	for _, f := range out {
		frames[f.Packet] = append(frames[f.Packet], flatten(f.Tree))
		summaries[f.Packet] = append(summaries[f.Packet], f.Summary)
	}
	return frames, summaries
}

func flatten(n *jsonNode) []string {
	var lines []string
	if n.Name != "" {
		lines = append(lines, n.Name+"="+n.Show)
	}
	for _, c := range n.Children {
		lines = append(lines, flatten(c)...)
	}
	for _, p := range n.Problems {
		lines = append(lines, "!"+p.Expert+"="+p.Text)
	}
	return lines
}

// TestDecodeAgreesWithTshark decodes captures with wirekit decode and with
// tshark and the dissector wirekit dissector writes, and holds them
// against each other packet by packet: the same frames, every field with
// the same name and value, the same expert info, and Info columns equal to
// the summaries decode writes.
func TestDecodeAgreesWithTshark(t *testing.T) {
	tshark.Path(t, "tshark")
	dir := t.TempDir()
	luas := map[string]string{}
	for _, schema := range []string{ordersWire, telemetryWire} {
		luas[schema] = filepath.Join(dir, strings.TrimSuffix(filepath.Base(schema), ".wire")+".lua")
		runOK(t, "", "dissector", schema, "-o", luas[schema])
	}
	t.Run("orders tapped", func(t *testing.T) {
		rec := traffic.OrdersTapped(t)
		for _, file := range rec.Files {
			agree(t, ordersWire, luas[ordersWire], file)
		}
	})
	t.Run("orders on loopback", func(t *testing.T) {
		agree(t, ordersWire, luas[ordersWire], traffic.OrdersCaptured(t).Files[0])
	})
	t.Run("telemetry on loopback", func(t *testing.T) {
		file, _, _ := traffic.TelemetryCaptured(t)
		agree(t, telemetryWire, luas[telemetryWire], file)
	})
}

func agree(t *testing.T, schema, lua, file string) {
	t.Helper()
	frames, summaries := decodedFrames(t, schema, file)
	proto := strings.TrimSuffix(filepath.Base(schema), ".wire")
	pkts, err := tshark.ParseJSON(tshark.Run(t, "-X", "lua_script:"+lua, "-r", file, "-T", "json"))
	if err != nil {
		t.Fatal(err)
	}
	info := map[int]string{}
	for _, line := range strings.Split(string(tshark.Run(t, "-X", "lua_script:"+lua, "-r", file, "-T", "fields", "-e", "frame.number", "-e", "_ws.col.Info")), "\n") {
		num, col, ok := strings.Cut(line, "\t")
		if n, err := strconv.Atoi(num); ok && err == nil {
			info[n] = col
		}
	}
	seen, count := 0, 0
	for _, p := range pkts {
		got := p.Frames(proto)
		if len(got) == 0 && len(frames[p.Number]) == 0 {
			continue
		}
		seen++
		count += len(got)
		if len(got) != len(frames[p.Number]) {
			t.Errorf("packet %d: tshark shows %d frames, decode %d", p.Number, len(got), len(frames[p.Number]))
			continue
		}
		for i := range got {
			if !slices.Equal(got[i], frames[p.Number][i]) {
				t.Errorf("packet %d, frame %d: tshark shows\n%s\ndecode shows\n%s", p.Number, i, strings.Join(got[i], "\n"), strings.Join(frames[p.Number][i], "\n"))
			}
		}
		if want := strings.Join(summaries[p.Number], " | "); info[p.Number] != want {
			t.Errorf("packet %d: Info column\n%s\ndecode's summary\n%s", p.Number, info[p.Number], want)
		}
	}
	if len(frames) != seen || count == 0 {
		t.Errorf("decode shows frames in %d packets, tshark in %d (%d frames)", len(frames), seen, count)
	}
}

func TestDecodeHex(t *testing.T) {
	vector := "574b 0103 0000 0007 0000 001d 0000 0000 0000 002a 0000 03e9 a0 0000 0002 dfd1 c040 0000 0064 03 6162 63 e6b5 c777"
	out := runOK(t, "", "decode", ordersWire, "--hex", vector)
	for _, want := range []string{
		`frame 1 (offset 0): NewOrder id=7 order_id=42 instrument=1001 sell ioc price=12345000000 qty=100 tag="abc"` + "\n",
		"24        orders.new_order.side        1 (sell)\n",
		"41        orders.crc.status            1 (Good)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The same frame, twice, as bytes on standard input; then cut short.
	raw, err := parseHex(vector)
	if err != nil {
		t.Fatal(err)
	}
	var frames []jsonFrame
	in := string(raw) + string(raw) + string(raw[:20])
	if err := json.Unmarshal([]byte(runOK(t, in, "decode", "--json", ordersWire, "-")), &frames); err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 || frames[1].Offset != 45 || frames[2].Summary != "NewOrder id=7 order_id=42 [malformed]" {
		t.Fatalf("frames: %+v", frames)
	}
	want := protocoltest.OrdersLines(raw)
	if got := flatten(frames[1].Tree); !slices.Equal(got, want) {
		t.Errorf("decode --json:\n%q\nwant\n%q", got, want)
	}
}

func TestDecodeMessage(t *testing.T) {
	out := runOK(t, "", "decode", "../../gen/golang/testdata/dns.wire", "--message", "Header", "--hex", "abcd 0100 0001 0000 0000 0000")
	for _, want := range []string{"dns.header.id       43981\n", "dns.header.rd       1\n", "dns.header.qdcount  1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"decode"}, 2, "usage: wirekit decode"},
		{[]string{"decode", ordersWire, "--hex", "zz"}, 1, "invalid byte"},
		{[]string{"decode", ordersWire, "--hex", "00", "--pcap", "x"}, 2, "usage"},
		{[]string{"decode", ordersWire, "--pcap", "missing.pcapng"}, 1, "no such file"},
		{[]string{"decode", ordersWire, "--pcap", ordersWire}, 1, "not a pcap or pcapng file"},
		{[]string{"decode", ordersWire, "--message", "Nope", "--hex", "00"}, 1, "no message Nope"},
		{[]string{"decode", "../../gen/golang/testdata/dns.wire", "--hex", "00"}, 1, "declares no frame"},
	} {
		var stdout, stderr bytes.Buffer
		code := runDecode(tt.args[1:], strings.NewReader(""), &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}
