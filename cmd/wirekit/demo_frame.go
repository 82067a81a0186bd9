package main

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
	"github.com/wirekit/wirekit/trace"
)

// specOrder is the test vector of shared/spec/orders-v1.md, sent with
// request id specID.
var specOrder = orderspb.NewOrder{
	OrderID: 42, Instrument: 1001, Side: orderspb.SideSell, Tif: orderspb.TifIoc,
	Price: 12_345_000_000, Qty: 100, Tag: []byte("abc"),
}

const specID = 7

// showFrame prints the spec's test vector as a hex dump and as a decoded
// tree, sends it to the wirekit server at addr and prints the answer.
func showFrame(out io.Writer, addr string) error {
	raw, err := orderspb.AppendFrame(nil, frame.Meta{ID: specID}, &specOrder)
	if err != nil {
		return err
	}
	tree, err := newOrderTree(raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "One request: the spec's test vector, NewOrder id %d, %d bytes on the wire.\n\n%s\n%s", specID, len(raw), trace.Dump(raw), tree)
	ack, size, err := placeSpecOrder(addr, raw)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe server's answer: OrderAck id=%d order_id=%d status=%v reason=%v (%d bytes)\n\n",
		specID, ack.OrderID, ack.Status, ack.Reason, size)
	return nil
}

// newOrderTree draws a WK frame the way a dissector shows it: the header
// fields, the body as orderspb decodes it, and the checksum checked.
func newOrderTree(raw []byte) (string, error) {
	f, _, err := frame.Next(orderspb.Framing(), raw)
	if err != nil {
		return "", err
	}
	var ms orderspb.Messages
	msg, err := ms.Decode(&f)
	if err != nil {
		return "", err
	}
	o, ok := msg.(*orderspb.NewOrder)
	if !ok {
		return "", fmt.Errorf("frame of type %d, not a NewOrder", f.Type)
	}
	// The header is 12 bytes, the CRC-32C the last 4 (the spec's layout).
	crc := binary.BigEndian.Uint32(raw[len(raw)-4:])
	check := "good"
	if sum := crc32.Checksum(raw[:len(raw)-4], crc32.MakeTable(crc32.Castagnoli)); sum != crc {
		check = fmt.Sprintf("bad: the bytes give %08x", sum)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "WK frame, %d bytes\n", len(raw))
	fmt.Fprintf(&b, "├─ magic      %x %q\n", raw[:2], raw[:2])
	fmt.Fprintf(&b, "├─ version    %d\n", f.Version)
	fmt.Fprintf(&b, "├─ type       %d NewOrder\n", f.Type)
	fmt.Fprintf(&b, "├─ id         %d\n", f.ID)
	fmt.Fprintf(&b, "├─ length     %d\n", binary.BigEndian.Uint32(raw[8:12]))
	fmt.Fprintf(&b, "├─ NewOrder\n")
	fmt.Fprintf(&b, "│  ├─ order_id    %d\n", o.OrderID)
	fmt.Fprintf(&b, "│  ├─ instrument  %d\n", o.Instrument)
	fmt.Fprintf(&b, "│  ├─ side        %v (%d)\n", o.Side, o.Side)
	fmt.Fprintf(&b, "│  ├─ tif         %v (%d)\n", o.Tif, o.Tif)
	fmt.Fprintf(&b, "│  ├─ price       %d (%s)\n", o.Price, fixed8(o.Price))
	fmt.Fprintf(&b, "│  ├─ qty         %d\n", o.Qty)
	fmt.Fprintf(&b, "│  └─ tag         %q\n", o.Tag)
	fmt.Fprintf(&b, "└─ crc32c     %08x (%s)\n", crc, check)
	return b.String(), nil
}

// fixed8 formats a price in units of 1e-8 as a decimal number.
func fixed8(p int64) string {
	s := strconv.FormatInt(p, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= 8 {
		s = strings.Repeat("0", 9-len(s)) + s
	}
	s = strings.TrimRight(s[:len(s)-8]+"."+s[len(s)-8:], "0")
	s = strings.TrimSuffix(s, ".")
	if neg {
		s = "-" + s
	}
	return s
}

// placeSpecOrder sends the request frame raw to addr and returns the OrderAck and
// the size of its frame.
func placeSpecOrder(addr string, raw []byte) (orderspb.OrderAck, int, error) {
	var ack orderspb.OrderAck
	nc, err := net.DialTimeout("tcp", addr, procTimeout)
	if err != nil {
		return ack, 0, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(procTimeout))
	if _, err := nc.Write(raw); err != nil {
		return ack, 0, err
	}
	f, err := stream.New(nc, orderspb.Framing(), stream.Config{}).ReadFrame()
	if err != nil {
		return ack, 0, err
	}
	if f.Type != orderspb.TypeOrderAck || f.ID != specID {
		return ack, 0, fmt.Errorf("answer of type %d id %d, want an OrderAck for id %d", f.Type, f.ID, specID)
	}
	return ack, len(f.Raw), ack.Decode(f.Payload)
}
