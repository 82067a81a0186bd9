// Package capture reads packet captures, pcapng and classic pcap files as
// tcpdump, dumpcap and trace.Tap write them, and returns what the
// applications sent: the bytes of each TCP stream in order, one direction
// at a time, and the payload of each UDP datagram.
//
//	file ─blocks/records─▶ packet ─link: Ethernet, VLAN, Linux cooked, loopback, raw IP─▶
//	IPv4/IPv6 ─▶ TCP: put in sequence order, retransmitted bytes dropped ─▶ Payload
//	          └▶ UDP ──────────────────────────────────────────────────────▶ Payload
//
// Packets are numbered from 1 in file order, as Wireshark numbers them, so
// that a Payload says which packet completed it. IP fragments, and link
// types other than those above, are skipped.
//
// The reader never panics and never trusts a length in the file: a block
// or record longer than MaxBlock is an error, and the bytes kept for TCP
// segments that arrive ahead of a gap are bounded by MaxPending per flow
// (and their number too), after which the gap is given up on.
package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
)

// Limits on what a file can make the reader hold.
const (
	MaxBlock    = 1 << 24 // a pcapng block or pcap record, in bytes
	MaxPending  = 1 << 24 // TCP bytes kept per flow while waiting for a gap to fill
	maxSegments = 1 << 12 // and TCP segments
)

// Transport is the protocol a Flow runs over.
type Transport uint8

const (
	TCP Transport = iota
	UDP
)

func (t Transport) String() string {
	if t == UDP {
		return "udp"
	}
	return "tcp"
}

// A Flow is one direction of a conversation.
type Flow struct {
	Transport Transport
	Src, Dst  netip.AddrPort
}

func (f Flow) String() string {
	return f.Transport.String() + " " + f.Src.String() + " → " + f.Dst.String()
}

// A Payload is what one packet added to its flow: the datagram of a UDP
// packet, or the bytes a TCP packet put next in its stream, together with
// any that arrived earlier ahead of a gap it filled. Its Data is the
// caller's.
type Payload struct {
	Packet int // the number of the packet, from 1
	Flow   Flow
	Data   []byte
	// Start marks the first bytes of a TCP connection whose SYN the file
	// holds: a stream starts there, whatever came before on the flow.
	Start bool
	// Gap marks bytes that follow bytes the file does not hold: a
	// segment lost before the capture saw it, or one it never recorded.
	Gap bool
}

// A Reader reads the payloads of a capture file.
type Reader struct {
	src    source
	packet int
	flows  map[Flow]*stream
	order  []Flow // flows in the order first seen, for the end of the file
	done   bool
}

// source reads the packets of a file format.
type source interface {
	// next returns the next packet's bytes and link type, or io.EOF.
	next() (data []byte, link uint32, err error)
}

// NewReader reads a capture in either format from r.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", noEOF(err))
	}
	rd := &Reader{flows: map[Flow]*stream{}}
	switch binary.LittleEndian.Uint32(magic) {
	case 0x0A0D0D0A:
		rd.src = &pcapng{r: br}
	case 0xA1B2C3D4, 0xD4C3B2A1, 0xA1B23C4D, 0x4D3CB2A1:
		rd.src, err = newPcap(br)
	default:
		return nil, errors.New("capture: not a pcap or pcapng file")
	}
	return rd, err
}

// Next returns the next payload, in packet order, or io.EOF after the last.
// At the end of the file, the TCP bytes still waiting for a gap to fill
// come out, marked Gap.
func (r *Reader) Next() (Payload, error) {
	for !r.done {
		data, link, err := r.src.next()
		if err == io.EOF {
			r.done = true
			break
		}
		if err != nil {
			return Payload{}, err
		}
		r.packet++
		if p, ok := r.packetPayload(data, link); ok {
			return p, nil
		}
	}
	for _, f := range r.order {
		s := r.flows[f]
		if len(s.pending) > 0 {
			return s.skipGap(f), nil
		}
	}
	return Payload{}, io.EOF
}

// packetPayload returns what a packet adds to its flow, if anything.
func (r *Reader) packetPayload(data []byte, link uint32) (Payload, bool) {
	ip, ok := network(data, link)
	if !ok {
		return Payload{}, false
	}
	src, dst, proto, seg, ok := transportSegment(ip)
	if !ok {
		return Payload{}, false
	}
	switch proto {
	case 17: // UDP
		if len(seg) < 8 {
			return Payload{}, false
		}
		n := int(binary.BigEndian.Uint16(seg[4:]))
		if n < 8 || n > len(seg) {
			n = len(seg)
		}
		f := Flow{UDP, netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg)), netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:]))}
		return Payload{Packet: r.packet, Flow: f, Data: append([]byte(nil), seg[8:n]...)}, true
	case 6: // TCP
		if len(seg) < 20 {
			return Payload{}, false
		}
		off := int(seg[12]>>4) * 4
		if off < 20 || off > len(seg) {
			return Payload{}, false
		}
		f := Flow{TCP, netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg)), netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:]))}
		s := r.flows[f]
		if s == nil {
			s = &stream{}
			r.flows[f] = s
			r.order = append(r.order, f)
		}
		return s.segment(r.packet, f, binary.BigEndian.Uint32(seg[4:]), seg[13], seg[off:])
	}
	return Payload{}, false
}

// network returns the IP packet in a link-layer frame.
func network(b []byte, link uint32) ([]byte, bool) {
	var ethertype uint16
	switch link {
	case 1: // Ethernet
		if len(b) < 14 {
			return nil, false
		}
		ethertype, b = binary.BigEndian.Uint16(b[12:]), b[14:]
		for (ethertype == 0x8100 || ethertype == 0x88A8) && len(b) >= 4 { // VLAN tags
			ethertype, b = binary.BigEndian.Uint16(b[2:]), b[4:]
		}
	case 113: // Linux cooked capture
		if len(b) < 16 {
			return nil, false
		}
		ethertype, b = binary.BigEndian.Uint16(b[14:]), b[16:]
	case 276: // Linux cooked capture v2
		if len(b) < 20 {
			return nil, false
		}
		ethertype, b = binary.BigEndian.Uint16(b), b[20:]
	case 0, 108: // BSD loopback: the address family, in either byte order
		if len(b) < 4 {
			return nil, false
		}
		b = b[4:]
		return b, true
	case 12, 14, 101, 228, 229: // raw IP
		return b, true
	default:
		return nil, false
	}
	return b, ethertype == 0x0800 || ethertype == 0x86DD
}

// transportSegment returns the addresses and the transport segment of an
// IPv4 or IPv6 packet, without link padding. Fragments are not reassembled:
// they are skipped.
func transportSegment(b []byte) (src, dst netip.Addr, proto uint8, seg []byte, ok bool) {
	if len(b) < 1 {
		return
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return
		}
		ihl, total := int(b[0]&0xF)*4, int(binary.BigEndian.Uint16(b[2:]))
		if ihl < 20 || total < ihl || total > len(b) {
			return
		}
		if frag := binary.BigEndian.Uint16(b[6:]); frag&0x3FFF != 0 { // more fragments, or an offset
			return
		}
		src, dst = netip.AddrFrom4([4]byte(b[12:16])), netip.AddrFrom4([4]byte(b[16:20]))
		return src, dst, b[9], b[ihl:total], true
	case 6:
		if len(b) < 40 {
			return
		}
		n := 40 + int(binary.BigEndian.Uint16(b[4:]))
		if n > len(b) {
			return
		}
		src, dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
		next, rest := b[6], b[40:n]
		for {
			switch next {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(rest) < 8 || len(rest) < 8+int(rest[1])*8 {
					return
				}
				next, rest = rest[0], rest[8+int(rest[1])*8:]
			case 44: // fragment
				return
			default:
				return src, dst, next, rest, true
			}
		}
	}
	return
}

// stream puts the segments of one direction of a TCP connection in order.
type stream struct {
	known   bool   // next is set
	next    uint32 // the sequence number of the next byte in order
	pending []segment
	held    int // bytes in pending
}

// segment is a TCP segment that arrived ahead of a gap.
type segment struct {
	packet int
	seq    uint32
	data   []byte
}

// before reports whether sequence number a comes before b, modulo 2³².
func before(a, b uint32) bool { return int32(a-b) < 0 }

// segment takes a segment of flow f and returns the bytes it puts next in
// the stream, if any.
func (s *stream) segment(packet int, f Flow, seq uint32, flags byte, data []byte) (Payload, bool) {
	const syn, rst = 0x02, 0x04
	p := Payload{Packet: packet, Flow: f}
	if flags&syn != 0 {
		*s = stream{known: true, next: seq + 1}
		p.Start = true
		seq++
		if len(data) == 0 {
			return p, true // a new stream begins, with no bytes yet
		}
	}
	if flags&rst != 0 || len(data) == 0 {
		return Payload{}, false
	}
	if !s.known {
		s.known, s.next = true, seq
	}
	if before(seq, s.next) { // retransmitted, at least in part
		skip := s.next - seq
		if uint32(len(data)) <= skip {
			return Payload{}, false
		}
		data, seq = data[skip:], s.next
	}
	if seq != s.next {
		if s.held+len(data) > MaxPending || len(s.pending) == maxSegments {
			out := s.skipGap(f)
			s.hold(packet, seq, data)
			return out, true
		}
		s.hold(packet, seq, data)
		return Payload{}, false
	}
	p.Data = append(p.Data, data...)
	s.next += uint32(len(data))
	p.Data = s.drain(p.Data)
	return p, true
}

// hold keeps a segment that arrived ahead of a gap, in sequence order
// after those with the same sequence number.
func (s *stream) hold(packet int, seq uint32, data []byte) {
	i := sort.Search(len(s.pending), func(i int) bool { return before(seq, s.pending[i].seq) })
	s.pending = slices.Insert(s.pending, i, segment{packet, seq, append([]byte(nil), data...)})
	s.held += len(data)
}

// drain appends to dst the pending bytes that now come next.
func (s *stream) drain(dst []byte) []byte {
	for len(s.pending) > 0 && !before(s.next, s.pending[0].seq) {
		sg := s.pending[0]
		s.pending = s.pending[1:]
		s.held -= len(sg.data)
		if skip := s.next - sg.seq; uint32(len(sg.data)) > skip {
			dst = append(dst, sg.data[skip:]...)
			s.next = sg.seq + uint32(len(sg.data))
		}
	}
	return dst
}

// skipGap gives up on the gap before the first pending segment and returns
// the bytes from there, marked Gap.
func (s *stream) skipGap(f Flow) Payload {
	first := s.pending[0]
	s.next = first.seq
	return Payload{Packet: first.packet, Flow: f, Gap: true, Data: s.drain(nil)}
}

// noEOF turns an end of file inside a structure into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
