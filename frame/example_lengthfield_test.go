package frame_test

import (
	"fmt"

	"github.com/wirekit/wirekit/frame"
)

// The default: a 4-byte big-endian length that counts the bytes after it.
// The header is stripped, so the Payload is the body.
//
// Input:
//
//	+------- len: u32 -------+--- payload ---+
//	| \x00\x00\x00\x0B       |  Hello world  |
//	+------------------------+---------------+
//
// Output: "Hello world"
func ExampleLengthField() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{})
	fr, n, err := frame.Next(f, []byte("\x00\x00\x00\x0BHello world"))
	fmt.Printf("%q %d %v\n", fr.Payload, n, err)
	// Output: "Hello world" 15 <nil>
}

// Netty's first example: a 2-byte length, nothing stripped: the Payload is
// the whole frame.
//
// Input:
//
//	+-- len: u16 --+--- payload ---+
//	| \x00\x0B     |  Hello world  |
//	+--------------+---------------+
//
// Output (StripNone): "\x00\x0BHello world"
func ExampleLengthField_stripNone() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 2, Strip: frame.StripNone})
	fr, _, _ := frame.Next(f, []byte("\x00\x0BHello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "\x00\vHello world"
}

// Netty's second example: a 2-byte length, 2 bytes stripped (the default,
// Offset+Width).
//
// Input:
//
//	+-- len: u16 --+--- payload ---+
//	| \x00\x0B     |  Hello world  |
//	+--------------+---------------+
//
// Output (Strip 2): "Hello world"
func ExampleLengthField_strip() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 2, Strip: 2})
	fr, _, _ := frame.Next(f, []byte("\x00\x0BHello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "Hello world"
}

// A Strip inside the header keeps part of it: here the length field, without
// the byte before it.
//
// Input:
//
//	+- hdr -+-- len: u16 --+--- payload ---+
//	| \xCA  | \x00\x0B     |  Hello world  |
//	+-------+--------------+---------------+
//
// Output (Offset 1, Strip 1): "\x00\x0BHello world"
func ExampleLengthField_stripPartOfHeader() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 1, Width: 2, Strip: 1})
	fr, _, _ := frame.Next(f, []byte("\xCA\x00\x0BHello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "\x00\vHello world"
}

// A 3-byte length field.
//
// Input:
//
//	+---- len: u24 ----+--- payload ---+
//	| \x00\x00\x0B     |  Hello world  |
//	+------------------+---------------+
//
// Output (Width 3): "Hello world"
func ExampleLengthField_width3() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 3})
	fr, _, _ := frame.Next(f, []byte("\x00\x00\x0BHello world"))
	fmt.Printf("%q (max frame %d)\n", fr.Payload, f.MaxFrame())
	// Output: "Hello world" (max frame 8388608)
}

// An 8-byte length field. A hostile length of 2^64-1 is refused as soon as
// the field is in, with nothing allocated for it.
//
// Input:
//
//	+------------- len: u64 -------------+--- payload ---+
//	| \x00\x00\x00\x00\x00\x00\x00\x0B   |  Hello world  |
//	+------------------------------------+---------------+
//
// Output (Width 8): "Hello world"
func ExampleLengthField_width8() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 8})
	fr, _, _ := frame.Next(f, []byte("\x00\x00\x00\x00\x00\x00\x00\x0BHello world"))
	fmt.Printf("%q\n", fr.Payload)
	_, _, err := frame.Next(f, []byte("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"))
	fmt.Println(err)
	// Output:
	// "Hello world"
	// frame: frame too large at offset 0: length value 18446744073709551615 describes a frame longer than the max of 8388608 bytes
}

// A little-endian length field.
//
// Input:
//
//	+-- len: u16le --+--- payload ---+
//	| \x0B\x00       |  Hello world  |
//	+----------------+---------------+
//
// Output (LittleEndian): "Hello world"
func ExampleLengthField_littleEndian() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 2, LittleEndian: true})
	fr, _, _ := frame.Next(f, []byte("\x0B\x00Hello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "Hello world"
}

// Netty's fourth example: a 2-byte header before a 3-byte length. The header
// is handed out as Frame.Prefix.
//
// Input:
//
//	+-- hdr1 --+---- len: u24 ----+--- payload ---+
//	| \xCA\xFE | \x00\x00\x0B     |  Hello world  |
//	+----------+------------------+---------------+
//
// Output (Offset 2, Width 3, StripNone): "\xCA\xFE\x00\x00\x0BHello world",
// Prefix "\xCA\xFE"
func ExampleLengthField_offset() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 2, Width: 3, Strip: frame.StripNone})
	fr, _, _ := frame.Next(f, []byte("\xCA\xFE\x00\x00\x0BHello world"))
	fmt.Printf("%q %q\n", fr.Payload, fr.Prefix)
	// Output: "\xca\xfe\x00\x00\vHello world" "\xca\xfe"
}

// Netty's fifth example: a 2-byte header after the length, which does not
// count it: a positive Adjustment adds it.
//
// Input:
//
//	+---- len: u24 ----+-- hdr2 --+--- payload ---+
//	| \x00\x00\x0B     | \xCA\xFE |  Hello world  |
//	+------------------+----------+---------------+
//
// Output (Width 3, Adjustment 2): "\xCA\xFEHello world"
func ExampleLengthField_adjustment() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 3, Adjustment: 2})
	fr, _, _ := frame.Next(f, []byte("\x00\x00\x0B\xCA\xFEHello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "\xca\xfeHello world"
}

// Netty's third example: the length counts the whole frame, its own 2 bytes
// included: an Adjustment of -2 takes them off.
//
// Input:
//
//	+-- len: u16 --+--- payload ---+
//	| \x00\x0D     |  Hello world  |
//	+--------------+---------------+
//
// Output (Adjustment -2, StripNone): "\x00\x0DHello world"
func ExampleLengthField_negativeAdjustment() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Width: 2, Adjustment: -2, Strip: frame.StripNone})
	fr, n, _ := frame.Next(f, []byte("\x00\x0DHello world"))
	fmt.Printf("%q %d\n", fr.Payload, n)
	// Output: "\x00\rHello world" 13
}

// Netty's sixth example: HDR1 LEN HDR2. The length counts the body only; an
// Adjustment of 1 adds HDR2, and stripping 3 bytes (the default,
// Offset+Width) removes HDR1 and the length.
//
// Input:
//
//	+-hdr1-+-- len: u16 --+-hdr2-+--- payload ---+
//	| \xCA | \x00\x0B     | \xFE |  Hello world  |
//	+------+--------------+------+---------------+
//
// Output (Offset 1, Width 2, Adjustment 1, Strip 3): "\xFEHello world"
func ExampleLengthField_hdr1LenHdr2() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 1, Width: 2, Adjustment: 1, Strip: 3})
	fr, _, _ := frame.Next(f, []byte("\xCA\x00\x0B\xFEHello world"))
	fmt.Printf("%q\n", fr.Payload)
	// Output: "\xfeHello world"
}

// Netty's seventh example: HDR1 LEN HDR2 with a length that counts the whole
// frame. Netty writes it as an Adjustment of -3; CountsHeader says it
// directly.
//
// Input:
//
//	+-hdr1-+-- len: u16 --+-hdr2-+--- payload ---+
//	| \xCA | \x00\x0F     | \xFE |  Hello world  |
//	+------+--------------+------+---------------+
//
// Output (Offset 1, Width 2, CountsHeader): "\xFEHello world"
func ExampleLengthField_countsHeader() {
	counts, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 1, Width: 2, CountsHeader: true})
	netty, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 1, Width: 2, Adjustment: -3})
	in := []byte("\xCA\x00\x0F\xFEHello world")
	a, _, _ := frame.Next(counts, in)
	b, _, _ := frame.Next(netty, in)
	fmt.Printf("%q %q\n", a.Payload, b.Payload)
	// Output: "\xfeHello world" "\xfeHello world"
}

// MaxFrame bounds the whole frame, header included. A frame of exactly
// MaxFrame bytes passes; one byte more is refused as soon as the length field
// is in, at the length field's offset.
//
// Input:
//
//	+- hdr -+-- len: u16 --+--- payload ---+
//	| \xCA  | \x00\x0B     |  Hello world  |   14 bytes
//	+-------+--------------+---------------+
//	| \xCA  | \x00\x0C     |  ...              15 bytes
//	+-------+--------------+----
//
// Output (Offset 1, Width 2, MaxFrame 14): "Hello world", then TooLarge at
// offset 1
func ExampleLengthField_maxFrame() {
	f, _ := frame.NewLengthField(frame.LengthFieldConfig{Offset: 1, Width: 2, MaxFrame: 14})
	fr, n, err := frame.Next(f, []byte("\xCA\x00\x0BHello world"))
	fmt.Printf("%q %d %v\n", fr.Payload, n, err)
	_, n, err = frame.Next(f, []byte("\xCA\x00\x0C"))
	fmt.Println(n, err)
	// Output:
	// "Hello world" 14 <nil>
	// 0 frame: frame too large at offset 1: length value 12 describes a frame longer than the max of 14 bytes
}

// Writing: Begin appends the prefix bytes, zeros for the caller to fill,
// and a blank length field, the caller appends the body (what follows the length field), and Finish fills in the
// length. With the default Strip the Payload read back is the body; with
// StripNone it is the whole frame.
//
// Output:
//
//	+-hdr--+-- len: u16 --+--- body ---+
//	| \x07 | \x00\x05     |   hello    |
//	+------+--------------+------------+
func ExampleLengthField_writing() {
	cfg := frame.LengthFieldConfig{Offset: 1, Width: 2}
	f, _ := frame.NewLengthField(cfg)
	dst, m := f.Begin(nil, frame.Meta{})
	dst[m.Start()] = 7 // the Offset bytes of prefix
	dst = append(dst, "hello"...)
	dst, err := f.Finish(dst, m, nil)
	fmt.Printf("% x %v\n", dst, err)

	fr, _, _ := frame.Next(f, dst)
	fmt.Printf("%q\n", fr.Payload)

	cfg.Strip = frame.StripNone
	whole, _ := frame.NewLengthField(cfg)
	fr, _, _ = frame.Next(whole, dst)
	fmt.Printf("%q\n", fr.Payload)
	// Output:
	// 07 00 05 68 65 6c 6c 6f <nil>
	// "hello"
	// "\a\x00\x05hello"
}
