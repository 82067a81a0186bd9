package dgram

import (
	"net"
	"net/netip"
)

// message is one receive slot: a buffer one byte longer than the datagram
// limit, and what the last read put in it.
type message struct {
	buf  []byte
	n    int
	peer netip.AddrPort
}

// packetIO moves datagrams between a socket and an endpoint's buffers. Only
// the Serve goroutine calls it.
type packetIO interface {
	// read blocks until at least one datagram arrives, then fills as many
	// messages of ms as it can in one system call and returns how many.
	read(ms []message) (int, error)
	// write sends the datagrams dgs, cut from buf. It returns how many of
	// them failed and the first failure: a datagram that fails is dropped,
	// and the others are still sent.
	write(buf []byte, dgs []span) (failed int, err error)
}

// newPacketIO returns the way to move datagrams over pc, batching up to
// batch of them per system call where it can, and the batch it chose.
func newPacketIO(pc PacketConn, batch int) (packetIO, int, error) {
	if uc, ok := pc.(*net.UDPConn); ok && batch > 1 {
		io, err := newBatchIO(uc, batch)
		if io != nil || err != nil {
			return io, batch, err
		}
	}
	return singleIO{pc}, 1, nil
}

// singleIO moves one datagram per system call, through the netip.AddrPort
// methods of *net.UDPConn, which allocate nothing.
type singleIO struct{ pc PacketConn }

func (s singleIO) read(ms []message) (int, error) {
	n, peer, err := s.pc.ReadFromUDPAddrPort(ms[0].buf)
	if err != nil {
		return 0, err
	}
	ms[0].n, ms[0].peer = n, peer
	return 1, nil
}

func (s singleIO) write(buf []byte, dgs []span) (failed int, err error) {
	for _, d := range dgs {
		if _, e := s.pc.WriteToUDPAddrPort(buf[d.start:d.end], d.peer); e != nil {
			if failed == 0 {
				err = e
			}
			failed++
		}
	}
	return failed, err
}
