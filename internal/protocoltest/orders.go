// Package protocoltest says what every frame of wirekit's test protocols
// holds, for the tests of the tools that show frames: the Wireshark
// dissector and wirekit decode. Package traffic makes such frames travel.
//
// What a frame holds comes from the protocol's specification, written out
// here field by field (Lines), not from the schema model those tools
// interpret: it is the oracle they are both held against. It uses their
// names (orders.new_order.price) and their tree order, flattened into lines
// as package internal/tshark flattens tshark's JSON:
//
//	orders=
//	orders.magic=0x574b
//	...
//	orders.new_order=
//	orders.new_order.order_id=42
//	...
//	orders.crc=0xe6b5c778
//	orders.crc.status=0
//	!orders.crc.bad=bad checksum: 0xe6b5c778, computed 0xe6b5c777
package protocoltest

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
)

// OrdersFrame writes a frame of any type and body, as the spec lays it
// out, with a good checksum.
func OrdersFrame(typ uint8, id uint32, body []byte) []byte {
	b := []byte{0x57, 0x4b, 1, typ}
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// RefreshCRC recomputes the checksum of a frame of the reference protocol
// after a change, and returns the frame.
func RefreshCRC(b []byte) []byte {
	n := len(b) - 4
	binary.BigEndian.PutUint32(b[n:], crc32.Checksum(b[:n], castagnoli))
	return b
}

// SplitOrders cuts a stream of the reference protocol into frames, by the
// length in each header.
func SplitOrders(stream []byte) [][]byte {
	var frames [][]byte
	for len(stream) >= 12 {
		n := 16 + int(binary.BigEndian.Uint32(stream[8:]))
		if n > len(stream) {
			break
		}
		frames = append(frames, stream[:n])
		stream = stream[n:]
	}
	return frames
}

// OrdersLines says what a frame of the reference protocol holds, as
// shared/spec/orders-v1.md lays it out, in the lines of the package
// comment.
func OrdersLines(raw []byte) []string {
	be := binary.BigEndian
	typ, L := raw[3], be.Uint32(raw[8:])
	body := raw[12 : 12+L]
	ls := lines{
		"orders=",
		"orders.magic=" + fmt.Sprintf("0x%04x", be.Uint16(raw)),
		fmt.Sprint("orders.version=", raw[2]),
		fmt.Sprint("orders.type=", typ),
		fmt.Sprint("orders.id=", be.Uint32(raw[4:])),
		fmt.Sprint("orders.length=", L),
	}
	switch typ {
	case 1, 2:
		name := map[uint8]string{1: "echo_request", 2: "echo_response"}[typ]
		ls.add("orders."+name+"=", "orders."+name+".payload="+colonHex(body))
	case 3:
		ls.add("orders.new_order=",
			fmt.Sprint("orders.new_order.order_id=", be.Uint64(body)),
			fmt.Sprint("orders.new_order.instrument=", be.Uint32(body[8:])),
			fmt.Sprint("orders.new_order.side=", body[12]>>7),
			fmt.Sprint("orders.new_order.tif=", body[12]>>5&3),
			fmt.Sprint("orders.new_order.reserved=", body[12]&0x1f))
		if r := body[12] & 0x1f; r != 0 {
			ls.add(fmt.Sprintf("!orders.invalid=reserved is %d, want 0", r))
		}
		ls.add(fmt.Sprint("orders.new_order.price=", int64(be.Uint64(body[13:]))),
			fmt.Sprint("orders.new_order.qty=", be.Uint32(body[21:])),
			fmt.Sprint("orders.new_order.tag.length=", body[25]),
			"orders.new_order.tag="+string(body[26:26+int(body[25])]))
	case 4:
		ls.add("orders.order_ack=",
			fmt.Sprint("orders.order_ack.order_id=", be.Uint64(body)),
			fmt.Sprint("orders.order_ack.status=", body[8]),
			fmt.Sprint("orders.order_ack.reason=", be.Uint16(body[9:])),
			fmt.Sprint("orders.order_ack.server_time=", be.Uint64(body[11:])))
	case 127:
		ls.add("orders.error=",
			fmt.Sprint("orders.error.code=", be.Uint16(body)),
			fmt.Sprint("orders.error.message.length=", body[2]),
			"orders.error.message="+string(body[3:3+int(body[2])]))
	default:
		ls.add("orders.body="+colonHex(body), fmt.Sprintf("!orders.type.unknown=type %d is no message's", typ))
	}
	got, want := be.Uint32(raw[12+L:]), crc32.Checksum(raw[:12+L], castagnoli)
	ls.add(fmt.Sprintf("orders.crc=0x%08x", got))
	if got == want {
		ls.add("orders.crc.status=1")
	} else {
		ls.add("orders.crc.status=0", fmt.Sprintf("!orders.crc.bad=bad checksum: 0x%08x, computed 0x%08x", got, want))
	}
	return ls
}

type lines []string

func (l *lines) add(s ...string) { *l = append(*l, s...) }

// colonHex writes bytes as Wireshark's JSON does: 00:01:ff.
func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

// BrokenOrders returns streams of the reference protocol with something
// wrong in each frame after the first: a version the schema does not
// accept, bytes left after a body, a body cut short by its length,
// reserved bits set, a message that is not UTF-8; the first stream then
// goes on with bytes that are no frame (a bad magic number), the second
// with a length over the maximum. After those, nothing can be trusted.
func BrokenOrders() [][]byte {
	vector := OrdersFrame(3, 7, []byte("\x00\x00\x00\x00\x00\x00\x00\x2a\x00\x00\x03\xe9\xa0\x00\x00\x00\x02\xdf\xd1\xc0\x40\x00\x00\x00\x64\x03abc"))
	v2 := slices.Clone(vector)
	v2[2] = 2
	reserved := slices.Clone(vector)
	reserved[24] |= 0x1f
	var a []byte
	for _, f := range [][]byte{
		vector,
		RefreshCRC(v2),
		OrdersFrame(4, 8, make([]byte, 21)), // an OrderAck has 19
		OrdersFrame(3, 9, make([]byte, 20)), // a NewOrder has at least 26
		RefreshCRC(reserved),
		OrdersFrame(127, 10, []byte("\x00\x06\x02\xff\xfe")), // not UTF-8
		[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
	} {
		a = append(a, f...)
	}
	b := slices.Clone(vector)
	huge := OrdersFrame(1, 11, []byte("tail"))
	binary.BigEndian.PutUint32(huge[8:], 2<<20)
	b = append(b, huge...)
	return [][]byte{a, b}
}
