package trace

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
)

// FuzzTap drives a tapped net.Pipe with arbitrary sequences of Writes and
// of peer writes read back in Reads of arbitrary sizes, and checks that the
// file parses, forms a well-formed TCP conversation (see decodeFlows), and
// holds exactly the bytes of every Write and Read, with one PSH for each.
//
// The input is the tap's MSS (its top bit picks ClientConn over Conn) and
// a list of 3-byte operations: op, then a big-endian size of up to 16 KiB.
// An even op writes size bytes; an odd one has the peer write size bytes
// and reads them in Reads of at most op/2+1 bytes. Operations past about
// 20000 segments or 1 MiB are ignored, to keep each input fast.
func FuzzTap(f *testing.F) {
	f.Add(uint16(1460), []byte{0, 0, 4, 1, 0, 5})
	f.Add(uint16(3), []byte{0, 0x10, 0, 9, 0x3f, 0xff, 0xff, 0, 1, 2, 0, 0})
	f.Add(uint16(0x8000|100), []byte{255, 0x3f, 0xff, 254, 0x3f, 0xff, 255, 0x3f, 0xff, 255, 0x3f, 0xff, 255, 0x3f, 0xff})
	f.Fuzz(func(t *testing.T, mss uint16, ops []byte) {
		segSize := int(mss&0x7fff)%MaxMSS + 1
		tap, buf := newTestTap(t, TapOptions{MSS: segSize})
		a, b := net.Pipe()
		wrap, local := tap.Conn, 1 // the local end is the server
		if mss&0x8000 != 0 {
			wrap, local = tap.ClientConn, 0
		}
		tc := wrap(a)
		peerGot := pipePeer(b)
		var wrote, read []byte
		writes, reads := 0, 0
		for ; len(ops) >= 3; ops = ops[3:] {
			if total := len(wrote) + len(read); total/segSize+reads > 20000 || total > 1<<20 {
				break
			}
			op, n := ops[0], int(binary.BigEndian.Uint16(ops[1:])&0x3fff)
			if n == 0 {
				continue // a pipe blocks on empty writes until the other end reads
			}
			chunk := bytes.Repeat([]byte{op}, n)
			chunk[0] = byte(len(wrote) + len(read))
			if op%2 == 0 {
				if _, err := tc.Write(chunk); err != nil {
					t.Fatal(err)
				}
				wrote = append(wrote, chunk...)
				writes++
				continue
			}
			done := make(chan struct{})
			go func() {
				b.Write(chunk)
				close(done)
			}()
			p := make([]byte, int(op/2)+1)
			for got := 0; got < n; {
				k, err := tc.Read(p[:min(len(p), n-got)])
				if err != nil {
					t.Fatal(err)
				}
				read = append(read, p[:k]...)
				got += k
				reads++
			}
			<-done
		}
		tc.Close()
		if got := peerGot(); !bytes.Equal(got, wrote) {
			t.Fatalf("the peer got %d bytes, want %d", len(got), len(wrote))
		}
		if err := tap.Close(); err != nil {
			t.Fatal(err)
		}
		_, flows := parseTap(t, buf.Bytes())
		if len(flows) != 1 || tap.Dropped() != 0 {
			t.Fatalf("%d flows, %d dropped; want 1 and none", len(flows), tap.Dropped())
		}
		fl := flows[0]
		if !bytes.Equal(fl.data[local], wrote) || !bytes.Equal(fl.data[1-local], read) {
			t.Fatalf("recorded %d bytes written and %d read, want %d and %d",
				len(fl.data[local]), len(fl.data[1-local]), len(wrote), len(read))
		}
		if fl.pushes[local] != writes || fl.pushes[1-local] != reads {
			t.Fatalf("%d and %d segments with PSH, want one per Write (%d) and per Read (%d)",
				fl.pushes[local], fl.pushes[1-local], writes, reads)
		}
		if !fl.fin[0] || !fl.fin[1] {
			t.Fatalf("FINs %v, want both", fl.fin)
		}
	})
}
