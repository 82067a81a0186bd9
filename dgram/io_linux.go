package dgram

import (
	"cmp"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgIO moves up to a batch of datagrams per system call with recvmmsg and
// sendmmsg.
//
// It calls them itself, through the socket's syscall.RawConn, rather than
// through golang.org/x/net/ipv4's ReadBatch and WriteBatch: those report each
// sender as a *net.UDPAddr, two allocations per datagram received (the
// address and its IP), where this reads the sockaddr straight into a
// netip.AddrPort and allocates nothing.
type mmsgIO struct {
	rc    syscall.RawConn
	inet6 bool // the socket is AF_INET6: destinations are sockaddr_in6

	// Receive and send headers, one per datagram of a batch, with their
	// iovecs and addresses.
	rhs, whs       []unix.Mmsghdr
	riov, wiov     []unix.Iovec
	rnames, wnames []unix.RawSockaddrInet6

	// The headers of the system call in progress, and its result.
	pending []unix.Mmsghdr
	n       int
	errno   syscall.Errno
	// RawConn.Read and Write take a func; these method values are made
	// once, where one made per call would allocate.
	recvFn, sendFn func(fd uintptr) bool
}

func newBatchIO(uc *net.UDPConn, batch int) (packetIO, error) {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var domain int
	cerr := rc.Control(func(fd uintptr) {
		domain, err = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DOMAIN)
	})
	if err = cmp.Or(cerr, err); err != nil {
		return nil, os.NewSyscallError("getsockopt SO_DOMAIN", err)
	}
	m := &mmsgIO{
		rc:     rc,
		inet6:  domain == unix.AF_INET6,
		rhs:    make([]unix.Mmsghdr, batch),
		whs:    make([]unix.Mmsghdr, batch),
		riov:   make([]unix.Iovec, batch),
		wiov:   make([]unix.Iovec, batch),
		rnames: make([]unix.RawSockaddrInet6, batch),
		wnames: make([]unix.RawSockaddrInet6, batch),
	}
	m.recvFn, m.sendFn = m.recv, m.send
	return m, nil
}

func (m *mmsgIO) read(ms []message) (int, error) {
	ms = ms[:min(len(ms), len(m.rhs))]
	for i := range ms {
		m.riov[i].Base = &ms[i].buf[0]
		m.riov[i].SetLen(len(ms[i].buf))
		// The kernel overwrites the name length and the flags: reset all.
		m.rhs[i] = unix.Mmsghdr{Hdr: unix.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&m.rnames[i])),
			Namelen: unix.SizeofSockaddrInet6,
			Iov:     &m.riov[i],
		}}
		m.rhs[i].Hdr.SetIovlen(1)
	}
	m.pending = m.rhs[:len(ms)]
	if err := m.rc.Read(m.recvFn); err != nil {
		return 0, err
	}
	if m.errno != 0 {
		return 0, os.NewSyscallError("recvmmsg", m.errno)
	}
	for i := range m.n {
		ms[i].n = int(m.rhs[i].Len)
		ms[i].peer = addrPort(&m.rnames[i])
	}
	return m.n, nil
}

// recv is the RawConn.Read callback: it returns false to wait until the
// socket is readable.
func (m *mmsgIO) recv(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&m.pending[0])), uintptr(len(m.pending)), 0, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		m.n, m.errno = int(n), e
		return true
	}
}

func (m *mmsgIO) write(buf []byte, dgs []span) (failed int, err error) {
	for len(dgs) > 0 {
		k := min(len(dgs), len(m.whs))
		for i, d := range dgs[:k] {
			m.wiov[i].Base = &buf[d.start]
			m.wiov[i].SetLen(d.end - d.start)
			m.whs[i] = unix.Mmsghdr{Hdr: unix.Msghdr{
				Name:    (*byte)(unsafe.Pointer(&m.wnames[i])),
				Namelen: m.putAddr(&m.wnames[i], d.peer),
				Iov:     &m.wiov[i],
			}}
			m.whs[i].Hdr.SetIovlen(1)
		}
		for sent := 0; sent < k; {
			m.pending = m.whs[sent:k]
			if e := m.rc.Write(m.sendFn); e != nil {
				// The socket is closed: nothing more will go.
				return failed + len(dgs) - sent, e
			}
			if m.errno != 0 || m.n == 0 {
				// sendmmsg stops at the first datagram that fails, and
				// reports its error only if it is the first of the call.
				if failed == 0 {
					err = os.NewSyscallError("sendmmsg", m.errno)
				}
				failed++
				sent++
				continue
			}
			sent += m.n
		}
		dgs = dgs[k:]
	}
	return failed, err
}

// send is the RawConn.Write callback: it returns false to wait until the
// socket is writable.
func (m *mmsgIO) send(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&m.pending[0])), uintptr(len(m.pending)), 0, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		m.n, m.errno = int(n), e
		return true
	}
}

// addrPort reads the sender's address that recvmmsg stored in sa. A scoped
// IPv6 address gets its interface index as its zone, where the net package
// would look up the interface's name.
func addrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	port := binary.BigEndian.Uint16(portBytes(&sa.Port))
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		a := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			a = a.WithZone(strconv.FormatUint(uint64(sa.Scope_id), 10))
		}
		return netip.AddrPortFrom(a, port)
	}
	return netip.AddrPort{}
}

// putAddr writes ap into sa in the socket's family and returns its length.
// An address the socket cannot reach is written with port 0, which the
// kernel refuses (EINVAL), so that its datagram fails rather than goes to
// the wrong place (to a 0.0.0.0 address, say, which means this host).
func (m *mmsgIO) putAddr(sa *unix.RawSockaddrInet6, ap netip.AddrPort) uint32 {
	a, port := ap.Addr(), ap.Port()
	if !m.inet6 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET}
		if a = a.Unmap(); a.Is4() {
			sa4.Addr = a.As4()
			binary.BigEndian.PutUint16(portBytes(&sa4.Port), port)
		}
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6}
	if a.IsValid() {
		sa.Addr = a.As16()
		binary.BigEndian.PutUint16(portBytes(&sa.Port), port)
		if z := a.Zone(); z != "" {
			id, _ := strconv.ParseUint(z, 10, 32)
			sa.Scope_id = uint32(id)
		}
	}
	return unix.SizeofSockaddrInet6
}

// portBytes returns the bytes of a sockaddr's port, which is in network
// byte order whatever the host's.
func portBytes(p *uint16) []byte { return (*[2]byte)(unsafe.Pointer(p))[:] }
