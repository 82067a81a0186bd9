package wire_test

import (
	"errors"
	"fmt"

	"github.com/wirekit/wirekit/wire"
)

func ExampleByteOrder() {
	var b []byte
	b = wire.BigEndian.AppendUint24(b, 0x123456)
	b = wire.LittleEndian.AppendUint24(b, 0x123456)
	b = wire.BigEndian.AppendUint(b, 0x0102030405, 5)
	fmt.Printf("% x\n", b)

	fmt.Println(wire.BigEndian.Int24([]byte{0xff, 0xff, 0xfe}))
	fmt.Printf("%#x\n", wire.LittleEndian.Uint(b[3:], 3))
	// Output:
	// 12 34 56 56 34 12 01 02 03 04 05
	// -2
	// 0x123456
}

func ExampleAppendUvarint() {
	b := wire.AppendUvarint(nil, 300)
	fmt.Printf("% x\n", b)

	v, n, err := wire.Uvarint(b)
	fmt.Println(v, n, err)
	// Output:
	// ac 02
	// 300 2 <nil>
}

// Signed LEB128 and zigzag take the same number of bytes; they differ in
// which bytes.
func ExampleAppendVarint() {
	for _, v := range []int64{-1, 63, 64, -123456} {
		fmt.Printf("%7d  sleb128 % -9x zigzag % x\n", v, wire.AppendVarint(nil, v), wire.AppendZigzag(nil, v))
	}
	// Output:
	//      -1  sleb128 7f        zigzag 01
	//      63  sleb128 3f        zigzag 7e
	//      64  sleb128 c0 00     zigzag 80 01
	// -123456  sleb128 c0 bb 78  zigzag ff 88 0f
}

// Decoders accept only the shortest encoding of a value.
func ExampleUvarint_nonCanonical() {
	_, _, err := wire.Uvarint([]byte{0x80, 0x00})
	fmt.Println(err)
	fmt.Println(errors.Is(err, wire.ErrNonCanonical))
	// Output:
	// wire: non-canonical uvarint at offset 0: a shorter encoding exists
	// true
}

// The fields of the package doc's diagram, a = 5 (3 bits), b = 0x55 (7
// bits) and c = 0x2a (6 bits), in both bit orders.
func ExampleBitWriter() {
	for _, order := range []wire.BitOrder{wire.MSBFirst, wire.LSBFirst} {
		w := wire.NewBitWriter(nil, order)
		w.WriteBits(5, 3)
		w.WriteBits(0x55, 7)
		w.WriteBits(0x2a, 6)
		fmt.Printf("%v: % x\n", order, w.Bytes())
	}
	// Output:
	// MSBFirst: b5 6a
	// LSBFirst: ad aa
}

// A 4-bit version and a 4-bit header length share a byte, as in IPv4.
func ExampleBitReader() {
	r := wire.NewBitReader([]byte{0x45}, wire.MSBFirst)
	version := r.ReadBits(4)
	ihl := r.ReadBits(4)
	fmt.Println(version, ihl, r.Err())

	r.ReadBits(1) // nothing left
	fmt.Println(r.Err())
	// Output:
	// 4 5 <nil>
	// wire: short buffer reading bits at offset 1: need 1 byte, have 0
}

func ExampleReader() {
	msg := []byte{
		0x00, 0x00, 0x00, 0x2a, // id
		0xac, 0x02, // quantity, uvarint
		0x05, 'h', 'e', 'l', 'l', 'o', // tag, 1-byte length
	}
	r := wire.NewReader(msg)
	id := r.Uint32(wire.BigEndian)
	qty := r.Uvarint()
	tag := r.LengthPrefixed(1, wire.BigEndian)
	if err := r.Err(); err != nil || !r.Empty() {
		fmt.Println("bad message:", err)
		return
	}
	fmt.Println(id, qty, string(tag))
	// Output: 42 300 hello
}

// A read past the end fails without panicking, every read after it
// returns zero, and Err says where it went wrong.
func ExampleReader_error() {
	msg := make([]byte, 13)
	r := wire.NewReader(msg)
	r.Uint64(wire.BigEndian)
	r.Uint32(wire.BigEndian)
	r.Uint32(wire.BigEndian) // 1 byte left
	r.Uint8()                // not even tried
	fmt.Println(r.Err())

	var e *wire.Error
	if errors.As(r.Err(), &e) && errors.Is(e, wire.ErrShort) {
		fmt.Printf("read more from offset %d: %d bytes\n", e.Offset, e.Need-e.Have)
	}
	// Output:
	// wire: short buffer reading uint32 at offset 12: need 4 bytes, have 1
	// read more from offset 12: 3 bytes
}

// A declared length is checked against the input before anything is
// sliced or allocated, however large it is.
func ExampleReader_LengthPrefixed() {
	r := wire.NewReader([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 'x'})
	fmt.Printf("%q\n", r.LengthPrefixed(8, wire.BigEndian))
	fmt.Println(r.Err())
	// Output:
	// ""
	// wire: short buffer reading length-prefixed bytes at offset 8: need 9223372036854775808 bytes, have 1
}

// A frame with a 2-byte length, holding a string with a 1-byte length.
func ExampleBeginLength() {
	frame, outer := wire.BeginLength(nil, 2, wire.BigEndian)
	frame = append(frame, 0x01) // type
	frame, inner := wire.BeginLength(frame, 1, wire.BigEndian)
	frame = append(frame, "hi"...)
	frame, err1 := wire.EndLength(frame, inner)
	frame, err2 := wire.EndLength(frame, outer)
	fmt.Printf("% x %v %v\n", frame, err1, err2)

	// A length that does not fit its prefix is an error, never truncated.
	b, m := wire.BeginLength(nil, 1, wire.BigEndian)
	b = append(b, make([]byte, 256)...)
	_, err := wire.EndLength(b, m)
	fmt.Println(err)
	// Output:
	// 00 04 01 02 68 69 <nil> <nil>
	// wire: overflow writing length prefix at offset 0: 256 exceeds maximum 255
}

func ExampleBeginUvarintLength() {
	b, m := wire.BeginUvarintLength(nil)
	b = append(b, make([]byte, 300)...)
	b, _ = wire.EndLength(b, m) // the body moves up a byte
	fmt.Printf("% x ... (%d bytes)\n", b[:3], len(b))
	// Output: ac 02 00 ... (302 bytes)
}
