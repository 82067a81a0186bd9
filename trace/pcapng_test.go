package trace

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// This file reads back what a Tap writes, with code written from the
// pcapng and TCP/IP specifications rather than shared with the writer:
// blocks, options and padding; Ethernet, IPv4, IPv6 and TCP headers and
// their checksums; and the TCP conversation each connection must form.

// pcapFile is a parsed pcapng file of one section and one interface.
type pcapFile struct {
	packets []pcapPacket
	stats   *pcapStats // the Interface Statistics Block, if any
	size    int
}

type pcapPacket struct {
	ts    uint64 // nanoseconds since 1970
	frame []byte
}

type pcapStats struct {
	recv, drop uint64
	comment    string
}

// readPcapng parses a Tap's file and checks its structure: the section
// header first, one Ethernet interface with nanosecond timestamps, packets
// on that interface captured whole, and at most one statistics block, last.
func readPcapng(data []byte) (*pcapFile, error) {
	f := &pcapFile{size: len(data)}
	ifaces := 0
	for off := 0; off < len(data); {
		if len(data)-off < 12 {
			return nil, fmt.Errorf("offset %d: %d bytes left, too few for a block", off, len(data)-off)
		}
		typ := binary.LittleEndian.Uint32(data[off:])
		n := int(binary.LittleEndian.Uint32(data[off+4:]))
		if n < 12 || n%4 != 0 || n > len(data)-off {
			return nil, fmt.Errorf("offset %d: block type %#x has bad length %d", off, typ, n)
		}
		if tail := int(binary.LittleEndian.Uint32(data[off+n-4:])); tail != n {
			return nil, fmt.Errorf("offset %d: block length %d, trailing length %d", off, n, tail)
		}
		body := data[off+8 : off+n-4]
		if off == 0 && typ != 0x0a0d0d0a {
			return nil, fmt.Errorf("first block has type %#x, want a section header", typ)
		}
		if f.stats != nil {
			return nil, fmt.Errorf("offset %d: block type %#x after the statistics block", off, typ)
		}
		switch typ {
		case 0x0a0d0d0a:
			if off != 0 {
				return nil, fmt.Errorf("offset %d: a second section", off)
			}
			if len(body) < 16 || binary.LittleEndian.Uint32(body) != 0x1a2b3c4d {
				return nil, fmt.Errorf("section header: no little-endian byte-order magic")
			}
			if major, minor := binary.LittleEndian.Uint16(body[4:]), binary.LittleEndian.Uint16(body[6:]); major != 1 || minor != 0 {
				return nil, fmt.Errorf("section header: version %d.%d", major, minor)
			}
			opts, err := readOptions(body[16:])
			if err != nil {
				return nil, fmt.Errorf("section header: %v", err)
			}
			if string(opts[4]) != "wirekit" {
				return nil, fmt.Errorf("section header: shb_userappl %q", opts[4])
			}
		case 1:
			ifaces++
			if ifaces > 1 || len(body) < 8 {
				return nil, fmt.Errorf("offset %d: interface %d, %d bytes", off, ifaces, len(body))
			}
			if lt := binary.LittleEndian.Uint16(body); lt != 1 {
				return nil, fmt.Errorf("interface link type %d, want 1 (Ethernet)", lt)
			}
			opts, err := readOptions(body[8:])
			if err != nil {
				return nil, fmt.Errorf("interface: %v", err)
			}
			if !bytes.Equal(opts[9], []byte{9}) {
				return nil, fmt.Errorf("interface: if_tsresol %v, want [9] (nanoseconds)", opts[9])
			}
		case 6:
			if ifaces != 1 || len(body) < 20 {
				return nil, fmt.Errorf("offset %d: packet before the interface, or short", off)
			}
			if id := binary.LittleEndian.Uint32(body); id != 0 {
				return nil, fmt.Errorf("offset %d: packet on interface %d", off, id)
			}
			ts := uint64(binary.LittleEndian.Uint32(body[4:]))<<32 | uint64(binary.LittleEndian.Uint32(body[8:]))
			capLen := int(binary.LittleEndian.Uint32(body[12:]))
			origLen := int(binary.LittleEndian.Uint32(body[16:]))
			padded := (capLen + 3) &^ 3
			if capLen != origLen || 20+padded != len(body) {
				return nil, fmt.Errorf("offset %d: captured %d of %d bytes in a %d-byte body", off, capLen, origLen, len(body))
			}
			if pad := body[20+capLen : 20+padded]; !allZero(pad) {
				return nil, fmt.Errorf("offset %d: padding %x", off, pad)
			}
			f.packets = append(f.packets, pcapPacket{ts, body[20 : 20+capLen]})
		case 5:
			if len(body) < 12 {
				return nil, fmt.Errorf("statistics block of %d bytes", len(body))
			}
			opts, err := readOptions(body[12:])
			if err != nil {
				return nil, fmt.Errorf("statistics: %v", err)
			}
			if len(opts[4]) != 8 || len(opts[5]) != 8 {
				return nil, fmt.Errorf("statistics: isb_ifrecv %x, isb_ifdrop %x", opts[4], opts[5])
			}
			f.stats = &pcapStats{
				recv:    binary.LittleEndian.Uint64(opts[4]),
				drop:    binary.LittleEndian.Uint64(opts[5]),
				comment: string(opts[1]),
			}
		default:
			return nil, fmt.Errorf("offset %d: unexpected block type %#x", off, typ)
		}
		off += n
	}
	if ifaces != 1 {
		return nil, errors.New("no interface description block")
	}
	return f, nil
}

// readOptions parses an option list that must end with opt_endofopt and
// fill b exactly, each value padded with zeros to 32 bits.
func readOptions(b []byte) (map[uint16][]byte, error) {
	opts := map[uint16][]byte{}
	for {
		if len(b) < 4 {
			return nil, fmt.Errorf("options end without opt_endofopt")
		}
		code, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		b = b[4:]
		if code == 0 {
			if n != 0 || len(b) != 0 {
				return nil, fmt.Errorf("opt_endofopt of length %d followed by %d bytes", n, len(b))
			}
			return opts, nil
		}
		padded := (n + 3) &^ 3
		if padded > len(b) {
			return nil, fmt.Errorf("option %d of length %d overruns the block", code, n)
		}
		if !allZero(b[n:padded]) {
			return nil, fmt.Errorf("option %d: padding %x", code, b[n:padded])
		}
		opts[code] = b[:n]
		b = b[padded:]
	}
}

func allZero(b []byte) bool {
	return !slices.ContainsFunc(b, func(c byte) bool { return c != 0 })
}

// seg is one decoded TCP segment.
type seg struct {
	ts       uint64
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint8
	window   uint16
	mss      int // from a SYN's options; -1 if absent
	wscale   int // likewise
	payload  []byte
}

// decodeFrame decodes an Ethernet frame carrying a TCP segment and verifies
// the IPv4 header checksum and the TCP checksum.
func decodeFrame(frame []byte) (seg, error) {
	s := seg{mss: -1, wscale: -1}
	if len(frame) < 14 {
		return s, errors.New("short Ethernet header")
	}
	if frame[0]&3 != 2 || frame[6]&3 != 2 {
		return s, fmt.Errorf("MACs %x, %x are not locally administered unicast", frame[:6], frame[6:12])
	}
	var pseudo []byte
	var tcp []byte
	switch et := binary.BigEndian.Uint16(frame[12:]); et {
	case 0x0800:
		ip := frame[14:]
		if len(ip) < 20 || ip[0] != 0x45 {
			return s, fmt.Errorf("IPv4 header starts %x", ip[:min(len(ip), 1)])
		}
		if total := int(binary.BigEndian.Uint16(ip[2:])); total != len(ip) {
			return s, fmt.Errorf("IPv4 total length %d, frame carries %d", total, len(ip))
		}
		if ip[9] != 6 {
			return s, fmt.Errorf("IPv4 protocol %d", ip[9])
		}
		if c := onesSum(ip[:20]); c != 0xffff {
			return s, fmt.Errorf("IPv4 header checksum does not verify (sum %#04x)", c)
		}
		s.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), 0)
		s.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), 0)
		tcp = ip[20:]
		pseudo = append(append(slices.Clone(ip[12:20]), 0, 6), byte(len(tcp)>>8), byte(len(tcp)))
	case 0x86dd:
		ip := frame[14:]
		if len(ip) < 40 || ip[0]>>4 != 6 {
			return s, errors.New("bad IPv6 header")
		}
		if pl := int(binary.BigEndian.Uint16(ip[4:])); pl != len(ip)-40 {
			return s, fmt.Errorf("IPv6 payload length %d, frame carries %d", pl, len(ip)-40)
		}
		if ip[6] != 6 {
			return s, fmt.Errorf("IPv6 next header %d", ip[6])
		}
		s.src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip[8:24])), 0)
		s.dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(ip[24:40])), 0)
		tcp = ip[40:]
		pseudo = append(slices.Clone(ip[8:40]), 0, 0, byte(len(tcp)>>8), byte(len(tcp)), 0, 0, 0, 6)
	default:
		return s, fmt.Errorf("EtherType %#04x", et)
	}
	if len(tcp) < 20 {
		return s, errors.New("short TCP header")
	}
	hl := int(tcp[12]>>4) * 4
	if hl < 20 || hl > len(tcp) {
		return s, fmt.Errorf("TCP data offset %d", hl)
	}
	if c := onesSum(append(pseudo, tcp...)); c != 0xffff {
		return s, fmt.Errorf("TCP checksum does not verify (sum %#04x)", c)
	}
	s.src = netip.AddrPortFrom(s.src.Addr(), binary.BigEndian.Uint16(tcp))
	s.dst = netip.AddrPortFrom(s.dst.Addr(), binary.BigEndian.Uint16(tcp[2:]))
	s.seq = binary.BigEndian.Uint32(tcp[4:])
	s.ack = binary.BigEndian.Uint32(tcp[8:])
	s.flags = tcp[13]
	s.window = binary.BigEndian.Uint16(tcp[14:])
	for o := tcp[20:hl]; len(o) > 0; {
		switch o[0] {
		case 0:
			o = nil
		case 1:
			o = o[1:]
		default:
			if len(o) < 2 || int(o[1]) < 2 || int(o[1]) > len(o) {
				return s, fmt.Errorf("bad TCP option %x", o)
			}
			switch {
			case o[0] == 2 && o[1] == 4:
				s.mss = int(binary.BigEndian.Uint16(o[2:]))
			case o[0] == 3 && o[1] == 3:
				s.wscale = int(o[2])
			}
			o = o[o[1]:]
		}
	}
	s.payload = tcp[hl:]
	return s, nil
}

// onesSum is the RFC 1071 ones'-complement sum of b, 16 bits at a time: a
// header or segment whose checksum field is right sums to 0xffff.
func onesSum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
		sum = sum&0xffff + sum>>16
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// flow is one TCP connection as the capture shows it; index 0 is the
// client (the sender of the SYN), 1 the server.
type flow struct {
	ep     [2]netip.AddrPort
	data   [2][]byte // the payload each side sent, in order
	pushes [2]int    // segments with PSH: the Reads and Writes recorded
	acks   [2]int    // pure ACKs without FIN
	fin    [2]bool
	segs   []seg
}

// TCP flags, written out again rather than shared with the writer.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

// decodeFlows decodes every packet of f and checks that each connection is
// a well-formed TCP conversation: a three-way handshake, sequence numbers
// that advance by exactly the payload (plus one for SYN and FIN), ACKs of
// exactly what the other side has sent, no data after a FIN, no segment
// reaching the edge of the receiver's window (Wireshark's "window full"),
// and timestamps that never go back. Flows are returned in the order of
// their SYNs.
func decodeFlows(f *pcapFile) ([]*flow, error) {
	var flows []*flow
	byKey := map[[2]netip.AddrPort]*flow{}
	type state struct {
		next   uint32 // next sequence number
		acked  uint32 // last ACK the other side sent for this direction
		scaled bool   // sent a segment other than a SYN: its window is scaled
	}
	states := map[*flow]*[2]state{}
	var lastTS uint64
	for i, p := range f.packets {
		s, err := decodeFrame(p.frame)
		if err != nil {
			return nil, fmt.Errorf("packet %d: %v", i+1, err)
		}
		if p.ts < lastTS {
			return nil, fmt.Errorf("packet %d: timestamp %d before %d", i+1, p.ts, lastTS)
		}
		lastTS = p.ts
		s.ts = p.ts
		fl, dir := byKey[[2]netip.AddrPort{s.src, s.dst}], 0
		if fl == nil {
			fl, dir = byKey[[2]netip.AddrPort{s.dst, s.src}], 1
		}
		if fl == nil {
			if s.flags != tcpSYN || len(s.payload) != 0 || s.mss < 1 || s.wscale != windowShift {
				return nil, fmt.Errorf("packet %d: %v → %v starts with flags %#x, MSS %d, window scale %d; want a bare SYN with options", i+1, s.src, s.dst, s.flags, s.mss, s.wscale)
			}
			fl = &flow{ep: [2]netip.AddrPort{s.src, s.dst}}
			flows = append(flows, fl)
			byKey[fl.ep] = fl
			st := &[2]state{{next: s.seq + 1}}
			states[fl] = st
			fl.segs = append(fl.segs, s)
			continue
		}
		st := states[fl]
		fl.segs = append(fl.segs, s)
		n := len(fl.segs)
		switch {
		case n == 2:
			if dir != 1 || s.flags != tcpSYN|tcpACK || s.ack != st[0].next || s.mss < 1 || s.wscale != windowShift {
				return nil, fmt.Errorf("packet %d: second segment of %v is not a SYN-ACK of the SYN: %+v", i+1, fl.ep, s)
			}
			st[1].next = s.seq + 1
			st[0].acked = s.ack
			continue
		case n == 3:
			if dir != 0 || s.flags != tcpACK || len(s.payload) != 0 {
				return nil, fmt.Errorf("packet %d: third segment of %v is not the handshake's ACK: %+v", i+1, fl.ep, s)
			}
		case s.flags&tcpSYN != 0:
			return nil, fmt.Errorf("packet %d: SYN in an established connection", i+1)
		}
		if s.seq != st[dir].next {
			return nil, fmt.Errorf("packet %d: seq %d, want %d (%d bytes after the ISN)", i+1, s.seq, st[dir].next, len(fl.data[dir]))
		}
		if s.flags&tcpACK == 0 || s.ack != st[1-dir].next {
			return nil, fmt.Errorf("packet %d: flags %#x ack %d, want ACK of %d", i+1, s.flags, s.ack, st[1-dir].next)
		}
		if s.flags&^(tcpACK|tcpPSH|tcpFIN) != 0 {
			return nil, fmt.Errorf("packet %d: flags %#x", i+1, s.flags)
		}
		if s.window != 65535 {
			return nil, fmt.Errorf("packet %d: window %d", i+1, s.window)
		}
		if len(s.payload) > 0 {
			if fl.fin[dir] {
				return nil, fmt.Errorf("packet %d: data after FIN", i+1)
			}
			win := uint32(65535)
			if st[1-dir].scaled {
				win <<= windowShift
			}
			if s.seq+uint32(len(s.payload))-st[dir].acked >= win {
				return nil, fmt.Errorf("packet %d: %d bytes in flight fill the receiver's window of %d", i+1, s.seq+uint32(len(s.payload))-st[dir].acked, win)
			}
		} else if s.flags&tcpPSH != 0 {
			return nil, fmt.Errorf("packet %d: PSH without data", i+1)
		}
		st[1-dir].acked = s.ack
		st[dir].scaled = true
		st[dir].next += uint32(len(s.payload))
		fl.data[dir] = append(fl.data[dir], s.payload...)
		if s.flags&tcpPSH != 0 {
			fl.pushes[dir]++
		}
		if s.flags&tcpFIN != 0 {
			if fl.fin[dir] {
				return nil, fmt.Errorf("packet %d: second FIN", i+1)
			}
			fl.fin[dir] = true
			st[dir].next++
		} else if len(s.payload) == 0 && n > 3 {
			fl.acks[dir]++
		}
	}
	return flows, nil
}

// parseTap reads and decodes a file a Tap wrote, failing the test on any
// fault readPcapng or decodeFlows finds.
func parseTap(t testing.TB, data []byte) (*pcapFile, []*flow) {
	t.Helper()
	f, err := readPcapng(data)
	if err != nil {
		t.Fatalf("reading the pcapng file: %v", err)
	}
	flows, err := decodeFlows(f)
	if err != nil {
		t.Fatalf("decoding the packets: %v", err)
	}
	return f, flows
}

// newTestTap returns a tap writing to a buffer, failing the test on error.
func newTestTap(t testing.TB, opts TapOptions) (*Tap, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	tap, err := NewTap(&buf, opts)
	if err != nil {
		t.Fatalf("NewTap(%+v): %v", opts, err)
	}
	return tap, &buf
}

// pipePeer reads everything the far end of a pipe receives until EOF.
func pipePeer(peer net.Conn) (got func() []byte) {
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&buf, peer)
		close(done)
	}()
	return func() []byte { <-done; return buf.Bytes() }
}

func TestTapHeaderBlocks(t *testing.T) {
	_, buf := newTestTap(t, TapOptions{})
	want := []byte{
		// Section Header Block
		0x0a, 0x0d, 0x0d, 0x0a, 44, 0, 0, 0, // type, total length
		0x4d, 0x3c, 0x2b, 0x1a, // byte-order magic
		1, 0, 0, 0, // version 1.0
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // section length -1
		4, 0, 7, 0, 'w', 'i', 'r', 'e', 'k', 'i', 't', 0, // shb_userappl, padded
		0, 0, 0, 0, // opt_endofopt
		44, 0, 0, 0,
		// Interface Description Block
		1, 0, 0, 0, 48, 0, 0, 0,
		1, 0, 0, 0, // LINKTYPE_ETHERNET, reserved
		0, 0, 0, 0, // snap length: none
		2, 0, 11, 0, 'w', 'i', 'r', 'e', 'k', 'i', 't', ' ', 't', 'a', 'p', 0, // if_name
		9, 0, 1, 0, 9, 0, 0, 0, // if_tsresol: 10^-9 s
		0, 0, 0, 0,
		48, 0, 0, 0,
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("header blocks:\n%s\nwant:\n%s", Dump(buf.Bytes()), Dump(want))
	}
}

func TestTapConversation(t *testing.T) {
	tap, buf := newTestTap(t, TapOptions{})
	a, b := net.Pipe()
	tc := tap.Conn(a)
	go func() {
		b.Write([]byte("ping"))
		io.Copy(io.Discard, b)
	}()
	p := make([]byte, 16)
	if n, err := tc.Read(p); n != 4 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	tc.Write([]byte("pong!"))
	tc.Close()
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
	f, flows := parseTap(t, buf.Bytes())
	if len(flows) != 1 {
		t.Fatalf("%d flows, want 1", len(flows))
	}
	fl := flows[0]
	// net.Pipe has no TCP addresses: the local end, which accepted, is the
	// fake server.
	client, server := netip.MustParseAddrPort("192.0.2.2:49152"), netip.MustParseAddrPort("192.0.2.1:22347")
	if fl.ep != [2]netip.AddrPort{client, server} {
		t.Errorf("endpoints %v, want %v → %v", fl.ep, client, server)
	}
	type step struct {
		fromServer bool
		flags      uint8
		payload    string
	}
	want := []step{
		{false, tcpSYN, ""},
		{true, tcpSYN | tcpACK, ""},
		{false, tcpACK, ""},
		{false, tcpPSH | tcpACK, "ping"}, // Read
		{true, tcpPSH | tcpACK, "pong!"}, // Write
		{true, tcpFIN | tcpACK, ""},      // Close: the local FIN first
		{false, tcpACK, ""},
		{false, tcpFIN | tcpACK, ""},
		{true, tcpACK, ""},
	}
	var got []step
	for _, s := range fl.segs {
		got = append(got, step{s.src == server, s.flags, string(s.payload)})
	}
	if !slices.Equal(got, want) {
		t.Errorf("segments:\n%+v\nwant:\n%+v", got, want)
	}
	if fl.segs[0].mss != DefaultMSS {
		t.Errorf("SYN announces MSS %d, want %d", fl.segs[0].mss, DefaultMSS)
	}
	if f.stats == nil || f.stats.recv != 9 || f.stats.drop != 0 || f.stats.comment != "" {
		t.Errorf("statistics %+v, want 9 packets seen, none dropped, no comment", f.stats)
	}
	if tap.Packets() != 9 || tap.Dropped() != 0 {
		t.Errorf("Packets, Dropped = %d, %d; want 9, 0", tap.Packets(), tap.Dropped())
	}
}

func TestTapEOFIsTheRemoteFIN(t *testing.T) {
	tap, buf := newTestTap(t, TapOptions{})
	a, b := net.Pipe()
	tc := tap.ClientConn(a)
	go func() {
		b.Write([]byte("bye"))
		b.Close()
	}()
	got, err := io.ReadAll(tc)
	if string(got) != "bye" || err != nil {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	tc.Read(make([]byte, 1)) // a second EOF records nothing more
	tc.Close()
	tc.Close() // nor does a second Close
	tap.Close()
	_, flows := parseTap(t, buf.Bytes())
	fl := flows[0]
	// The local end dialed: it is the client, at the fake client address.
	if fl.ep[0].Addr() != netip.MustParseAddr("192.0.2.2") {
		t.Errorf("client %v, want 192.0.2.2", fl.ep[0])
	}
	var flags []uint8
	for _, s := range fl.segs[3:] {
		flags = append(flags, s.flags)
	}
	// Data from the server, its FIN at EOF and the ACK of it, then the
	// client's FIN at Close and its ACK.
	want := []uint8{tcpPSH | tcpACK, tcpFIN | tcpACK, tcpACK, tcpFIN | tcpACK, tcpACK}
	if !slices.Equal(flags, want) || fl.segs[4].src != fl.ep[1] || fl.segs[6].src != fl.ep[0] {
		t.Errorf("after the handshake: flags %#x from %v, %v; want %#x, server FIN first", flags, fl.segs[4].src, fl.segs[6].src, want)
	}
}

func TestTapSplitsLongReadsAndWrites(t *testing.T) {
	for _, mss := range []int{1, 100, DefaultMSS, MaxMSS} {
		t.Run(fmt.Sprint(mss), func(t *testing.T) {
			tap, buf := newTestTap(t, TapOptions{MSS: mss})
			a, b := net.Pipe()
			tc := tap.Conn(a)
			peerGot := pipePeer(b)
			sizes := []int{1, mss - 1, mss, mss + 1, 3*mss + 7, 200 << 10 / mss * mss}
			if mss == 1 {
				sizes = []int{1, 2, 100}
			}
			var sent []byte
			wantSegs := 0
			for i, n := range sizes {
				p := bytes.Repeat([]byte{byte('a' + i)}, n)
				if _, err := tc.Write(p); err != nil {
					t.Fatal(err)
				}
				sent = append(sent, p...)
				wantSegs += (n + mss - 1) / mss
			}
			tc.Close()
			tap.Close()
			if got := peerGot(); !bytes.Equal(got, sent) {
				t.Fatalf("the peer got %d bytes, want %d", len(got), len(sent))
			}
			// With MaxMSS, decoding checks that a full segment fits the
			// 16-bit IPv4 total length.
			_, flows := parseTap(t, buf.Bytes())
			fl := flows[0]
			if !bytes.Equal(fl.data[1], sent) {
				t.Errorf("the capture holds %d bytes from the server, want %d", len(fl.data[1]), len(sent))
			}
			data := 0
			for _, s := range fl.segs {
				if len(s.payload) > mss {
					t.Fatalf("segment of %d bytes, MSS %d", len(s.payload), mss)
				}
				if len(s.payload) > 0 {
					data++
				}
			}
			if data != wantSegs || fl.pushes[1] != len(sizes) {
				t.Errorf("%d data segments, %d with PSH; want %d segments, one PSH per Write", data, fl.pushes[1], wantSegs)
			}
		})
	}
}

func TestTapAcksLongOneWayTransfers(t *testing.T) {
	// The client sends 1 MiB right after the handshake and the server says
	// nothing: the server's window is still the unscaled 65535 of its
	// SYN-ACK, so the tap has it acknowledge before the window fills.
	tap, buf := newTestTap(t, TapOptions{MSS: 8000})
	a, b := net.Pipe()
	tc := tap.Conn(a)
	go func() {
		b.Write(make([]byte, 1<<20))
		b.Close()
	}()
	if got, err := io.ReadAll(tc); len(got) != 1<<20 || err != nil {
		t.Fatalf("ReadAll = %d bytes, %v", len(got), err)
	}
	tc.Close()
	tap.Close()
	_, flows := parseTap(t, buf.Bytes()) // checks that no segment fills the window
	fl := flows[0]
	// One ACK when 64 KiB are in flight (the scaled window of 1 GiB needs
	// no other), one for the client's FIN.
	if fl.acks[1] != 2 {
		t.Errorf("the server sent %d pure ACKs, want 2", fl.acks[1])
	}
	if len(fl.data[0]) != 1<<20 {
		t.Errorf("%d bytes recorded, want 1 MiB", len(fl.data[0]))
	}
}

func TestTapOptionsErrors(t *testing.T) {
	for _, opts := range []TapOptions{
		{MSS: -1},
		{MSS: MaxMSS + 1},
		{MaxBytes: -1},
		{MaxBytes: 215}, // one byte short of the header and statistics blocks
	} {
		if _, err := NewTap(io.Discard, opts); err == nil {
			t.Errorf("NewTap(%+v) succeeded, want an error", opts)
		}
	}
	// The smallest bound holds a file without packets.
	tap, buf := newTestTap(t, TapOptions{MaxBytes: 216})
	tap.Conn(nopConn{}).Close()
	tap.Close()
	if f, _ := parseTap(t, buf.Bytes()); buf.Len() != 216 || len(f.packets) != 0 || tap.Dropped() != 7 {
		t.Errorf("MaxBytes 216: %d bytes, %d packets, %d dropped; want 216, 0, 7", buf.Len(), len(f.packets), tap.Dropped())
	}
}

func TestTapMaxBytes(t *testing.T) {
	for _, max := range []int64{250, 400, 4096, 10000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			tap, buf := newTestTap(t, TapOptions{MaxBytes: max, MSS: 500})
			a, b := net.Pipe()
			tc := tap.Conn(a)
			peerGot := pipePeer(b)
			var sent []byte
			for i := range 40 {
				p := bytes.Repeat([]byte{byte(i)}, 333)
				tc.Write(p)
				sent = append(sent, p...)
			}
			// The recording stops; it does not skip: a small packet that
			// would still fit is dropped too, so what the file holds is a
			// prefix of the stream, without holes.
			packets := tap.Packets()
			tc.Write([]byte{1})
			if tap.Packets() != packets {
				t.Errorf("a packet was recorded after the bound stopped the recording")
			}
			tc.Close()
			peerGot()
			dropped := tap.Dropped()
			if dropped == 0 {
				t.Fatal("nothing dropped")
			}
			if err := tap.Close(); err != nil {
				t.Fatal(err)
			}
			if int64(buf.Len()) > max {
				t.Fatalf("file of %d bytes, MaxBytes %d", buf.Len(), max)
			}
			f, flows := parseTap(t, buf.Bytes())
			want := pcapStats{uint64(packets + dropped), uint64(dropped), cutComment}
			if f.stats == nil || *f.stats != want {
				t.Errorf("statistics %+v, want %+v", f.stats, want)
			}
			if int64(len(f.packets)) != packets {
				t.Errorf("%d packets in the file, Packets() = %d", len(f.packets), packets)
			}
			if len(flows) > 0 && !bytes.HasPrefix(sent, flows[0].data[1]) {
				t.Errorf("the recorded data is not a prefix of the stream")
			}
			// After Close, packets are dropped and counted.
			tap.Conn(nopConn{}).Close()
			if tap.Dropped() != dropped+7 {
				t.Errorf("Dropped after Close = %d, want %d", tap.Dropped(), dropped+7)
			}
		})
	}
}

// nopConn is a connection with no addresses that reads and writes nothing.
type nopConn struct{ net.Conn }

func (nopConn) LocalAddr() net.Addr  { return nil }
func (nopConn) RemoteAddr() net.Addr { return nil }
func (nopConn) Close() error         { return nil }

type limitWriter struct {
	w    io.Writer
	left int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		n, _ := l.w.Write(p[:l.left])
		l.left = 0
		return n, errors.New("disk full")
	}
	l.left -= len(p)
	return l.w.Write(p)
}

func TestTapWriteError(t *testing.T) {
	if _, err := NewTap(&limitWriter{io.Discard, 10}, TapOptions{}); err == nil {
		t.Fatal("NewTap on a failing writer succeeded")
	}
	var buf bytes.Buffer
	tap, err := NewTap(&limitWriter{&buf, 1000}, TapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	tc := tap.Conn(a)
	peerGot := pipePeer(b)
	for range 20 {
		// The connection keeps working after the file fails.
		if n, err := tc.Write([]byte("0123456789")); n != 10 || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	tc.Close()
	if got := peerGot(); len(got) != 200 {
		t.Errorf("peer got %d bytes, want 200", len(got))
	}
	if err := tap.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close = %v, want the writer's error", err)
	}
	if err := tap.Close(); err == nil {
		t.Errorf("second Close = nil, want the writer's error again")
	}
	if tap.Dropped() == 0 || buf.Len() != 1000 {
		t.Errorf("Dropped = %d, file %d bytes; want drops and 1000 bytes", tap.Dropped(), buf.Len())
	}
}

func TestTapCloseFlushes(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 1<<16)
	tap, err := NewTap(bw, TapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tap.Conn(nopConn{}).Close()
	if out.Len() != 0 {
		t.Fatalf("%d bytes reached the file before Close", out.Len())
	}
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
	if f, _ := parseTap(t, out.Bytes()); len(f.packets) != 7 || f.stats == nil {
		t.Errorf("after Close: %d packets, statistics %v; want 7 and a statistics block", len(f.packets), f.stats)
	}
}

func TestTapAddresses(t *testing.T) {
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	tests := []struct {
		name          string
		local, remote net.Addr
		client        bool // the local end dialed
		want          [2]string
	}{
		{"IPv4", tcp("10.1.2.3:80"), tcp("10.9.8.7:51000"), false, [2]string{"10.9.8.7:51000", "10.1.2.3:80"}},
		{"IPv4 dialed", tcp("10.9.8.7:51000"), tcp("10.1.2.3:80"), true, [2]string{"10.9.8.7:51000", "10.1.2.3:80"}},
		{"IPv4-mapped", tcp("[::ffff:127.0.0.1]:80"), tcp("127.0.0.1:5000"), false, [2]string{"127.0.0.1:5000", "127.0.0.1:80"}},
		{"IPv6", tcp("[2001:db8::5]:80"), tcp("[2001:db8::6]:5000"), false, [2]string{"[2001:db8::6]:5000", "[2001:db8::5]:80"}},
		{"IPv6 to IPv4", tcp("[::1]:80"), tcp("127.0.0.1:5000"), false, [2]string{"[::ffff:127.0.0.1]:5000", "[::1]:80"}},
		{"pipe", pipeAddr{}, pipeAddr{}, false, [2]string{"192.0.2.2:49152", "192.0.2.1:22347"}},
		{"unix", &net.UnixAddr{Name: "/tmp/s", Net: "unix"}, nil, true, [2]string{"192.0.2.2:49152", "192.0.2.1:22347"}},
		{"IPv6 to pipe", tcp("[::1]:80"), pipeAddr{}, false, [2]string{"[2001:db8::2]:49152", "[::1]:80"}},
		{"pipe to IPv6", pipeAddr{}, tcp("[::1]:80"), true, [2]string{"[2001:db8::2]:49152", "[::1]:80"}},
		{"nil TCP address", (*net.TCPAddr)(nil), tcp("10.9.8.7:51000"), false, [2]string{"10.9.8.7:51000", "192.0.2.1:22347"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tap, buf := newTestTap(t, TapOptions{})
			nc := addrConn{tt.local, tt.remote}
			if tt.client {
				tap.ClientConn(nc).Close()
			} else {
				tap.Conn(nc).Close()
			}
			tap.Close()
			_, flows := parseTap(t, buf.Bytes())
			got := [2]string{flows[0].ep[0].String(), flows[0].ep[1].String()}
			if got != tt.want {
				t.Errorf("client, server = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTapFakeClientPortsDiffer(t *testing.T) {
	tap, buf := newTestTap(t, TapOptions{})
	for range 3 {
		tap.Conn(nopConn{}).Close()
	}
	tap.Close()
	_, flows := parseTap(t, buf.Bytes())
	if len(flows) != 3 {
		t.Fatalf("%d flows, want 3 distinct ones", len(flows))
	}
	for i, fl := range flows {
		if port := fl.ep[0].Port(); port != 49152+uint16(i) {
			t.Errorf("connection %d: client port %d", i, port)
		}
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// addrConn is a connection with the given addresses that carries nothing.
type addrConn struct{ local, remote net.Addr }

func (addrConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (addrConn) Write(p []byte) (int, error)      { return len(p), nil }
func (addrConn) Close() error                     { return nil }
func (c addrConn) LocalAddr() net.Addr            { return c.local }
func (c addrConn) RemoteAddr() net.Addr           { return c.remote }
func (addrConn) SetDeadline(time.Time) error      { return nil }
func (addrConn) SetReadDeadline(time.Time) error  { return nil }
func (addrConn) SetWriteDeadline(time.Time) error { return nil }

func TestTapConcurrent(t *testing.T) {
	// Two connections, each written by four goroutines while its peer
	// writes back from two; run with -race. Every Write is recorded whole,
	// so each direction of each connection is a sequence of whole messages.
	tap, buf := newTestTap(t, TapOptions{MSS: 700})
	const writers, peerWriters, msgs, size = 4, 2, 50, 1000
	var wg sync.WaitGroup
	for c := range 2 {
		a, b := net.Pipe()
		tc := tap.Conn(a)
		var peerWG sync.WaitGroup
		peerGot := pipePeer(b)
		for w := range peerWriters {
			peerWG.Go(func() {
				for m := range msgs {
					b.Write(message(byte(c), byte(100+w), byte(m), size))
				}
			})
		}
		var tapWG sync.WaitGroup
		for w := range writers {
			tapWG.Go(func() {
				for m := range msgs {
					tc.Write(message(byte(c), byte(w), byte(m), size))
				}
			})
		}
		wg.Go(func() {
			got := make([]byte, peerWriters*msgs*size)
			if _, err := io.ReadFull(tc, got); err != nil {
				t.Error(err)
			}
			peerWG.Wait()
			tapWG.Wait()
			tc.Close()
			peerGot()
		})
	}
	wg.Go(func() {
		// Statistics are safe to read while connections record.
		for range 100 {
			tap.Packets()
			tap.Dropped()
		}
	})
	wg.Wait()
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}
	_, flows := parseTap(t, buf.Bytes())
	if len(flows) != 2 {
		t.Fatalf("%d flows, want 2", len(flows))
	}
	for c, fl := range flows {
		for dir, senders := range []int{peerWriters, writers} {
			data := fl.data[dir]
			if len(data) != senders*msgs*size {
				t.Fatalf("connection %d direction %d: %d bytes, want %d", c, dir, len(data), senders*msgs*size)
			}
			seen := map[string]bool{}
			for m := range slices.Chunk(data, size) {
				if m[0] != byte(c) || !bytes.Equal(m, message(m[0], m[1], m[2], size)) || seen[string(m[:3])] {
					t.Fatalf("connection %d direction %d: message %x... is torn or repeated", c, dir, m[:4])
				}
				seen[string(m[:3])] = true
			}
		}
		if !fl.fin[0] || !fl.fin[1] {
			t.Errorf("connection %d not closed in the capture", c)
		}
	}
}

// message returns a recognizable message of size bytes: its connection,
// writer and number, then a pattern derived from them.
func message(conn, writer, n byte, size int) []byte {
	m := make([]byte, size)
	m[0], m[1], m[2] = conn, writer, n
	for i := 3; i < size; i++ {
		m[i] = byte(i) ^ writer ^ n
	}
	return m
}

func TestSum16MatchesOnesSum(t *testing.T) {
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i*37 + 11)
	}
	for start := range 8 {
		for end := start; end <= len(data); end++ {
			b := data[start:end]
			want := ^onesSum(b)
			if got := checksum(0, b); got != want {
				t.Fatalf("checksum(data[%d:%d]) = %#04x, want %#04x", start, end, got, want)
			}
		}
	}
}
