package dgram

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestBatchIO reads datagrams from two peers with recvmmsg and answers them
// with sendmmsg, over IPv4, IPv6 and a dual-stack socket reached over IPv4.
func TestBatchIO(t *testing.T) {
	for _, tc := range []struct {
		name, network, listen, dial string
	}{
		{"ipv4", "udp4", "127.0.0.1:0", "127.0.0.1"},
		{"ipv6", "udp6", "[::1]:0", "::1"},
		{"dual-stack", "udp", "[::]:0", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc, err := net.ListenPacket(tc.network, tc.listen)
			if err != nil {
				t.Skipf("no %s here: %v", tc.name, err)
			}
			defer pc.Close()
			uc := pc.(*net.UDPConn)
			io, batch, err := newPacketIO(uc, 8)
			if err != nil {
				t.Fatal(err)
			}
			m, ok := io.(*mmsgIO)
			if !ok || batch != 8 {
				t.Fatalf("newPacketIO gave %T with batch %d, want *mmsgIO with 8", io, batch)
			}
			to := netip.AddrPortFrom(netip.MustParseAddr(tc.dial), uc.LocalAddr().(*net.UDPAddr).AddrPort().Port())
			var peers [2]*net.UDPConn
			for i := range peers {
				if peers[i], err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(to)); err != nil {
					t.Fatal(err)
				}
				defer peers[i].Close()
				peers[i].SetReadDeadline(time.Now().Add(5 * time.Second))
			}
			// 10 datagrams, 5 from each peer, queued before the first read.
			for i := range 10 {
				if _, err := peers[i%2].Write(fmt.Appendf(nil, "datagram %d", i)); err != nil {
					t.Fatal(err)
				}
			}
			ms := make([]message, batch)
			for i := range ms {
				ms[i].buf = make([]byte, 100)
			}
			var got []message
			reads := 0
			for len(got) < 10 {
				n, err := m.read(ms)
				if err != nil {
					t.Fatal(err)
				}
				reads++
				for _, msg := range ms[:n] {
					got = append(got, message{buf: bytes.Clone(msg.buf[:msg.n]), n: msg.n, peer: msg.peer})
				}
			}
			if reads >= 10 || len(got) != 10 {
				t.Fatalf("%d datagrams in %d reads: want 10, several per read", len(got), reads)
			}
			// Answer each datagram with its bytes reversed, in one write.
			var buf []byte
			var dgs []span
			for i, msg := range got {
				if want := fmt.Sprintf("datagram %d", i); string(msg.buf) != want {
					t.Fatalf("datagram %d is %q", i, msg.buf)
				}
				if want := peers[i%2].LocalAddr().(*net.UDPAddr).AddrPort(); msg.peer.Addr().Unmap() != want.Addr().Unmap() || msg.peer.Port() != want.Port() {
					t.Fatalf("datagram %d from %v, want %v", i, msg.peer, want)
				}
				start := len(buf)
				buf = append(buf, reverse(msg.buf)...)
				dgs = append(dgs, span{start, len(buf), msg.peer})
			}
			if failed, err := m.write(buf, dgs); failed != 0 {
				t.Fatalf("%d datagrams failed: %v", failed, err)
			}
			rb := make([]byte, 100)
			for i := range 10 {
				n, err := peers[i%2].Read(rb)
				if err != nil {
					t.Fatal(err)
				}
				if want := reverse(fmt.Appendf(nil, "datagram %d", i)); !bytes.Equal(rb[:n], want) {
					t.Fatalf("answer %d is %q, want %q", i, rb[:n], want)
				}
			}
		})
	}
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i, c := range b {
		r[len(b)-1-i] = c
	}
	return r
}

// TestBatchWriteUnreachable: a datagram to an address the socket cannot
// reach fails alone; the others go.
func TestBatchWriteUnreachable(t *testing.T) {
	pc := listen(t)
	defer pc.Close()
	io, _, err := newPacketIO(pc, 4)
	if err != nil {
		t.Fatal(err)
	}
	peer := listen(t)
	defer peer.Close()
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	buf := []byte("abc")
	dgs := []span{{0, 1, to}, {1, 2, netip.MustParseAddrPort("[2001:db8::1]:9")}, {2, 3, to}}
	failed, err := io.write(buf, dgs)
	if failed != 1 || err == nil {
		t.Fatalf("failed %d, err %v: want the IPv6 datagram on an IPv4 socket to fail alone", failed, err)
	}
	rb := make([]byte, 10)
	for _, want := range []string{"a", "c"} {
		n, err := peer.Read(rb)
		if err != nil || string(rb[:n]) != want {
			t.Fatalf("got %q, %v; want %q", rb[:n], err, want)
		}
	}
}
