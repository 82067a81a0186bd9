package trace

import (
	"encoding/binary"
	"net/netip"
)

// Header sizes and fields of the packets a Tap synthesizes.
const (
	ethHeaderLen  = 14 // destination MAC, source MAC, EtherType
	ipv4HeaderLen = 20 // no options
	ipv6HeaderLen = 40 // no extension headers
	tcpHeaderLen  = 20 // data segments carry no options
	synHeaderLen  = 28 // SYNs add MSS, NOP and window scale

	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	protoTCP      = 6
	hopLimit      = 64

	flagFIN = 0x01
	flagSYN = 0x02
	flagPSH = 0x08
	flagACK = 0x10

	// Every segment advertises a window of 65535. In a SYN that is the
	// window itself (RFC 7323 never scales SYNs); afterwards the scale of
	// 2¹⁴ negotiated in the handshake makes it about 1 GiB, so that a peer
	// that only writes rarely needs a synthesized ACK to keep Wireshark from
	// calling the window full.
	windowField = 65535
	windowShift = 14
)

var be = binary.BigEndian

// tcpSegment is the header of one synthesized TCP segment and the Ethernet
// and IP headers around it.
type tcpSegment struct {
	src, dst       netip.AddrPort // both IPv4, or both IPv6 (v4-mapped included)
	srcMAC, dstMAC [6]byte
	ipID           uint16 // IPv4 only
	seq, ack       uint32
	flags          uint8
	mss            uint16 // announced in SYNs
}

// frameLen returns the size of the Ethernet frame carrying s and n bytes of
// payload.
func (s *tcpSegment) frameLen(n int) int {
	return ethHeaderLen + s.ipHeaderLen() + s.tcpHeaderLen() + n
}

func (s *tcpSegment) ipHeaderLen() int {
	if s.src.Addr().Is4() {
		return ipv4HeaderLen
	}
	return ipv6HeaderLen
}

func (s *tcpSegment) tcpHeaderLen() int {
	if s.flags&flagSYN != 0 {
		return synHeaderLen
	}
	return tcpHeaderLen
}

// appendFrame appends the Ethernet frame carrying s and payload, with the
// IPv4 header checksum and the TCP checksum filled in. The payload is copied
// once, and read once more for the checksum.
func (s *tcpSegment) appendFrame(b, payload []byte) []byte {
	b = append(b, s.dstMAC[:]...)
	b = append(b, s.srcMAC[:]...)
	tcpLen := s.tcpHeaderLen() + len(payload)
	var pseudo uint64 // the checksum of the pseudo-header (RFC 9293 3.1, RFC 8200 8.1)
	if s.src.Addr().Is4() {
		b = be.AppendUint16(b, etherTypeIPv4)
		ip := len(b)
		b = append(b, 0x45, 0) // version 4, 5 words of header; DSCP and ECN 0
		b = be.AppendUint16(b, uint16(ipv4HeaderLen+tcpLen))
		b = be.AppendUint16(b, s.ipID)
		b = be.AppendUint16(b, 0x4000) // don't fragment; offset 0
		b = append(b, hopLimit, protoTCP)
		b = be.AppendUint16(b, 0) // header checksum, filled below
		src, dst := s.src.Addr().As4(), s.dst.Addr().As4()
		b = append(b, src[:]...)
		b = append(b, dst[:]...)
		be.PutUint16(b[ip+10:], checksum(0, b[ip:]))
		pseudo = sum16(sum16(0, src[:]), dst[:])
	} else {
		b = be.AppendUint16(b, etherTypeIPv6)
		b = append(b, 0x60, 0, 0, 0) // version 6; traffic class and flow label 0
		b = be.AppendUint16(b, uint16(tcpLen))
		b = append(b, protoTCP, hopLimit)
		src, dst := s.src.Addr().As16(), s.dst.Addr().As16()
		b = append(b, src[:]...)
		b = append(b, dst[:]...)
		pseudo = sum16(sum16(0, src[:]), dst[:])
	}
	pseudo += protoTCP + uint64(tcpLen)

	tcp := len(b)
	b = be.AppendUint16(b, s.src.Port())
	b = be.AppendUint16(b, s.dst.Port())
	b = be.AppendUint32(b, s.seq)
	b = be.AppendUint32(b, s.ack)
	b = append(b, byte(s.tcpHeaderLen()/4)<<4, s.flags)
	b = be.AppendUint16(b, windowField)
	b = be.AppendUint16(b, 0) // checksum, filled below
	b = be.AppendUint16(b, 0) // urgent pointer
	if s.flags&flagSYN != 0 {
		b = append(b, 2, 4) // maximum segment size
		b = be.AppendUint16(b, s.mss)
		b = append(b, 1, 3, 3, windowShift) // NOP to align; window scale
	}
	b = append(b, payload...)
	be.PutUint16(b[tcp+16:], checksum(pseudo, b[tcp:]))
	return b
}

// sum16 adds b, read as big-endian 16-bit words and padded with a zero byte
// if its length is odd, to the ones'-complement sum acc (RFC 1071). It adds
// 32-bit words into 64 bits, which is the same sum modulo 0xffff and half
// the additions; [checksum] folds the carries back in.
func sum16(acc uint64, b []byte) uint64 {
	for len(b) >= 8 {
		acc += uint64(be.Uint32(b)) + uint64(be.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		acc += uint64(be.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(be.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// checksum returns the Internet checksum of b with acc already summed in:
// the ones' complement of the folded ones'-complement sum.
func checksum(acc uint64, b []byte) uint16 {
	acc = sum16(acc, b)
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return ^uint16(acc)
}
