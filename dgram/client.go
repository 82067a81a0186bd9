package dgram

import (
	"context"
	"errors"
	"net"
	"os"
	"time"

	"github.com/wirekit/wirekit/frame"
)

// Conn is a client endpoint: a datagram socket connected to one server. It
// packs the frames written to it into datagrams ([Conn.Flush] sends them)
// and splits the datagrams it receives into frames ([Conn.ReadFrame]), with
// the same rules as a [Server]: a frame never spans datagrams, and a
// malformed datagram is reported and dropped without affecting the next.
//
// There is no retransmission: UDP may lose, duplicate or reorder datagrams,
// and a caller that needs an answer resends after a timeout, as DNS
// resolvers do. [Conn.Call] matches answers to requests by request id, so a
// late answer to an earlier attempt is skipped.
//
// Concurrency: one goroutine may read (ReadFrame) while another writes
// (Begin, Finish, WriteFrame, Flush); Call does both, so it must run alone.
type Conn struct {
	packer
	c   net.Conn
	in  []byte // one byte longer than the limit, to see an oversized datagram
	dg  datagram
	cur frame.Frame // the frame being split; a field so that Split's pointer does not escape per call
}

// NewConn returns a Conn that sends and receives frames of f over c, which
// must be a connected datagram socket: each Write sends one datagram and each
// Read returns one (a *net.UDPConn from net.DialUDP, say). maxDatagram is the
// largest datagram sent or received; zero means [DefaultMaxDatagram], and it
// should match the server's.
func NewConn(c net.Conn, f frame.Framing, maxDatagram int) *Conn {
	size := datagramLimit(maxDatagram)
	return &Conn{
		packer: packer{framing: f, max: size},
		c:      c,
		in:     make([]byte, size+1),
	}
}

// Dial connects a UDP socket to address ("host:port") and returns it as a
// Conn; see [NewConn]. No packet is sent: UDP has no handshake, so an
// absent server shows only as missing answers, or as a read error when an
// ICMP port-unreachable comes back.
func Dial(ctx context.Context, address string, f frame.Framing, maxDatagram int) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", address)
	if err != nil {
		return nil, err
	}
	return NewConn(c, f, maxDatagram), nil
}

// NetConn returns the underlying socket.
func (c *Conn) NetConn() net.Conn { return c.c }

// Close closes the socket. Frames queued and not flushed are dropped.
func (c *Conn) Close() error { return c.c.Close() }

// Flush sends the queued frames, packed into as few datagrams as fit: one
// Write per datagram. It stops at the first failed Write and returns its
// error; the datagrams not sent are dropped either way, since UDP gives no
// way to know which of them a retry would duplicate.
func (c *Conn) Flush() error {
	c.closeOpen()
	defer c.reset()
	for _, d := range c.closed {
		if _, err := c.c.Write(c.buf[d.start:d.end]); err != nil {
			return err
		}
	}
	return nil
}

// ReadFrame returns the next frame received, reading a datagram when the
// frames of the last one are used up. The frame borrows the receive buffer:
// it is valid until the next ReadFrame or Call.
//
// A malformed datagram is reported with a [*DropError], after the frames
// that preceded the bad bytes; it is not sticky, and the next call goes on
// with the next frame or datagram. Errors from the socket are returned as
// they are (os.ErrDeadlineExceeded after a read deadline, a
// connection-refused error when an ICMP port-unreachable came back).
func (c *Conn) ReadFrame() (frame.Frame, error) {
	for {
		ok, de := c.dg.next(c.framing, &c.cur)
		if de != nil {
			return frame.Frame{}, de
		}
		if ok {
			return c.cur, nil
		}
		n, err := c.c.Read(c.in)
		if err != nil {
			return frame.Frame{}, err
		}
		c.dg = datagram{b: c.in[:n], max: c.max}
	}
}

// Call sends one request, with the frames queued before it, and returns the
// frame that answers it: the first received whose request id is h.ID. It is
// for framings with a request id field. Frames with other ids (late answers
// to earlier calls) and malformed datagrams are skipped. The answer borrows
// the receive buffer like a frame from ReadFrame.
//
// Call sends once: if the request or its answer is lost, it waits until ctx
// ends and returns ctx's error. The socket's read deadline is ctx's while
// Call runs and none after.
func (c *Conn) Call(ctx context.Context, h frame.Meta, body []byte) (frame.Frame, error) {
	if err := c.WriteFrame(h, body); err != nil {
		return frame.Frame{}, err
	}
	if err := c.Flush(); err != nil {
		return frame.Frame{}, err
	}
	deadline, _ := ctx.Deadline()
	if err := c.c.SetReadDeadline(deadline); err != nil {
		return frame.Frame{}, err
	}
	// A cancellation wakes the read through the deadline. The deferred
	// function waits for a wake-up already under way, so that it cannot
	// land after Call has cleared the deadline.
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.c.SetReadDeadline(time.Unix(1, 0))
		close(woken)
	})
	defer func() {
		if !stop() {
			<-woken
		}
		c.c.SetReadDeadline(time.Time{})
	}()
	for {
		f, err := c.ReadFrame()
		var de *DropError
		switch {
		case err == nil && f.ID == h.ID:
			return f, nil
		case err == nil, errors.As(err, &de):
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The deadline is ctx's, or the cancellation's: ctx is done or
			// about to be.
			<-ctx.Done()
			return frame.Frame{}, ctx.Err()
		default:
			return frame.Frame{}, err
		}
	}
}
