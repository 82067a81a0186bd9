package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
)

// Span names the bytes a [Header] checksum covers. The covered bytes always
// end with the payload's last byte.
type Span uint8

const (
	// SpanFrame covers the whole header and the payload (the reference
	// protocol's choice).
	SpanFrame Span = iota
	// SpanAfterMagic covers the header without its magic bytes, and the
	// payload.
	SpanAfterMagic
	// SpanPayload covers the payload only.
	SpanPayload
)

// HeaderConfig describes a header framing. The header's fields come in this
// order, each present only when configured:
//
//	+-------+---------+------+----+--------+- - - - -+----------+
//	| magic | version | type | id | length | payload | checksum |
//	+-------+---------+------+----+--------+- - - - -+----------+
//	  any     0 or 1   0,1,2  0,1,2 1,2,3,4   length    trailer
//	  bytes   byte     or 4   4, 8  or 8
//
// All integers share one byte order.
type HeaderConfig struct {
	// Magic is the constant the frame starts with; empty for none. It is
	// checked byte by byte as bytes arrive, so garbage is refused at its
	// first wrong byte.
	Magic []byte
	// Versions lists the accepted protocol versions; nil means the frame has
	// no version field. Begin writes Meta.Version, or Versions[0] when
	// Meta.Version is 0.
	Versions []uint8
	// TypeWidth is the width in bytes of the type field: 0 (none), 1, 2 or 4.
	TypeWidth int
	// IDWidth is the width in bytes of the request id: 0 (none), 1, 2, 4 or 8.
	IDWidth int
	// LengthWidth is the width in bytes of the length field: 1, 2, 3, 4 or 8.
	// Zero means 4.
	LengthWidth int
	// LittleEndian selects the byte order of every integer field; the
	// default is big-endian (network order).
	LittleEndian bool
	// LengthCountsFrame makes the length field count the whole frame,
	// header and trailer included, instead of the payload only.
	LengthCountsFrame bool
	// MaxPayload is the largest payload accepted, in bytes. A frame whose
	// length field declares more is refused as soon as the length field
	// arrives, before its payload is buffered. Zero means 1 MiB, or the most
	// the length field can express if that is less. A value the length field
	// cannot express is a configuration error.
	MaxPayload int
	// Checksum, if set, adds a trailer computed over Span.
	Checksum Checksum
	Span     Span
}

// Header is a framing with a fixed-size header: magic, version, type, request
// id and length, then the payload and an optional checksum trailer. Build it
// with [NewHeader].
type Header struct {
	magic       []byte
	magicStr    string // magic again, for a whole-prefix compare on the fast path
	versions    []uint8
	accepted    [4]uint64 // versions as a 256-bit set
	order       byteOrder
	verOff      int // offset of the version byte, or -1
	typeOff     int
	typeWidth   int
	idOff       int
	idWidth     int
	lenOff      int
	lenWidth    int
	hdrLen      int
	trailer     int
	countsFrame bool
	maxPayload  int
	checksum    Checksum
	crc         *crcSum // checksum when it is a CRC, called directly on the hot path
	checkFrom   int     // offset of the first checksummed byte
	defaultVer  uint8
	// The fast path reads each field with one 8-byte load, which needs
	// fastMin bytes of input.
	fastMin          int
	magicShift       uint
	magicVal         uint64
	typeF, idF, lenF field
	tmpl             []byte // a header with magic and default version, for Begin's fast path
	maxLenValue      uint64 // the largest value the length field can hold
	minLenValue      uint64 // the length value of an empty payload
}

// NewHeader validates cfg and returns the framing it describes.
func NewHeader(cfg HeaderConfig) (*Header, error) {
	if cfg.LengthWidth == 0 {
		cfg.LengthWidth = 4
	}
	defaultMax := cfg.MaxPayload == 0
	var errs []error
	if !validWidth(cfg.LengthWidth, 1, 2, 3, 4, 8) {
		errs = append(errs, fmt.Errorf("length width %d is not 1, 2, 3, 4 or 8", cfg.LengthWidth))
	}
	if !validWidth(cfg.TypeWidth, 0, 1, 2, 4) {
		errs = append(errs, fmt.Errorf("type width %d is not 0, 1, 2 or 4", cfg.TypeWidth))
	}
	if !validWidth(cfg.IDWidth, 0, 1, 2, 4, 8) {
		errs = append(errs, fmt.Errorf("id width %d is not 0, 1, 2, 4 or 8", cfg.IDWidth))
	}
	if cfg.MaxPayload < 0 {
		errs = append(errs, fmt.Errorf("max payload %d is negative", cfg.MaxPayload))
	}
	if cfg.Versions != nil && len(cfg.Versions) == 0 {
		errs = append(errs, errors.New("versions is empty but not nil: no frame could be accepted"))
	}
	if cfg.Span > SpanPayload {
		errs = append(errs, fmt.Errorf("unknown checksum span %d", cfg.Span))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("frame: invalid header config: %w", errors.Join(errs...))
	}

	h := &Header{
		magic:       slices.Clone(cfg.Magic),
		magicStr:    string(cfg.Magic),
		versions:    slices.Clone(cfg.Versions),
		order:       byteOrder{little: cfg.LittleEndian},
		verOff:      -1,
		typeWidth:   cfg.TypeWidth,
		idWidth:     cfg.IDWidth,
		lenWidth:    cfg.LengthWidth,
		countsFrame: cfg.LengthCountsFrame,
		checksum:    cfg.Checksum,
	}
	off := len(h.magic)
	if h.versions != nil {
		h.verOff = off
		h.defaultVer = h.versions[0]
		for _, v := range h.versions {
			h.accepted[v>>6] |= 1 << (v & 63)
		}
		off++
	}
	h.typeOff = off
	off += h.typeWidth
	h.idOff = off
	off += h.idWidth
	h.lenOff = off
	off += h.lenWidth
	h.hdrLen = off
	if h.checksum != nil {
		h.crc, _ = h.checksum.(*crcSum)
		h.trailer = h.checksum.Size()
		switch cfg.Span {
		case SpanFrame:
			h.checkFrom = 0
		case SpanAfterMagic:
			h.checkFrom = len(h.magic)
		case SpanPayload:
			h.checkFrom = h.hdrLen
		}
	}

	if len(h.magic) <= 8 {
		h.magicShift = 64 - 8*uint(len(h.magic))
		h.magicVal = byteOrder{}.uint(h.magic, len(h.magic))
		h.typeF, h.idF, h.lenF = newField(h.typeOff, h.typeWidth), newField(h.idOff, h.idWidth), newField(h.lenOff, h.lenWidth)
		h.fastMin = max(8, h.typeOff+8, h.idOff+8, h.lenOff+8)
		h.tmpl = append(slices.Clone(h.magic), make([]byte, h.hdrLen-len(h.magic))...)
		if h.verOff >= 0 {
			h.tmpl[h.verOff] = h.defaultVer
		}
	} else {
		h.fastMin = 1<<31 - 1 // never: long magics take the general path
	}
	h.maxLenValue = maxUint(h.lenWidth)
	if h.countsFrame {
		h.minLenValue = uint64(h.hdrLen + h.trailer)
	}
	if h.minLenValue > h.maxLenValue {
		return nil, fmt.Errorf("frame: invalid header config: a %d-byte length field cannot count a %d-byte header and trailer", h.lenWidth, h.minLenValue)
	}
	expressible := h.maxLenValue - h.minLenValue
	h.maxPayload = cfg.MaxPayload
	if defaultMax {
		h.maxPayload = int(min(1<<20, expressible))
	}
	if uint64(h.maxPayload) > expressible {
		return nil, fmt.Errorf("frame: invalid header config: a %d-byte length field holds at most %d, less than a max payload of %d bytes plus the %d header and trailer bytes it counts",
			h.lenWidth, h.maxLenValue, h.maxPayload, h.minLenValue)
	}
	return h, nil
}

func validWidth(w int, allowed ...int) bool { return slices.Contains(allowed, w) }

// HeaderLen returns the length in bytes of the header, before the payload.
func (h *Header) HeaderLen() int { return h.hdrLen }

// Overhead returns the bytes a frame adds around its payload: header and
// trailer.
func (h *Header) Overhead() int { return h.hdrLen + h.trailer }

// MaxPayload returns the largest payload the framing accepts.
func (h *Header) MaxPayload() int { return h.maxPayload }

// Split implements [Framing].
//
// Checks run in wire order, each as soon as its bytes are in: magic (byte by
// byte), version, length against the maximum, checksum. Errors found after the
// whole header has arrived carry the frame's request id.
func (h *Header) Split(b []byte, f *Frame) (int, error) {
	var v uint64
	if len(b) >= h.fastMin && binary.BigEndian.Uint64(b)>>h.magicShift == h.magicVal &&
		(h.verOff < 0 || h.accepts(b[h.verOff])) {
		f.Type = uint32(h.order.field(b, h.typeF))
		f.ID = h.order.field(b, h.idF)
		v = h.order.field(b, h.lenF)
	} else {
		if n, err := h.splitPartial(b); n == 0 || err != nil {
			return n, err
		}
		f.Type = uint32(h.order.uint(b[h.typeOff:], h.typeWidth))
		f.ID = h.order.uint(b[h.idOff:], h.idWidth)
		v = h.order.uint(b[h.lenOff:], h.lenWidth)
	}
	if h.verOff >= 0 {
		f.Version = b[h.verOff]
	}
	if v < h.minLenValue {
		return 0, h.headerError(BadLength, h.lenOff, f.ID, "length "+strconv.FormatUint(v, 10)+" is shorter than the header and trailer it counts")
	}
	payload := v - h.minLenValue
	if payload > uint64(h.maxPayload) {
		return 0, h.headerError(TooLarge, h.lenOff, f.ID, "payload of "+strconv.FormatUint(payload, 10)+" bytes, max "+strconv.Itoa(h.maxPayload))
	}
	end := h.hdrLen + int(payload)
	n := end + h.trailer
	if len(b) < n {
		return 0, nil
	}
	if h.crc != nil {
		if binary.BigEndian.Uint32(b[end:n]) != crc32.Checksum(b[h.checkFrom:end], h.crc.table) {
			return 0, h.headerError(BadChecksum, end, f.ID, h.crc.name+" mismatch")
		}
	} else if h.checksum != nil {
		if !h.checksum.Verify(b[h.checkFrom:end], nil, b[end:n]) {
			return 0, h.headerError(BadChecksum, end, f.ID, h.checksum.Name()+" mismatch")
		}
	}
	f.Raw = b[:n:n]
	f.Payload = b[h.hdrLen:end:end]
	return n, nil
}

// splitPartial checks what has arrived of a header that the fast path could
// not take: the magic byte by byte, then the version. It returns 1 if the
// whole header is in and good, 0 if more bytes are needed, or the error.
func (h *Header) splitPartial(b []byte) (int, error) {
	for i := 0; i < len(h.magic) && i < len(b); i++ {
		if b[i] != h.magic[i] {
			return 0, newError(BadMagic, i, fmt.Sprintf("byte %#02x, want %#02x", b[i], h.magic[i]))
		}
	}
	if h.verOff >= 0 && len(b) > h.verOff && !h.accepts(b[h.verOff]) {
		return 0, newError(BadVersion, h.verOff, "version "+strconv.Itoa(int(b[h.verOff]))+" not accepted")
	}
	if len(b) < h.hdrLen {
		return 0, nil
	}
	return 1, nil
}

func (h *Header) accepts(v uint8) bool { return h.accepted[v>>6]&(1<<(v&63)) != 0 }

func (h *Header) headerError(k Kind, off int, id uint64, detail string) *Error {
	e := newError(k, off, detail)
	if h.idWidth > 0 {
		e.ID, e.HasID = id, true
	}
	return e
}

// Begin implements [Framing]: it appends the header with a zero length.
// Meta.Type and Meta.ID are truncated to their fields' widths.
func (h *Header) Begin(dst []byte, m Meta) ([]byte, Mark) {
	start := len(dst)
	if h.tmpl != nil && cap(dst)-start >= h.hdrLen+8 {
		// The fast path: the header's constant bytes in one copy, then each
		// field in one 8-byte store, in field order, each store's spill
		// past its field overwritten by the next field or lying past the
		// header, in the room checked above.
		b := dst[start : start+h.hdrLen+8]
		copy(b, h.tmpl)
		if m.Version != 0 && h.verOff >= 0 {
			b[h.verOff] = m.Version
		}
		h.order.store(b, h.typeF, uint64(m.Type))
		h.order.store(b, h.idF, m.ID)
		h.order.store(b, h.lenF, 0)
		return dst[:start+h.hdrLen], Mark{start: start, body: start + h.hdrLen}
	}
	dst = append(dst, h.magic...)
	if h.verOff >= 0 {
		v := m.Version
		if v == 0 {
			v = h.defaultVer
		}
		dst = append(dst, v)
	}
	dst = h.order.append(dst, uint64(m.Type), h.typeWidth)
	dst = h.order.append(dst, m.ID, h.idWidth)
	dst = h.order.append(dst, 0, h.lenWidth)
	return dst, Mark{start: start, body: len(dst)}
}

// Finish implements [Framing]: it backfills the length and appends the
// checksum. A payload over the maximum fails with [TooLarge].
func (h *Header) Finish(dst []byte, m Mark, tail []byte) ([]byte, error) {
	payload := len(dst) - m.body + len(tail)
	if payload > h.maxPayload {
		return dst[:m.start], writeError(TooLarge, 0, "payload of "+strconv.Itoa(payload)+" bytes, max "+strconv.Itoa(h.maxPayload))
	}
	h.order.put(dst[m.start+h.lenOff:], uint64(payload)+h.minLenValue, h.lenWidth)
	if h.crc != nil && len(tail) == 0 {
		return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[m.start+h.checkFrom:], h.crc.table)), nil
	}
	if h.checksum != nil {
		dst = h.checksum.AppendSum(dst, dst[m.start+h.checkFrom:], tail)
	}
	return dst, nil
}
