package frame_test

import (
	"errors"
	"fmt"

	"github.com/wirekit/wirekit/frame"
)

// The reference protocol (WK orders v1): magic "WK", version 1, a 1-byte
// type, a 4-byte request id, a 4-byte payload length and a CRC-32C trailer
// over header and payload.
//
// Input:
//
//	+- magic -+ ver +type+---- id ----+--- length ---+- payload -+---- crc ----+
//	|  W  K   | 01  | 01 | 00 00 00 07 | 00 00 00 02  |   h  i    | ee d5 66 3d |
//	+---------+-----+----+-------------+--------------+-----------+-------------+
//
// Output: type 1, id 7, payload "hi"
func ExampleHeader() {
	h, _ := frame.NewHeader(frame.HeaderConfig{
		Magic:      []byte("WK"),
		Versions:   []uint8{1},
		TypeWidth:  1,
		IDWidth:    4,
		MaxPayload: 1 << 20,
		Checksum:   frame.CRC32C(),
	})
	wire, _ := frame.Append(h, nil, frame.Meta{Type: 1, ID: 7}, []byte("hi"))
	fmt.Printf("% x\n", wire)

	f, n, err := frame.Next(h, wire)
	fmt.Printf("type %d, id %d, payload %q, %d bytes, %v\n", f.Type, f.ID, f.Payload, n, err)
	// Output:
	// 57 4b 01 01 00 00 00 07 00 00 00 02 68 69 ee d5 66 3d
	// type 1, id 7, payload "hi", 18 bytes, <nil>
}

// Writing appends: Begin reserves the header, the body is appended in place,
// Finish backfills the length and appends the checksum. Nothing is copied.
//
//	after Begin:   | W K 01 01 00000007 [00000000] |
//	after append:  | W K 01 01 00000007 [00000000] h i |
//	after Finish:  | W K 01 01 00000007 [00000002] h i [crc] |
func ExampleHeader_Begin() {
	h, _ := frame.NewHeader(frame.HeaderConfig{Magic: []byte("WK"), Versions: []uint8{1}, TypeWidth: 1, IDWidth: 4, Checksum: frame.CRC32C()})
	buf := make([]byte, 0, 64)
	buf, m := h.Begin(buf, frame.Meta{Type: 1, ID: 7})
	buf = append(buf, "hi"...)
	buf, err := h.Finish(buf, m, nil)
	fmt.Printf("% x %v\n", buf, err)
	// Output: 57 4b 01 01 00 00 00 07 00 00 00 02 68 69 ee d5 66 3d <nil>
}

// A length field that counts the whole frame, header and trailer included,
// in little-endian order.
//
// Input:
//
//   - type +--- length ---+- payload -+
//     |  05  |  08 00 00 00 | a b c     |
//     +------+--------------+-----------+
//
// Output: type 5, payload "abc" (length 8 = 1 + 4 + 3)
func ExampleHeader_lengthCountsFrame() {
	h, _ := frame.NewHeader(frame.HeaderConfig{TypeWidth: 1, LittleEndian: true, LengthCountsFrame: true})
	f, _, _ := frame.Next(h, []byte("\x05\x08\x00\x00\x00abc"))
	fmt.Printf("type %d, payload %q\n", f.Type, f.Payload)
	// Output: type 5, payload "abc"
}

// Checks happen as bytes arrive: a wrong magic byte is refused at once,
// without waiting for a whole header.
//
// Input:
//
//	+- magic -+
//	|  W  X   | ...
//	+---------+
//	      ^ offset 1
func ExampleHeader_badMagic() {
	h, _ := frame.NewHeader(frame.HeaderConfig{Magic: []byte("WK"), TypeWidth: 1})
	_, _, err := frame.Next(h, []byte("WX"))
	var fe *frame.Error
	errors.As(err, &fe)
	fmt.Println(err)
	fmt.Println(errors.Is(err, frame.BadMagic), fe.Offset, fe.Fatal)
	// Output:
	// frame: bad magic at offset 1: byte 0x58, want 0x4b
	// true 1 true
}

// A length over MaxPayload is refused as soon as the length field is in,
// before any memory is committed to the payload. The error carries the
// frame's request id, for the protocol's error reply.
//
// Input:
//
//	+---- id ----+--- length ---+
//	| 00 00 00 09 | 00 10 00 01 |  ... 1 MiB + 1 bytes never buffered
//	+-------------+-------------+
func ExampleHeader_maxPayload() {
	h, _ := frame.NewHeader(frame.HeaderConfig{IDWidth: 4, MaxPayload: 1 << 20})
	_, _, err := frame.Next(h, []byte("\x00\x00\x00\x09\x00\x10\x00\x01"))
	var fe *frame.Error
	errors.As(err, &fe)
	fmt.Println(err)
	fmt.Println(fe.ID, fe.HasID)
	// Output:
	// frame: frame too large at offset 4: payload of 1048577 bytes, max 1048576
	// 9 true
}

// An HMAC-SHA256 tag truncated to 16 bytes authenticates each frame; a
// tampered frame fails with BadChecksum.
func ExampleHMACSHA256() {
	mac, _ := frame.HMACSHA256([]byte("shared secret"), 16)
	h, _ := frame.NewHeader(frame.HeaderConfig{LengthWidth: 2, Checksum: mac})
	wire, _ := frame.Append(h, nil, frame.Meta{}, []byte("pay 10"))
	fmt.Println(len(wire), "bytes: 2 length + 6 payload + 16 tag")

	wire[7] = '9' // "pay 19"
	_, _, err := frame.Next(h, wire)
	fmt.Println(err)
	// Output:
	// 24 bytes: 2 length + 6 payload + 16 tag
	// frame: bad checksum at offset 8: HMAC-SHA256/128 mismatch
}

// Fixed-size frames: the stream is cut every Size bytes.
//
// Input:
//
//	+---------+---------+---
//	| a b c d | e f g h | i
//	+---------+---------+---
//
// Output: "abcd", "efgh", then "i" waits for more bytes.
func ExampleFixed() {
	f, _ := frame.NewFixed(4)
	in := []byte("abcdefghi")
	for {
		fr, n, err := frame.Next(f, in)
		if n == 0 || err != nil {
			fmt.Printf("need more: %q\n", in)
			break
		}
		fmt.Printf("%q\n", fr.Payload)
		in = in[n:]
	}
	// Output:
	// "abcd"
	// "efgh"
	// need more: "i"
}

// Versions lists the versions a reader accepts; Begin writes Meta.Version,
// or the first listed version when Meta.Version is 0. Any other version is
// refused as soon as its byte arrives.
//
// Input:
//
//	+-- ver --+- length -+- payload -+
//	|   02    |    01    |     x     |
//	+---------+----------+-----------+
//
// Output: version 2, payload "x"; a frame of version 3 is BadVersion at offset 0.
func ExampleHeader_versions() {
	h, _ := frame.NewHeader(frame.HeaderConfig{Versions: []uint8{1, 2}, LengthWidth: 1})
	f, _, _ := frame.Next(h, []byte("\x02\x01x"))
	fmt.Printf("version %d, payload %q\n", f.Version, f.Payload)
	_, _, err := frame.Next(h, []byte("\x03"))
	fmt.Println(err)
	// Output:
	// version 2, payload "x"
	// frame: bad version at offset 0: version 3 not accepted
}

// Span chooses the bytes the checksum covers: here the payload only, so a
// relay may rewrite the header without recomputing the CRC.
//
// Input:
//
//	+-- type --+- length -+- payload -+-- CRC-32 of "hi" --+
//	|    01    |    02    |   h  i    |    d8 93 2a ac     |
//	+----------+----------+-----------+--------------------+
func ExampleSpan() {
	h, _ := frame.NewHeader(frame.HeaderConfig{TypeWidth: 1, LengthWidth: 1, Checksum: frame.CRC32(), Span: frame.SpanPayload})
	wire, _ := frame.Append(h, nil, frame.Meta{Type: 1}, []byte("hi"))
	fmt.Printf("% x\n", wire)
	wire[0] = 2 // another type: the checksum still holds
	f, _, err := frame.Next(h, wire)
	fmt.Println(f.Type, err)
	// Output:
	// 01 02 68 69 d8 93 2a ac
	// 2 <nil>
}
