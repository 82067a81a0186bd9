package trace

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests hand the files a Tap writes to Wireshark's own reader,
// tshark, which must find no fault in them and must reassemble every TCP
// stream into exactly the bytes the application sent.

// tsharkPath returns the path of tshark. Without tshark the test is
// skipped, unless WIREKIT_REQUIRE_TOOLS=1 makes that a failure (as in CI,
// which installs it).
func tsharkPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("WIREKIT_REQUIRE_TOOLS") == "1" {
			t.Fatalf("WIREKIT_REQUIRE_TOOLS=1 but tshark is not installed: %v", err)
		}
		t.Skip("tshark is not installed (Debian: apt-get install tshark); skipping the check with Wireshark")
	}
	return path
}

// runTshark runs tshark with args and a 60-second timeout and returns its
// standard output. It fails the test if tshark fails or says the file is
// damaged.
func runTshark(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tsharkPath(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	// tshark reports a damaged file on stderr ("appears to have been cut
	// short", "appears to be damaged or corrupt") and may still exit 0.
	for _, word := range []string{"cut short", "damaged", "corrupt", "rror"} {
		if strings.Contains(stderr.String(), word) {
			t.Fatalf("tshark %s:\n%s", strings.Join(args, " "), stderr.String())
		}
	}
	return string(out)
}

// tsharkPacket is what tshark says about one packet.
type tsharkPacket struct {
	frame, stream string
	analysisFlags string // tcp.analysis.flags: "1" for a lost segment, full window, retransmission...
	tcpSum, ipSum string // checksum status: 1 good, 0 bad, empty for none (IPv6)
}

// tsharkPackets runs tshark on file with TCP and IPv4 checksum validation
// on and returns its verdict on every packet:
//
//	tshark -r FILE -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
//	    -o tcp.analyze_sequence_numbers:TRUE -T fields -E separator=/t \
//	    -e frame.number -e tcp.stream -e tcp.analysis.flags \
//	    -e tcp.checksum.status -e ip.checksum.status
func tsharkPackets(t *testing.T, file string) []tsharkPacket {
	t.Helper()
	out := runTshark(t, "-r", file,
		"-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-o", "tcp.analyze_sequence_numbers:TRUE",
		"-T", "fields", "-E", "separator=/t",
		"-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.analysis.flags",
		"-e", "tcp.checksum.status", "-e", "ip.checksum.status")
	var pkts []tsharkPacket
	for line := range strings.Lines(out) {
		f := strings.Split(strings.TrimRight(line, "\r\n"), "\t")
		if len(f) != 5 {
			t.Fatalf("tshark printed %q, want 5 fields", line)
		}
		pkts = append(pkts, tsharkPacket{frame: f[0], stream: f[1], analysisFlags: f[2], tcpSum: f[3], ipSum: f[4]})
	}
	return pkts
}

// tsharkFollow returns the bytes tshark reassembles from each side of TCP
// stream n, client (Node 0) first:
//
//	tshark -r FILE -q -z follow,tcp,raw,N
//
// prints one line of hex per segment, indented by a tab for the server.
func tsharkFollow(t *testing.T, file string, n int) (client, server []byte) {
	t.Helper()
	out := runTshark(t, "-r", file, "-q", "-z", fmt.Sprintf("follow,tcp,raw,%d", n))
	var node [2][]byte
	body := false
	for line := range strings.Lines(out) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "Node 1:"):
			body = true
			continue
		case strings.HasPrefix(line, "====="):
			body = false
			continue
		case !body || line == "":
			continue
		}
		side := 0
		if rest, ok := strings.CutPrefix(line, "\t"); ok {
			side, line = 1, rest
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("follow,tcp,raw,%d: line %.40q: %v", n, line, err)
		}
		node[side] = append(node[side], b...)
	}
	return node[0], node[1]
}

// checkWithTshark writes data, a Tap's file whose flows the in-test reader
// decoded, where tshark can read it, and checks that tshark reads every
// packet, flags nothing in TCP analysis, finds every checksum good, and
// reassembles each stream into the bytes the reader found.
func checkWithTshark(t *testing.T, data []byte, flows []*flow) {
	t.Helper()
	tsharkPath(t)
	file := filepath.Join(t.TempDir(), "tap.pcapng")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	pkts := tsharkPackets(t, file)
	want := 0
	for _, fl := range flows {
		want += len(fl.segs)
	}
	if len(pkts) != want {
		t.Fatalf("tshark read %d packets, want %d", len(pkts), want)
	}
	for _, p := range pkts {
		var n int
		if _, err := fmt.Sscan(p.stream, &n); err != nil || n >= len(flows) {
			t.Fatalf("frame %s: tcp.stream %q", p.frame, p.stream)
		}
		wantIP := "1"
		if !flows[n].ep[0].Addr().Is4() {
			wantIP = "" // IPv6 has no header checksum
		}
		if p.analysisFlags != "" || p.tcpSum != "1" || p.ipSum != wantIP {
			t.Errorf("frame %s: tcp.analysis.flags %q, TCP checksum status %q, IPv4 %q; want none, 1, %q",
				p.frame, p.analysisFlags, p.tcpSum, p.ipSum, wantIP)
		}
	}
	for i, fl := range flows {
		client, server := tsharkFollow(t, file, i)
		if !bytes.Equal(client, fl.data[0]) || !bytes.Equal(server, fl.data[1]) {
			t.Errorf("stream %d: tshark reassembles %d bytes from the client and %d from the server, want %d and %d",
				i, len(client), len(server), len(fl.data[0]), len(fl.data[1]))
		}
	}
}

// splitBlocks returns the blocks of a pcapng file.
func splitBlocks(data []byte) [][]byte {
	var blocks [][]byte
	for len(data) >= 8 {
		n := int(binary.LittleEndian.Uint32(data[4:]))
		blocks = append(blocks, data[:n])
		data = data[n:]
	}
	return blocks
}

func TestTapLoopback(t *testing.T) {
	for _, tt := range []struct{ name, network, addr string }{
		{"IPv4", "tcp4", "127.0.0.1:0"},
		{"IPv6", "tcp6", "[::1]:0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen(tt.network, tt.addr)
			if err != nil {
				t.Skipf("no %s loopback: %v", tt.name, err)
			}
			defer ln.Close()
			testTapLoopback(t, ln)
		})
	}
}

// testTapLoopback runs a small length-prefixed request/response protocol
// over a real TCP connection through ln, tapped on both ends into separate
// files: the server with Tap.Listener and MSS 1460, the client with
// ClientConn and MSS 65495. One request and one response are bigger than
// 64 KiB; fifty small requests go out pipelined, fifty more one by one.
func testTapLoopback(t *testing.T, ln net.Listener) {
	dir := t.TempDir()
	files := [2]string{filepath.Join(dir, "client.pcapng"), filepath.Join(dir, "server.pcapng")}
	var taps [2]*Tap
	var flushed [2]func() error
	for i, opts := range []TapOptions{{MSS: MaxMSS}, {}} {
		f, err := os.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(f)
		if taps[i], err = NewTap(bw, opts); err != nil {
			t.Fatal(err)
		}
		flushed[i] = func() error {
			if err := taps[i].Close(); err != nil {
				return err
			}
			return f.Close()
		}
	}

	var serverSent bytes.Buffer
	serverDone := make(chan error, 1)
	go func() {
		serverDone <- func() error {
			c, err := taps[1].Listener(ln).Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			w := io.MultiWriter(c, &serverSent)
			for {
				req, err := readFrame(c)
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				resp := req
				if len(req) > 1000 {
					resp = bytes.Repeat([]byte("big response "), 8000) // 104 KB
				}
				if err := writeFrame(w, resp); err != nil {
					return err
				}
			}
		}()
	}()

	nc, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := taps[0].ClientConn(nc)
	var clientSent bytes.Buffer
	w := io.MultiWriter(c, &clientSent)
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := writeFrame(w, big); err != nil {
		t.Fatal(err)
	}
	if resp, err := readFrame(c); err != nil || len(resp) != 8000*13 {
		t.Fatalf("big response: %d bytes, %v", len(resp), err)
	}
	small := func(i int) []byte { return fmt.Appendf(nil, "order %d: %s", i, strings.Repeat("x", i%37)) }
	var pipelined []byte
	for i := range 50 {
		pipelined = appendFrame(pipelined, small(i))
	}
	if _, err := w.Write(pipelined); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if resp, err := readFrame(c); err != nil || !bytes.Equal(resp, small(i)) {
			t.Fatalf("pipelined response %d: %q, %v", i, resp, err)
		}
	}
	for i := 50; i < 100; i++ {
		if err := writeFrame(w, small(i)); err != nil {
			t.Fatal(err)
		}
		if resp, err := readFrame(c); err != nil || !bytes.Equal(resp, small(i)) {
			t.Fatalf("response %d: %q, %v", i, resp, err)
		}
	}
	c.Close()
	if err := <-serverDone; err != nil {
		t.Fatalf("server: %v", err)
	}
	for i := range flushed {
		if err := flushed[i](); err != nil {
			t.Fatal(err)
		}
	}

	clientAddr, serverAddr := nc.LocalAddr().(*net.TCPAddr).AddrPort(), ln.Addr().(*net.TCPAddr).AddrPort()
	for i, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, flows := parseTap(t, data)
			if len(flows) != 1 {
				t.Fatalf("%d flows, want 1", len(flows))
			}
			fl := flows[0]
			if fl.ep[0].Addr().Unmap() != clientAddr.Addr().Unmap() || fl.ep[0].Port() != clientAddr.Port() ||
				fl.ep[1].Addr().Unmap() != serverAddr.Addr().Unmap() || fl.ep[1].Port() != serverAddr.Port() {
				t.Errorf("endpoints %v, want %v → %v", fl.ep, clientAddr, serverAddr)
			}
			if !bytes.Equal(fl.data[0], clientSent.Bytes()) || !bytes.Equal(fl.data[1], serverSent.Bytes()) {
				t.Errorf("recorded %d and %d bytes, want %d from the client and %d from the server",
					len(fl.data[0]), len(fl.data[1]), clientSent.Len(), serverSent.Len())
			}
			if !fl.fin[0] || !fl.fin[1] {
				t.Errorf("FINs %v, want both", fl.fin)
			}
			for _, s := range fl.segs {
				if len(s.payload) > []int{MaxMSS, DefaultMSS}[i] {
					t.Fatalf("segment of %d bytes", len(s.payload))
				}
			}
			t.Run("tshark", func(t *testing.T) { checkWithTshark(t, data, flows) })
		})
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

func appendFrame(b, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(body))), body...)
}

func writeFrame(w io.Writer, body []byte) error {
	_, err := w.Write(appendFrame(nil, body))
	return err
}

func TestTsharkFlagsADamagedCapture(t *testing.T) {
	// The check above is only worth something if tshark, as run here,
	// notices what a broken tap would do: a lost segment and a bad
	// checksum.
	tsharkPath(t)
	tap, buf := newTestTap(t, TapOptions{MSS: 100})
	a, b := net.Pipe()
	tc := tap.Conn(a)
	peerGot := pipePeer(b)
	tc.Write(bytes.Repeat([]byte("wirekit "), 200))
	tc.Close()
	peerGot()
	tap.Close()
	blocks := splitBlocks(buf.Bytes())
	// Blocks: SHB, IDB, three handshake packets, then data.
	bad := bytes.Clone(blocks[10])
	bad[len(bad)-10] ^= 0xff // a payload byte: the TCP checksum no longer matches
	blocks[10] = bad
	blocks = append(blocks[:7], blocks[8:]...) // lose a segment
	file := filepath.Join(t.TempDir(), "damaged.pcapng")
	if err := os.WriteFile(file, bytes.Join(blocks, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	flagged, badSum := 0, 0
	for _, p := range tsharkPackets(t, file) {
		if p.analysisFlags != "" {
			flagged++
		}
		if p.tcpSum == "0" {
			badSum++
		}
	}
	if flagged == 0 || badSum != 1 {
		t.Errorf("tshark flagged %d packets and found %d bad checksums in a damaged capture; want some and 1", flagged, badSum)
	}
}

func TestTapMaxBytesTshark(t *testing.T) {
	tsharkPath(t)
	for _, max := range []int64{250, 1000, 5000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			tap, buf := newTestTap(t, TapOptions{MaxBytes: max})
			a, b := net.Pipe()
			tc := tap.Conn(a)
			peerGot := pipePeer(b)
			for range 10 {
				tc.Write(make([]byte, 1000))
			}
			tc.Close()
			peerGot()
			tap.Close()
			if tap.Dropped() == 0 || int64(buf.Len()) > max {
				t.Fatalf("Dropped = %d, file %d bytes; want drops and at most %d", tap.Dropped(), buf.Len(), max)
			}
			_, flows := parseTap(t, buf.Bytes())
			checkWithTshark(t, buf.Bytes(), flows)
		})
	}
}

func TestTapConcurrentTshark(t *testing.T) {
	tsharkPath(t)
	tap, buf := newTestTap(t, TapOptions{})
	done := make(chan struct{})
	for c := range 3 {
		a, b := net.Pipe()
		tc := tap.Conn(a)
		peerGot := pipePeer(b)
		go func() {
			defer func() { done <- struct{}{} }()
			var ws [4]chan struct{}
			for w := range ws {
				ws[w] = make(chan struct{})
				go func() {
					for m := range 20 {
						tc.Write(message(byte(c), byte(w), byte(m), 3000))
					}
					close(ws[w])
				}()
			}
			for _, ch := range ws {
				<-ch
			}
			tc.Close()
			peerGot()
		}()
	}
	for range 3 {
		<-done
	}
	tap.Close()
	_, flows := parseTap(t, buf.Bytes())
	if len(flows) != 3 {
		t.Fatalf("%d flows, want 3", len(flows))
	}
	checkWithTshark(t, buf.Bytes(), flows)
}

func TestTapWindowEdgeTshark(t *testing.T) {
	// Right after the handshake the server's window is the unscaled 65535
	// of its SYN-ACK. A client sending exactly that much would make
	// Wireshark report "TCP Window Full" on the segment reaching the edge,
	// unless the tap has the server acknowledge first.
	tsharkPath(t)
	tap, buf := newTestTap(t, TapOptions{})
	a, b := net.Pipe()
	tc := tap.Conn(a)
	go func() {
		b.Write(make([]byte, 65535))
		b.Write(make([]byte, 1000))
		b.Close()
	}()
	p := make([]byte, 65535)
	if _, err := io.ReadFull(tc, p); err != nil {
		t.Fatal(err)
	}
	io.ReadAll(tc)
	tc.Close()
	tap.Close()
	_, flows := parseTap(t, buf.Bytes())
	checkWithTshark(t, buf.Bytes(), flows)
}
