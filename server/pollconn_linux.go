package server

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/wirekit/wirekit/internal/epoll"
	"golang.org/x/sys/unix"
)

// pollConn is a connection of the poll engine: a non-blocking socket that
// the runtime's poller never sees, registered in the epoll set of one loop.
// It is the net.Conn the server's hooks get (ConnContext, ConnState), and
// it holds the loop's bookkeeping of the connection.
//
// Its fields have three owners. The posting fields are atomic, for any
// goroutine. The loop's fields are touched only by the goroutine running
// the loop, also while the connection is served apart from it (see
// loop.handOff). The serving fields belong to whichever goroutine serves
// the connection's frames: the loop's, or the one serving it apart, which
// hands them back with todoBack.
type pollConn struct {
	// The fields are ordered to pack them: an idle connection is little
	// more than this struct and its conn.
	c     *conn
	l     *loop
	ln    *pollListener               // accepted there: the local address
	next  *pollConn                   // the inbox's link; written by the poster who pushes
	raddr atomic.Pointer[net.TCPAddr] // made at the first RemoteAddr
	fdmu  sync.Mutex                  // orders kill's shutdown before the loop's close
	fd    int32                       // -1 once closed; written under fdmu
	todo  atomic.Uint32               // todo bits not yet taken by the loop; 0: not in its inbox

	// The loop's.
	slot     int32  // index in loop.conns; -1 before the connection is open
	hidx     int32  // index in the loop's deadline heap; -1 if not in it
	events   uint32 // the epoll events registered
	deferred uint32 // todo bits that came while apart
	due      int64  // the heap's key; at or before the deadlines below
	readDue  int64  // idle, frame or linger timeout; 0 if none
	// A lingering close ends lingerTimeout after the peer's last input,
	// and at lingerEnd at the latest.
	lingerSeen, lingerEnd int64
	writeDue              int64 // write timeout; 0 if none
	frameAt               int64 // stream offset of the partial frame timed; -1 if none
	offset                int64 // the stream offset, while idle without a stream

	// The serving goroutine's.
	written   uint32 // bytes written, modulo 2^32
	writeGoal uint32 // written when the bytes writeDue covers are out

	// The peer's address, kept compact and made into a net.Addr at the
	// first RemoteAddr.
	peerIP   [16]byte
	peerPort uint16
	peerV4   bool

	// The loop's.
	phase phase
	flags flags

	// The serving goroutine's.
	readsLeft uint8   // reads the stream may still make in this pass (epoll.ReadPass)
	eof       bool    // a read found the end of the peer's stream
	outcome   outcome // how a run apart from the loop ended
}

// phase is where a poll connection is in its life.
type phase uint8

const (
	phaseOpen    phase = iota // reading and answering
	phaseClosing              // answering what was read, then a lingering close
	phaseLinger               // FIN sent: dropping the peer's input until it closes
	phaseClosed
)

// flags are the loop's conditions of a poll connection, in a byte: an idle
// connection should cost little. (The serving goroutine's booleans are
// bytes of their own: another goroutine may write them meanwhile.)
type flags uint8

const (
	paused   flags = 1 << iota // over MaxInFlight or its held bytes: waiting for replies
	blocked                    // over the high-water mark: waiting for the socket
	stopping                   // Shutdown: read no more, answer what was read, close
	apart                      // served by another goroutine: the loop leaves it alone
)

func (p *pollConn) is(f flags) bool { return p.flags&f != 0 }

func (p *pollConn) set(f flags, on bool) {
	if on {
		p.flags |= f
	} else {
		p.flags &^= f
	}
}

// todo bits: what other goroutines ask a loop to do with a connection.
const (
	todoOpen   uint32 = 1 << iota // a new connection: register and serve it
	todoReject                    // with todoOpen: over MaxConns, OnReject then close
	todoBack                      // served apart, it comes back to the loop
	todoWake                      // a Reply is Done
	todoStop                      // Shutdown: stop reading
	todoKill                      // Close: close at once
)

// errPollIO is what the net.Conn of a poll connection answers to reads,
// writes and deadlines: the engine owns them.
var errPollIO = errors.New("server: the poll engine does the I/O of its connections")

// post asks p's loop to do what bits say, from any goroutine: the loop
// takes p from its inbox at its next wake-up. A connection is in the inbox
// once however often it is posted.
func (p *pollConn) post(bits uint32) {
	if p.todo.Or(bits) == 0 {
		p.l.push(p)
	}
}

// Read, Write and the deadline methods are refused: the poll engine reads
// and writes, and keeps its connections' deadlines itself.
func (p *pollConn) Read([]byte) (int, error)         { return 0, errPollIO }
func (p *pollConn) Write([]byte) (int, error)        { return 0, errPollIO }
func (p *pollConn) SetDeadline(time.Time) error      { return errPollIO }
func (p *pollConn) SetReadDeadline(time.Time) error  { return errPollIO }
func (p *pollConn) SetWriteDeadline(time.Time) error { return errPollIO }

// Close closes the connection at once, from any goroutine: it shuts the
// socket down both ways, so that the peer learns at once, and leaves the
// rest to the loop.
func (p *pollConn) Close() error {
	if p.c == nil {
		// Refused as it was accepted: no loop has seen it.
		p.closeFD()
		p.l.drop()
		return nil
	}
	p.fdmu.Lock()
	if p.fd >= 0 {
		unix.Shutdown(int(p.fd), unix.SHUT_RDWR)
	}
	p.fdmu.Unlock()
	p.post(todoKill)
	return nil
}

// closeFD closes the socket; the kernel drops it from the epoll set.
func (p *pollConn) closeFD() {
	p.fdmu.Lock()
	fd := p.fd
	p.fd = -1
	p.fdmu.Unlock()
	if fd >= 0 {
		unix.Close(int(fd))
	}
}

// LocalAddr returns the listener's address, or asks the socket when the
// listener listens on every address.
func (p *pollConn) LocalAddr() net.Addr {
	if a := p.ln.addr; a != nil {
		return a
	}
	p.fdmu.Lock()
	defer p.fdmu.Unlock()
	if p.fd < 0 {
		return nil
	}
	sa, err := unix.Getsockname(int(p.fd))
	if err != nil {
		return nil
	}
	return sockaddrToAddr(sa)
}

// RemoteAddr returns the peer's address.
func (p *pollConn) RemoteAddr() net.Addr {
	if p.ln.unix {
		// Unix clients rarely bind a name: Go reports an empty one then.
		return &net.UnixAddr{Net: "unix"}
	}
	if a := p.raddr.Load(); a != nil {
		return a
	}
	a := &net.TCPAddr{Port: int(p.peerPort)}
	if p.peerV4 {
		a.IP = net.IPv4(p.peerIP[0], p.peerIP[1], p.peerIP[2], p.peerIP[3])
	} else {
		a.IP = append(net.IP(nil), p.peerIP[:]...)
	}
	p.raddr.Store(a)
	return a
}

// setPeer keeps the peer's address from accept4's raw sockaddr.
func (p *pollConn) setPeer(sa *unix.RawSockaddrAny) {
	switch sa.Addr.Family {
	case unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		copy(p.peerIP[:], in.Addr[:])
		p.peerPort, p.peerV4 = ntohs(in.Port), true
	case unix.AF_INET6:
		in := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		p.peerIP, p.peerPort = in.Addr, ntohs(in.Port)
	}
}

// ntohs reads a port, which the sockaddr holds in network byte order.
func ntohs(port uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&port))
	return uint16(b[0])<<8 | uint16(b[1])
}

// accept4 accepts a connection on the listening socket fd, non-blocking
// and close-on-exec, with its peer's address in *sa: unix.Accept4 would
// allocate the address twice, and garbage made per connection raises the
// resident memory of a server that accepts many.
func accept4(fd int, sa *unix.RawSockaddrAny) (int, unix.Errno) {
	n := uint32(unix.SizeofSockaddrAny)
	nfd, _, errno := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&n)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	return int(nfd), errno
}

func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: sa.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

// rawIO is a poll connection as its stream.Conn sees it: the socket, read
// and written without blocking. A read or a write that would block returns
// errWouldBlock, and the loop waits for the socket instead.
type rawIO pollConn

// Read reads once per pass, unless the read fills b (epoll.ReadPass): in one
// wake-up of the loop a connection reads what has arrived, and what arrives
// later waits for the next wake-up, which epoll (level-triggered) reports
// at once. That is one read per batch, where reading until EAGAIN would
// cost a second, empty one. A read that fills b has likely left more
// behind (a frame larger than the buffer, say): the stream may read again
// at once, into the buffer it grows, up to epoll.MaxReadsPerPass times.
func (r *rawIO) Read(b []byte) (int, error) {
	p := (*pollConn)(r)
	n, err := epoll.ReadPass(int(p.fd), b, &p.readsLeft)
	switch err {
	case nil:
		return n, nil
	case io.EOF:
		p.eof = true
		return 0, io.EOF
	case epoll.ErrWouldBlock:
		return 0, errWouldBlock
	}
	return 0, opError("read", p, err)
}

// Write writes what the socket takes; a short write returns errWouldBlock
// with the count, and the stream keeps the rest queued.
func (r *rawIO) Write(b []byte) (int, error) {
	p := (*pollConn)(r)
	for {
		if count := p.l.e.writes; count != nil {
			count.Add(1) // before: the peer may read the bytes before the call returns
		}
		n, err := epoll.RawWrite(int(p.fd), b)
		if n > 0 {
			p.written += uint32(n)
		}
		switch {
		case err == nil && n < len(b):
			return n, errWouldBlock
		case err == nil:
			return n, nil
		case err == unix.EAGAIN:
			return 0, errWouldBlock
		case err != unix.EINTR:
			return 0, opError("write", p, err)
		}
	}
}

// maxIovecs bounds the segments of one writev; the rest goes with the next
// write, as after a short one.
const maxIovecs = 64

// WriteBuffers writes the segments with one writev: frames with payloads
// attached by reference.
func (r *rawIO) WriteBuffers(v [][]byte) (int, error) {
	p := (*pollConn)(r)
	var iov [maxIovecs]unix.Iovec
	n, total := 0, 0
	for _, b := range v {
		if len(b) == 0 {
			continue
		}
		if n == len(iov) {
			break
		}
		iov[n].Base = &b[0]
		iov[n].SetLen(len(b))
		n++
		total += len(b)
	}
	if n == 0 {
		return 0, nil
	}
	for {
		if count := p.l.e.writes; count != nil {
			count.Add(1)
		}
		w, _, errno := unix.RawSyscall(unix.SYS_WRITEV, uintptr(p.fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(n))
		if errno == 0 {
			p.written += uint32(w)
		}
		switch {
		case errno == 0 && int(w) < total:
			return int(w), errWouldBlock
		case errno == 0:
			return int(w), nil
		case errno == unix.EAGAIN:
			return 0, errWouldBlock
		case errno != unix.EINTR:
			return 0, opError("writev", p, errno)
		}
	}
}

// Close does nothing: the stream closes when its connection finishes, and
// the loop closes the socket then.
func (r *rawIO) Close() error { return nil }

// opError wraps err, the failure of system call op on connection c, as
// package net does: for a poll connection, or a goroutine engine's that
// serveWaiting reads itself.
func opError(op string, c interface {
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}, err error) error {
	local := c.LocalAddr()
	return &net.OpError{Op: op, Net: local.Network(), Source: local, Addr: c.RemoteAddr(), Err: os.NewSyscallError(op, err)}
}
