package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
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
	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/trace"
)

const (
	ordersWire    = "../../examples/orders/orders.wire"
	telemetryWire = "../../gen/golang/testdata/telemetry.wire"
	mixedWire     = "../../gen/golang/testdata/mixed.wire"
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
	t.Run("broken orders", func(t *testing.T) {
		agree(t, ordersWire, luas[ordersWire], tapped(t, protocoltest.BrokenOrders()...))
	})
	t.Run("broken telemetry", func(t *testing.T) {
		agree(t, telemetryWire, luas[telemetryWire], tapped(t, protocoltest.BrokenTelemetry()))
	})
	t.Run("random mixed frames", func(t *testing.T) {
		lua := filepath.Join(dir, "mixed.lua")
		runOK(t, "", "dissector", mixedWire, "-o", lua)
		agree(t, mixedWire, lua, tapped(t, mixedFrames(300)))
	})
}

// mixedFrames returns n frames of gen/golang/testdata/mixed.wire, made at
// random: bodies that decode, and bodies that do not in every way they can
// fail, of known and unknown types, some with bad checksums or versions.
// Whatever they hold, decode and the dissector must show the same.
func mixedFrames(n int) []byte {
	rng := rand.New(rand.NewPCG(6, 6))
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	small := func() int { return rng.IntN(3) }
	be := binary.BigEndian
	var stream []byte
	for range n {
		typ := uint16(rng.IntN(5)) // 0 and 4 are no message's
		var body []byte
		switch typ {
		case 1: // Wide: 31 bytes
			body = bytesOf(30 + rng.IntN(3))
		case 2: // Shapes
			body = bytesOf(12) // origin, corners
			k := small()
			body = append(be.AppendUint16(body, uint16(k)), bytesOf(k)...)
			k = small()
			body = append(append(body, byte(k)), bytesOf(4*k)...)
			body = append(body, bytesOf(4)...) // grid
			for range 2 {
				name := []string{"", "ab", "é", "\xff"}[rng.IntN(4)]
				body = append(append(body, byte(len(name))), name...)
			}
			body = append(body, "four"...)
			body = append(body, bytesOf(3)...)
			k = small()
			body = append(append(body, byte(k)), bytesOf(k)...) // blob, a one-byte uvarint
			rows := small()
			body = append(body, byte(rows))
			for range rows {
				k = small()
				body = append(append(body, byte(k)), bytesOf(2*k)...)
			}
			mode := []byte{1, 2, 3, 5, 6, 7, 9}[rng.IntN(7)]
			body = append(body, mode)
			if mode == 5 {
				body = append(body, bytesOf(4)...)
			}
			if mode == 6 || mode == 7 {
				body = append(body, bytesOf(4)...)
			}
			if mode != 9 {
				body = append(body, bytesOf(8)...)
			}
			body = be.AppendUint64(body, uint64(rng.Int64N(15)-7)) // big: -5..5 allowed
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(rng.NormFloat64()*1e3))
			body = append(body, bytesOf(4*small()+rng.IntN(2))...)
			if rng.IntN(4) == 0 {
				body = body[:rng.IntN(len(body))] // cut short
			}
		}
		f := append([]byte("MIX"), byte(rng.IntN(16))<<4|byte(1+rng.IntN(3)))
		f = be.AppendUint16(f, typ)
		f = append(f, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
		f = append(f, body...)
		sum := crc32.ChecksumIEEE(f[3:])
		if rng.IntN(10) == 0 {
			sum++
		}
		stream = be.AppendUint32(append(stream, f...), sum)
	}
	return stream
}

// tapped records each stream as a TCP connection of its own, sent by its
// client in one write, into a capture file.
func tapped(t *testing.T, streams ...[]byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tapped.pcapng")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tap, err := trace.NewTap(f, trace.TapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range streams {
		a, b := net.Pipe()
		done := make(chan error, 1)
		go func() {
			_, err := b.Write(s)
			b.Close()
			done <- err
		}()
		c := tap.Conn(a)
		if _, err := io.ReadAll(c); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
	return file
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
	out := runOK(t, "", "decode", ordersWire, "--hex", wktest.SpecVector)
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
	raw, err := parseHex(wktest.SpecVector)
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
