package frame

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash"
	"hash/crc32"
	"strconv"
	"sync"
)

// Checksum computes and verifies a frame's checksum trailer.
//
// The data covered is given in two parts, a and b, which are checksummed as
// if concatenated: that lets a frame whose payload is attached by reference
// (see [Framing.Finish]) be checksummed without copying it next to its
// header.
//
// Implementations are safe for concurrent use.
type Checksum interface {
	// Size is the length in bytes of the trailer.
	Size() int
	// AppendSum appends the trailer for a followed by b to dst.
	AppendSum(dst, a, b []byte) []byte
	// Verify reports whether tag is the trailer for a followed by b.
	Verify(a, b, tag []byte) bool
	// Name describes the checksum, for errors and logs.
	Name() string
}

// crcSum is a CRC-32 trailer, written big-endian as network protocols do.
type crcSum struct {
	table *crc32.Table
	name  string
}

var (
	castagnoli = &crcSum{table: crc32.MakeTable(crc32.Castagnoli), name: "CRC-32C"}
	ieee       = &crcSum{table: crc32.IEEETable, name: "CRC-32"}
)

// CRC32C returns the CRC-32C (Castagnoli) checksum, as a 4-byte big-endian
// trailer. hash/crc32 computes it with the SSE4.2 and ARMv8 CRC instructions
// where the CPU has them, at several GB/s.
func CRC32C() Checksum { return castagnoli }

// CRC32 returns the CRC-32 IEEE checksum (Ethernet, zlib, PNG), as a 4-byte
// big-endian trailer.
func CRC32() Checksum { return ieee }

func (c *crcSum) Size() int    { return 4 }
func (c *crcSum) Name() string { return c.name }

func (c *crcSum) sum(a, b []byte) uint32 {
	crc := crc32.Update(0, c.table, a)
	if len(b) > 0 {
		crc = crc32.Update(crc, c.table, b)
	}
	return crc
}

func (c *crcSum) AppendSum(dst, a, b []byte) []byte {
	return binary.BigEndian.AppendUint32(dst, c.sum(a, b))
}

func (c *crcSum) Verify(a, b, tag []byte) bool {
	return len(tag) == 4 && binary.BigEndian.Uint32(tag) == c.sum(a, b)
}

// hmacSum is an HMAC-SHA256 tag, possibly truncated to its first size bytes
// (RFC 2104 §5).
type hmacSum struct {
	size int
	pool sync.Pool // of *hmacState; an HMAC state is not safe for concurrent use
}

type hmacState struct {
	h   hash.Hash
	buf [sha256.Size]byte
}

// HMACSHA256 returns an HMAC-SHA256 authentication tag as the trailer, keyed
// with key and truncated to its first size bytes (32 for the full tag).
// Verification compares in constant time. RFC 2104 advises against keeping
// fewer than 10 bytes (80 bits); size must be between 10 and 32.
//
// The key is copied.
func HMACSHA256(key []byte, size int) (Checksum, error) {
	if size < 10 || size > sha256.Size {
		return nil, errors.New("frame: HMAC-SHA256 tag size must be 10..32 bytes, got " + strconv.Itoa(size))
	}
	if len(key) == 0 {
		return nil, errors.New("frame: HMAC-SHA256 needs a key")
	}
	k := append([]byte(nil), key...)
	s := &hmacSum{size: size}
	s.pool.New = func() any { return &hmacState{h: hmac.New(sha256.New, k)} }
	return s, nil
}

func (s *hmacSum) Size() int { return s.size }

func (s *hmacSum) Name() string { return "HMAC-SHA256/" + strconv.Itoa(s.size*8) }

// mac computes the full tag into a pooled state's buffer. The caller puts st
// back once done with the returned slice.
func (s *hmacSum) mac(a, b []byte) (*hmacState, []byte) {
	st := s.pool.Get().(*hmacState)
	st.h.Reset()
	st.h.Write(a)
	st.h.Write(b)
	return st, st.h.Sum(st.buf[:0])
}

func (s *hmacSum) AppendSum(dst, a, b []byte) []byte {
	st, tag := s.mac(a, b)
	dst = append(dst, tag[:s.size]...)
	s.pool.Put(st)
	return dst
}

func (s *hmacSum) Verify(a, b, tag []byte) bool {
	st, want := s.mac(a, b)
	ok := hmac.Equal(want[:s.size], tag)
	s.pool.Put(st)
	return ok
}
