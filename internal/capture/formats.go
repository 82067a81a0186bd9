package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// pcap reads the classic format: a 24-byte file header, then records of a
// 16-byte header and the packet.
//
//	+------------------------------------+
//	| magic: A1B2C3D4 (µs) or A1B23C4D (ns), in the writer's byte order
//	| version 2.4 | zone | sigfigs | snaplen | link type
//	+------------------------------------+
//	| seconds | fraction | captured length | original length | packet ...
type pcap struct {
	r     *bufio.Reader
	order binary.ByteOrder
	link  uint32
	buf   []byte
}

func newPcap(r *bufio.Reader) (*pcap, error) {
	var hdr [24]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("capture: pcap header: %w", noEOF(err))
	}
	p := &pcap{r: r, order: binary.LittleEndian}
	if m := binary.LittleEndian.Uint32(hdr[:]); m == 0xD4C3B2A1 || m == 0x4D3CB2A1 {
		p.order = binary.BigEndian
	}
	p.link = p.order.Uint32(hdr[20:]) & 0xFFFF
	return p, nil
}

func (p *pcap) next() ([]byte, uint32, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		if err == io.EOF {
			return nil, 0, io.EOF
		}
		return nil, 0, fmt.Errorf("capture: pcap record: %w", noEOF(err))
	}
	n := p.order.Uint32(hdr[8:])
	if n > MaxBlock {
		return nil, 0, fmt.Errorf("capture: pcap record of %d bytes, over the limit of %d", n, MaxBlock)
	}
	p.buf = grow(p.buf, int(n))
	if _, err := io.ReadFull(p.r, p.buf); err != nil {
		return nil, 0, fmt.Errorf("capture: pcap record: %w", noEOF(err))
	}
	return p.buf, p.link, nil
}

// pcapng reads the next-generation format: blocks of a type, a total
// length, a body and the total length again, in sections that each start
// with a Section Header Block giving their byte order. Packets are in
// Enhanced, Simple and (obsolete) Packet Blocks; each Interface Description
// Block gives an interface's link type.
type pcapng struct {
	r     *bufio.Reader
	order binary.ByteOrder
	links []uint32 // by interface id, in the current section
	buf   []byte
}

const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 1
	blockPB  = 2
	blockSPB = 3
	blockEPB = 6
)

func (p *pcapng) next() ([]byte, uint32, error) {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
			if err == io.EOF {
				return nil, 0, io.EOF
			}
			return nil, 0, fmt.Errorf("capture: pcapng block: %w", noEOF(err))
		}
		typ := binary.LittleEndian.Uint32(hdr[:]) // the SHB's type reads the same both ways
		if typ == blockSHB {
			var bom [4]byte
			if _, err := io.ReadFull(p.r, bom[:]); err != nil {
				return nil, 0, fmt.Errorf("capture: pcapng section header: %w", noEOF(err))
			}
			switch binary.LittleEndian.Uint32(bom[:]) {
			case 0x1A2B3C4D:
				p.order = binary.LittleEndian
			case 0x4D3C2B1A:
				p.order = binary.BigEndian
			default:
				return nil, 0, fmt.Errorf("capture: pcapng section header: byte-order magic %x", bom)
			}
			p.links = p.links[:0]
			if err := p.body(hdr[4:], 12); err != nil {
				return nil, 0, err
			}
			continue
		}
		if p.order == nil {
			return nil, 0, fmt.Errorf("capture: pcapng block %#x before the section header", typ)
		}
		typ = p.order.Uint32(hdr[:])
		if err := p.body(hdr[4:], 8); err != nil {
			return nil, 0, err
		}
		b, o := p.buf, p.order
		switch typ {
		case blockIDB:
			if len(b) >= 2 {
				p.links = append(p.links, uint32(o.Uint16(b)))
			}
		case blockEPB, blockPB:
			if len(b) < 20 {
				continue
			}
			iface := o.Uint32(b)
			if typ == blockPB {
				iface = uint32(o.Uint16(b))
			}
			n := o.Uint32(b[12:])
			if iface >= uint32(len(p.links)) || n > uint32(len(b)-20) {
				continue
			}
			return b[20 : 20+n], p.links[iface], nil
		case blockSPB:
			if len(b) < 4 || len(p.links) == 0 {
				continue
			}
			n := min(o.Uint32(b), uint32(len(b)-4))
			return b[4 : 4+n], p.links[0], nil
		}
	}
}

// body reads the rest of a block whose total length is in tl, of which
// read bytes are read, into p.buf: the block's body, without the trailing
// total length.
func (p *pcapng) body(tl []byte, read int) error {
	order := p.order
	n := order.Uint32(tl)
	if n > MaxBlock || n < uint32(read)+4 || n%4 != 0 {
		return fmt.Errorf("capture: pcapng block of %d bytes", n)
	}
	p.buf = grow(p.buf, int(n)-read)
	if _, err := io.ReadFull(p.r, p.buf); err != nil {
		return fmt.Errorf("capture: pcapng block: %w", noEOF(err))
	}
	p.buf = p.buf[:len(p.buf)-4]
	return nil
}

// grow returns b resized to n bytes, reusing its memory if it can.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
