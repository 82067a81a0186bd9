// Package wire turns integers and bit fields into bytes and back, for the
// codecs and framings built on it. It has five parts:
//
//   - ByteOrder: fixed-width integers of 1 to 8 bytes, 24 bits included,
//     in either byte order.
//   - AppendUvarint, AppendVarint, AppendZigzag and their decoders: LEB128
//     varints, accepted only in their shortest encoding.
//   - BitWriter and BitReader: fields of 0 to 64 bits packed across byte
//     boundaries, most or least significant bit first.
//   - Reader: a cursor over a []byte that checks every read, keeps the
//     first error with its offset, and never panics on input.
//   - BeginLength and EndLength: a length prefix reserved before its body
//     is appended and filled in after.
//
// The caller owns every byte slice. Writing appends to one; reading returns
// values or subslices of one. Nothing allocates when it succeeds, apart
// from an append outgrowing its slice. The constructors are small enough
// to inline, so a Reader, BitReader or BitWriter that does not outlive its
// function lives on the stack.
//
// # Bit layout
//
// Take three fields written in this order: a of 3 bits (a2 a1 a0, a2 most
// significant), b of 7 and c of 6.
//
// MSBFirst packs them as an RFC packet diagram draws them: the first field
// takes the most significant bits of the first byte, and each field runs
// from its own most significant bit down. Bit 0 in the ruler is the most
// significant bit of byte 0:
//
//	 0                   1
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//	+-----+-------------+-----------+
//	|  a  |      b      |     c     |
//	+-----+-------------+-----------+
//
//	bit of the byte:  7  6  5  4  3  2  1  0
//	byte 0:          a2 a1 a0 b6 b5 b4 b3 b2
//	byte 1:          b1 b0 c5 c4 c3 c2 c1 c0
//
// LSBFirst packs them as DEFLATE and DWARF do: the first field takes the
// least significant bits of the first byte, and each field runs from its
// own least significant bit up:
//
//	bit of the byte:  7  6  5  4  3  2  1  0
//	byte 0:          b4 b3 b2 b1 b0 a2 a1 a0
//	byte 1:          c5 c4 c3 c2 c1 c0 b6 b5
//
// With a = 5, b = 0x55 and c = 0x2a, MSBFirst gives b5 6a and LSBFirst
// gives ad aa. A final byte that the fields do not fill is padded with
// zero bits: its low bits in MSBFirst, its high bits in LSBFirst.
//
// # Errors
//
// Every error is an *Error carrying a kind (ErrShort, ErrOverflow or
// ErrNonCanonical), the item it concerns and its byte offset. Input never
// causes a panic in Reader, BitReader or the varint decoders. Panics are
// kept for bugs in the calling code: an integer width outside 1..8, a bit
// field width outside 0..64, a Mark that does not belong to dst, and, as in
// encoding/binary, a ByteOrder read from a slice too short for it.
package wire
