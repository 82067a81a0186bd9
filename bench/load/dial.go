package load

import (
	"context"
	"net"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// Meter counts the bytes that cross the client's connections, both ways:
// the bytes on the wire per request, above TCP. Every connection a Dialer
// opens counts into its Meter.
type Meter struct {
	in, out atomic.Uint64
}

// Bytes returns the bytes read and written so far.
func (m *Meter) Bytes() uint64 { return m.in.Load() + m.out.Load() }

type countingConn struct {
	net.Conn
	m *Meter
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.m.in.Add(uint64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.m.out.Add(uint64(n))
	return n, err
}

// Dialer opens the load's TCP connections, counted by its Meter. With
// Sources > 0 it spreads them over the source addresses 127.0.0.2,
// 127.0.0.3, ... (Sources of them), so that thousands of connections, run
// after run, do not exhaust one address's ephemeral ports; it then binds
// with IP_BIND_ADDRESS_NO_PORT, which leaves the choice of the port to
// connect, where a port still in TIME_WAIT from an earlier run towards
// another server port can be used again.
type Dialer struct {
	Sources int
	Meter   *Meter
	next    atomic.Uint32
}

// DialContext opens a connection to addr.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	if d.Sources > 0 {
		i := d.next.Add(1)
		nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+int(i)%d.Sources))}
		nd.Control = bindNoPort
	}
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, m: d.Meter}, nil
}

func bindNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
