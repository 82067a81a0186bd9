package trace

import "encoding/binary"

// The pcapng blocks and options a Tap writes, from the pcapng specification
// (draft-ietf-opsawg-pcapng). Everything is little-endian: a reader learns
// the byte order from the Section Header Block's magic.
const (
	blockSHB = 0x0a0d0d0a // Section Header Block (section 4.1)
	blockIDB = 0x00000001 // Interface Description Block (section 4.2)
	blockISB = 0x00000005 // Interface Statistics Block (section 4.6)
	blockEPB = 0x00000006 // Enhanced Packet Block (section 4.3)

	byteOrderMagic = 0x1a2b3c4d

	optEndOfOpt = 0 // ends an option list (section 3.5)
	optComment  = 1 // UTF-8 text; valid in every block
	optUserAppl = 4 // SHB: the application that wrote the section
	optIfName   = 2 // IDB: the interface's name
	optTsresol  = 9 // IDB: timestamp units as a power of ten (if_tsresol)
	optIfRecv   = 4 // ISB: packets the interface saw (isb_ifrecv)
	optIfDrop   = 5 // ISB: packets the interface dropped (isb_ifdrop)

	linkTypeEthernet = 1 // LINKTYPE_ETHERNET: packets start with an Ethernet II header
	tsresolNano      = 9 // timestamps count units of 10⁻⁹ s since 1970

	// epbOverhead is what an Enhanced Packet Block adds to its packet:
	// type, length, interface, two timestamp words, two lengths, and the
	// trailing length; the packet itself is padded to 32 bits.
	epbOverhead = 32
)

var le = binary.LittleEndian

// startBlock appends the header of a block of type typ with a zero length
// and returns the offset of the block; [endBlock] backfills the length once
// the body is appended, so a block is built in one pass over one buffer.
func startBlock(b []byte, typ uint32) ([]byte, int) {
	start := len(b)
	b = le.AppendUint32(b, typ)
	return le.AppendUint32(b, 0), start
}

// endBlock pads the body of the block starting at start to 32 bits, appends
// the trailing copy of the block's total length and backfills the leading
// one.
func endBlock(b []byte, start int) []byte {
	b = pad32(b, start)
	n := uint32(len(b) - start + 4)
	le.PutUint32(b[start+4:], n)
	return le.AppendUint32(b, n)
}

// pad32 appends zeros until len(b)-from is a multiple of 4.
func pad32(b []byte, from int) []byte {
	for (len(b)-from)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// appendOption appends one option: its code, the length of the value, and
// the value padded to 32 bits (the padding is not counted in the length).
func appendOption[V []byte | string](b []byte, code uint16, v V) []byte {
	b = le.AppendUint16(b, code)
	b = le.AppendUint16(b, uint16(len(v)))
	start := len(b)
	return pad32(append(b, v...), start)
}

// appendOption64 appends an option whose value is a 64-bit count.
func appendOption64(b []byte, code uint16, v uint64) []byte {
	var val [8]byte
	le.PutUint64(val[:], v)
	return appendOption(b, code, val[:])
}

// appendEndOfOpt ends an option list: opt_endofopt, code 0, length 0.
func appendEndOfOpt(b []byte) []byte {
	return le.AppendUint32(b, optEndOfOpt)
}

// appendHeaderBlocks appends the blocks that open a Tap's file: a section
// header naming wirekit as the writer, and the one Ethernet interface every
// packet is recorded on, with nanosecond timestamps.
func appendHeaderBlocks(b []byte) []byte {
	b, start := startBlock(b, blockSHB)
	b = le.AppendUint32(b, byteOrderMagic)
	b = le.AppendUint16(b, 1)          // major version
	b = le.AppendUint16(b, 0)          // minor version
	b = le.AppendUint64(b, ^uint64(0)) // section length: -1, not given
	b = appendOption(b, optUserAppl, "wirekit")
	b = appendEndOfOpt(b)
	b = endBlock(b, start)

	b, start = startBlock(b, blockIDB)
	b = le.AppendUint16(b, linkTypeEthernet)
	b = le.AppendUint16(b, 0) // reserved
	b = le.AppendUint32(b, 0) // snap length: 0, no limit; packets are never cut
	b = appendOption(b, optIfName, "wirekit tap")
	b = appendOption(b, optTsresol, []byte{tsresolNano})
	b = appendEndOfOpt(b)
	return endBlock(b, start)
}

// appendStatsBlock appends the Interface Statistics Block that closes a
// Tap's file: how many packets it saw and how many of those it dropped, and
// comment, if not empty. ts is in nanoseconds since 1970.
func appendStatsBlock(b []byte, ts uint64, seen, dropped uint64, comment string) []byte {
	b, start := startBlock(b, blockISB)
	b = le.AppendUint32(b, 0) // interface 0
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	if comment != "" {
		b = appendOption(b, optComment, comment)
	}
	b = appendOption64(b, optIfRecv, seen)
	b = appendOption64(b, optIfDrop, dropped)
	b = appendEndOfOpt(b)
	return endBlock(b, start)
}

// startPacketBlock appends the fixed part of an Enhanced Packet Block for a
// packet of frameLen bytes captured whole at ts (nanoseconds since 1970);
// the caller appends the packet and ends the block with [endBlock].
func startPacketBlock(b []byte, ts uint64, frameLen int) ([]byte, int) {
	b, start := startBlock(b, blockEPB)
	b = le.AppendUint32(b, 0) // interface 0
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint32(b, uint32(frameLen)) // captured length
	b = le.AppendUint32(b, uint32(frameLen)) // original length
	return b, start
}

// packetBlockLen returns the size of the Enhanced Packet Block carrying a
// packet of frameLen bytes.
func packetBlockLen(frameLen int) int {
	return epbOverhead + (frameLen+3)&^3
}
