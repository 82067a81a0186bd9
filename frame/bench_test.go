package frame

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strconv"
	"testing"
)

// The framing against the loop a careful Go programmer writes by hand with
// bufio and encoding/binary, on the reference protocol's frames (12-byte
// header, CRC-32C trailer over header and payload), both reading from the same
// io.Reader through a 64 KiB buffer.
//
//	go test ./frame -run '^$' -bench 'SplitVerify' -benchmem -count 10 | benchstat -col /impl -
func BenchmarkSplitVerify(b *testing.B) {
	for _, size := range []int{64, 4096} {
		h := mustHeader(b, ordersConfig())
		var stream []byte
		for i := 0; len(stream) < 1<<20; i++ {
			stream, _ = Append(h, stream, Meta{Type: 3, ID: uint64(i)}, make([]byte, size))
		}
		frameLen := 12 + size + 4
		name := "size=" + strconv.Itoa(size)
		b.Run(name+"/impl=framing", func(b *testing.B) {
			benchFrames(b, frameLen, func(r io.Reader, n int) error { return splitLoop(h, r, n) }, stream)
		})
		b.Run(name+"/impl=bufio-peek", func(b *testing.B) {
			benchFrames(b, frameLen, bufioPeekLoop, stream)
		})
		b.Run(name+"/impl=bufio-readfull", func(b *testing.B) {
			benchFrames(b, frameLen, bufioReadFullLoop, stream)
		})
	}
}

func benchFrames(b *testing.B, frameLen int, loop func(io.Reader, int) error, stream []byte) {
	b.SetBytes(int64(frameLen))
	b.ReportAllocs()
	r := &cycleReader{data: stream}
	b.ResetTimer()
	if err := loop(r, b.N); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// cycleReader serves data over and over, up to len(p) bytes per Read, as a
// socket with plenty of data queued would.
type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	// Frames never straddle the wrap, so the stream is whole frames.
	n := copy(p, c.data[c.off:])
	c.off += n
	if c.off == len(c.data) {
		c.off = 0
	}
	return n, nil
}

// splitLoop reads into a buffer, splits every complete frame, then moves the
// partial tail to the front: what the stream package does, minus its
// bookkeeping.
func splitLoop(fr Framing, r io.Reader, frames int) error {
	buf := make([]byte, 64<<10)
	start, end := 0, 0
	var f Frame
	for frames > 0 {
		n, err := fr.Split(buf[start:end], &f)
		if err != nil {
			return err
		}
		if n > 0 {
			sink += len(f.Payload)
			start += n
			frames--
			continue
		}
		end = copy(buf, buf[start:end])
		start = 0
		m, err := r.Read(buf[end:])
		if err != nil {
			return err
		}
		end += m
	}
	return nil
}

var sink int

var castagnoliTable = crc32.MakeTable(crc32.Castagnoli)

// checkHeader is the hand-written parse of the 12-byte header.
func checkHeader(hdr []byte) (int, error) {
	if hdr[0] != 'W' || hdr[1] != 'K' || hdr[2] != 1 {
		return 0, errors.New("bad header")
	}
	n := binary.BigEndian.Uint32(hdr[8:])
	if n > 1<<20 {
		return 0, errors.New("too large")
	}
	return int(n), nil
}

// bufioPeekLoop is the zero-copy hand-written loop: Peek the whole frame in
// bufio's buffer, verify it, Discard it.
func bufioPeekLoop(r io.Reader, frames int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for range frames {
		hdr, err := br.Peek(12)
		if err != nil {
			return err
		}
		n, err := checkHeader(hdr)
		if err != nil {
			return err
		}
		f, err := br.Peek(12 + n + 4)
		if err != nil {
			return err
		}
		if crc32.Checksum(f[:12+n], castagnoliTable) != binary.BigEndian.Uint32(f[12+n:]) {
			return errors.New("bad checksum")
		}
		sink += n
		br.Discard(len(f))
	}
	return nil
}

// bufioReadFullLoop is the common hand-written loop: read the header, then
// the payload and trailer into a reused buffer.
func bufioReadFullLoop(r io.Reader, frames int) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	payload := make([]byte, 0, 4096+4)
	for range frames {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		n, err := checkHeader(hdr[:])
		if err != nil {
			return err
		}
		if cap(payload) < n+4 {
			payload = make([]byte, n+4)
		}
		payload = payload[:n+4]
		if _, err := io.ReadFull(br, payload); err != nil {
			return err
		}
		crc := crc32.Update(crc32.Update(0, castagnoliTable, hdr[:]), castagnoliTable, payload[:n])
		if crc != binary.BigEndian.Uint32(payload[n:]) {
			return errors.New("bad checksum")
		}
		sink += n
	}
	return nil
}

// BenchmarkHeaderAppend writes the reference protocol's OrderAck-sized
// frames (19-byte body) with Begin and Finish into a reused buffer.
//
//	go test ./frame -run '^$' -bench HeaderAppend -benchmem -count 10
func BenchmarkHeaderAppend(b *testing.B) {
	h := mustHeader(b, ordersConfig())
	body := make([]byte, 19)
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if len(buf) > 4000 {
			buf = buf[:0]
		}
		out, m := h.Begin(buf, Meta{Type: 4, ID: uint64(i)})
		out, err := h.Finish(append(out, body...), m, nil)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
}
