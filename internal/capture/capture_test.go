package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/wirekit/wirekit/trace"
)

// readAll returns the bytes of every flow, concatenated in order, and the
// payloads.
func readAll(t *testing.T, file []byte) (map[Flow][]byte, []Payload) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	streams := map[Flow][]byte{}
	var ps []Payload
	for {
		p, err := r.Next()
		if err == io.EOF {
			return streams, ps
		}
		if err != nil {
			t.Fatal(err)
		}
		streams[p.Flow] = append(streams[p.Flow], p.Data...)
		ps = append(ps, p)
	}
}

// TestTap reads what trace.Tap writes: each direction's bytes, in order,
// however the segments cut them.
func TestTap(t *testing.T) {
	var file bytes.Buffer
	tap, err := trace.NewTap(&file, trace.TapOptions{MSS: 7})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	c := tap.Conn(a)
	fromClient := bytes.Repeat([]byte("request "), 100)
	fromServer := []byte("a response")
	go func() {
		b.Write(fromClient)
		io.ReadFull(b, make([]byte, len(fromServer)))
		b.Close()
	}()
	if _, err := io.ReadFull(c, make([]byte, len(fromClient))); err != nil {
		t.Fatal(err)
	}
	c.Write(fromServer)
	c.Close()
	tap.Close()

	streams, ps := readAll(t, file.Bytes())
	if len(streams) != 2 {
		t.Fatalf("%d flows, want 2", len(streams))
	}
	for f, data := range streams {
		want := fromClient
		if f.Src.Port() == 22347 {
			want = fromServer
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: %q, want %q", f, data, want)
		}
	}
	if !ps[0].Start || ps[0].Packet != 1 {
		t.Errorf("first payload: packet %d, start %t; want the SYN, packet 1", ps[0].Packet, ps[0].Start)
	}
}

// packets builds captures of hand-made packets.
type packets struct {
	seq map[Flow]uint32
}

var (
	client = netip.MustParseAddrPort("10.0.0.1:40000")
	server = netip.MustParseAddrPort("10.0.0.2:7070")
	up     = Flow{TCP, client, server}
)

// ipv4 wraps a transport segment in an IPv4 header.
func ipv4(proto byte, src, dst netip.Addr, seg []byte) []byte {
	h := make([]byte, 20, 20+len(seg))
	h[0], h[9] = 0x45, proto
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(seg)))
	copy(h[12:], src.AsSlice())
	copy(h[16:], dst.AsSlice())
	return append(h, seg...)
}

// ipv6 wraps a segment in an IPv6 header and a destination options header.
func ipv6(proto byte, src, dst netip.Addr, seg []byte) []byte {
	h := make([]byte, 48, 48+len(seg))
	h[0], h[6] = 0x60, 60
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(seg)))
	copy(h[8:], src.AsSlice())
	copy(h[24:], dst.AsSlice())
	h[40] = proto
	return append(h, seg...)
}

func tcp(f Flow, seq uint32, flags byte, data string) []byte {
	h := make([]byte, 20, 20+len(data))
	binary.BigEndian.PutUint16(h, f.Src.Port())
	binary.BigEndian.PutUint16(h[2:], f.Dst.Port())
	binary.BigEndian.PutUint32(h[4:], seq)
	h[12], h[13] = 5<<4, flags
	return append(h, data...)
}

func udp(f Flow, data string) []byte {
	h := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint16(h, f.Src.Port())
	binary.BigEndian.PutUint16(h[2:], f.Dst.Port())
	binary.BigEndian.PutUint16(h[4:], uint16(8+len(data)))
	return append(h, data...)
}

func ethernet(ip []byte) []byte {
	typ := []byte{0x08, 0x00}
	if ip[0]>>4 == 6 {
		typ = []byte{0x86, 0xDD}
	}
	b := append(make([]byte, 12), 0x81, 0x00, 0, 1) // a VLAN tag
	b = append(append(b, typ...), ip...)
	for len(b) < 60 {
		b = append(b, 0) // Ethernet's padding, which IP's length leaves out
	}
	return b
}

// pcapFile writes packets as a classic pcap file, big-endian, of the given
// link type.
func pcapFile(link uint32, pkts ...[]byte) []byte {
	be := binary.BigEndian
	b := be.AppendUint32(nil, 0xA1B2C3D4)
	b = be.AppendUint16(b, 2)
	b = be.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = be.AppendUint32(b, 65535)
	b = be.AppendUint32(b, link)
	for _, p := range pkts {
		b = append(b, make([]byte, 8)...)
		b = be.AppendUint32(b, uint32(len(p)))
		b = be.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}

func TestReassembly(t *testing.T) {
	c, s := client.Addr(), server.Addr()
	down := Flow{TCP, server, client}
	pkts := [][]byte{
		ipv4(6, c, s, tcp(up, 99, 0x02, "")),                       // 1 SYN
		ipv4(6, s, c, tcp(down, 499, 0x12, "")),                    // 2 SYN-ACK
		ipv4(6, c, s, tcp(up, 100, 0x18, "hello")),                 // 3
		ipv4(6, c, s, tcp(up, 111, 0x18, "wide ")),                 // 4: ahead of a gap
		ipv4(6, c, s, tcp(up, 100, 0x18, "hello")),                 // 5: retransmitted
		ipv4(6, c, s, tcp(up, 103, 0x18, "lo, the ")),              // 6: overlaps, fills the gap
		ipv4(17, c, s, udp(Flow{UDP, client, server}, "datagram")), // 7
		ipv4(6, s, c, tcp(down, 500, 0x18, "ok")),                  // 8
		{0x45, 0, 0, 20}, // 9: broken
		ipv4(6, c, s, tcp(up, 116, 0x18, "world")),        // 10
		ipv4(6, c, s, tcp(up, 200, 0x18, "after a loss")), // 11: the gap before it is never filled
	}
	for _, link := range []uint32{101, 1} {
		var frames [][]byte
		for _, p := range pkts {
			if link == 1 {
				p = ethernet(p)
			}
			frames = append(frames, p)
		}
		streams, ps := readAll(t, pcapFile(link, frames...))
		if got := string(streams[up]); got != "hello, the wide worldafter a loss" {
			t.Errorf("link %d: client stream %q", link, got)
		}
		if got := string(streams[down]); got != "ok" {
			t.Errorf("link %d: server stream %q", link, got)
		}
		var got []string
		for _, p := range ps {
			got = append(got, strings.Join([]string{p.Flow.Transport.String(), string(p.Data), map[bool]string{true: "start", false: ""}[p.Start], map[bool]string{true: "gap", false: ""}[p.Gap]}, "/")+"@"+strconv.Itoa(p.Packet))
		}
		want := "tcp//start/@1 tcp//start/@2 tcp/hello//@3 tcp/, the wide //@6 udp/datagram//@7 tcp/ok//@8 tcp/world//@10 tcp/after a loss//gap@11"
		if strings.Join(got, " ") != want {
			t.Errorf("link %d: payloads\n got %s\nwant %s", link, strings.Join(got, " "), want)
		}
	}
}

func TestLinkTypes(t *testing.T) {
	c6, s6 := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	f6 := Flow{UDP, netip.AddrPortFrom(c6, 1), netip.AddrPortFrom(s6, 2)}
	seg := udp(f6, "v6")
	sll := append(make([]byte, 14), 0x86, 0xDD)
	sll2 := append([]byte{0x86, 0xDD}, make([]byte, 18)...)
	for _, tt := range []struct {
		link   uint32
		header []byte
	}{{113, sll}, {276, sll2}, {0, []byte{24, 0, 0, 0}}, {229, nil}} {
		streams, _ := readAll(t, pcapFile(tt.link, append(tt.header, ipv6(17, c6, s6, seg)...)))
		if got := string(streams[f6]); got != "v6" {
			t.Errorf("link %d: %q", tt.link, got)
		}
	}
}

func TestErrors(t *testing.T) {
	huge := pcapFile(101)
	huge = binary.BigEndian.AppendUint32(append(huge, make([]byte, 8)...), MaxBlock+1)
	huge = binary.BigEndian.AppendUint32(huge, 1)
	for _, tt := range []struct {
		file []byte
		want string
	}{
		{[]byte("GIF89a"), "not a pcap"},
		{[]byte{0xA1}, "unexpected EOF"},
		{pcapFile(101, []byte{1, 2, 3})[:30], "unexpected EOF"},
		{huge, "over the limit"},
		{[]byte{0x0A, 0x0D, 0x0D, 0x0A, 12, 0, 0, 0, 1, 2, 3, 4}, "byte-order magic"},
		{[]byte{0x0A, 0x0D, 0x0D, 0x0A, 0xff, 0xff, 0xff, 0x7f, 0x4D, 0x3C, 0x2B, 0x1A}, "pcapng block of"},
	} {
		err := func() error {
			r, err := NewReader(bytes.NewReader(tt.file))
			for err == nil {
				_, err = r.Next()
			}
			return err
		}()
		if errors.Is(err, io.EOF) || err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%x: %v, want %q", tt.file, err, tt.want)
		}
	}
}

// FuzzReader reads any input as a capture: no panic, no endless loop.
func FuzzReader(f *testing.F) {
	c, s := client.Addr(), server.Addr()
	f.Add(pcapFile(1, ethernet(ipv4(6, c, s, tcp(up, 1, 0x18, "x"))), ethernet(ipv4(6, c, s, tcp(up, 0, 0x18, "y")))))
	var file bytes.Buffer
	tap, _ := trace.NewTap(&file, trace.TapOptions{MSS: 3})
	a, b := net.Pipe()
	go func() { b.Write([]byte("0123456789")); b.Close() }()
	conn := tap.Conn(a)
	io.ReadAll(conn)
	conn.Close()
	tap.Close()
	f.Add(file.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b))
		for n := 0; err == nil; n++ {
			if n > len(b) {
				t.Fatalf("more payloads than bytes in the file")
			}
			_, err = r.Next()
		}
	})
}
