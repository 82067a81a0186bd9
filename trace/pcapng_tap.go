package trace

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Segment sizes a [TapOptions.MSS] may choose.
const (
	// DefaultMSS is the payload of a full TCP segment on Ethernet (1500
	// bytes of MTU less 40 of IPv4 and TCP headers): what a capture taken
	// on a network interface shows, so a dissector's reassembly across
	// segments is exercised as it is in the field.
	DefaultMSS = 1460
	// MaxMSS is the most payload an IPv4 packet with a 20-byte TCP header
	// carries: a capture on loopback looks about like this.
	MaxMSS = 65535 - ipv4HeaderLen - tcpHeaderLen
)

// TapOptions configures a [Tap]. The zero value records everything in
// segments of [DefaultMSS] bytes.
type TapOptions struct {
	// MaxBytes bounds the size of the file. The first packet that would
	// take the file past MaxBytes stops the recording: it and every packet
	// after it are dropped and counted by [Tap.Dropped], so the stream in
	// the file has no holes, only an early end. Space for the closing
	// statistics block is kept free, so the file never grows past
	// MaxBytes and [Tap.Close] still writes a complete file. 0 means no
	// bound; a bound too small for the header and statistics blocks
	// (216 bytes) is an error.
	MaxBytes int64
	// MSS is the largest TCP payload of one recorded packet, between 1 and
	// [MaxMSS]; a longer Read or Write is recorded as several segments.
	// 0 means [DefaultMSS].
	MSS int
}

// A Tap records TCP connections into a pcapng file that Wireshark and
// tshark open as if the traffic had been captured on the wire: no root, no
// libpcap, no capture interface, just the bytes the application read and
// wrote. Wrap a connection with [Tap.Conn] (accepted) or [Tap.ClientConn]
// (dialed), or a listener with [Tap.Listener]; every wrapped connection
// becomes one TCP stream in the file.
//
// Each Read and Write is recorded as it returns, with time.Now() as its
// timestamp, as TCP segments inside synthesized IPv4 or IPv6 and Ethernet
// headers:
//
//   - Addresses and ports are the connection's own when LocalAddr and
//     RemoteAddr are [*net.TCPAddr]. Otherwise (net.Pipe, Unix sockets) the
//     server is 192.0.2.1 (or 2001:db8::1) port 22347 (0x574B, "WK") and the
//     client 192.0.2.2 (or 2001:db8::2) at a port from 49152 up that differs
//     from connection to connection. MAC addresses are fixed
//     locally-administered ones: 02:57:4b:00:00:01 for the local end,
//     …:02 for the remote one.
//   - Wrapping records a three-way handshake. A Read that returns io.EOF
//     records the remote end's FIN and its ACK; Close records the FIN and
//     ACK of each side that has not sent one, the local side first. Other
//     errors are not recorded.
//   - Each direction's sequence numbers start at a random ISN and advance by
//     the bytes recorded; every segment acknowledges all the bytes recorded
//     in the other direction. When one side has sent nearly a window's
//     worth since the other last sent anything, the tap adds the pure ACK a
//     real receiver would have sent, so Wireshark never sees a full window:
//     the window is about 1 GiB (65535 scaled by 2¹⁴), but only 65535 bytes
//     from a client to a server that has sent nothing since its SYN-ACK,
//     since windows in SYNs are never scaled.
//   - A Read or Write longer than [TapOptions.MSS] is split into segments of
//     that size; only the last carries PSH, so the application's Read and
//     Write boundaries stay visible in the capture.
//   - IPv4 header and TCP checksums are correct, so Wireshark's checksum
//     validation passes.
//
// The file is one section with one Ethernet interface: a Section Header
// Block, an Interface Description Block, one Enhanced Packet Block per
// segment, and at [Tap.Close] an Interface Statistics Block:
//
//	+-----+-----+-----+-----+- - - -+-----+
//	| SHB | IDB | EPB | EPB |  ...  | ISB |
//	+-----+-----+-----+-----+- - - -+-----+
//
// Every block starts and ends with its total length, a multiple of 4. All
// integers are little-endian, as the section header's byte-order magic
// tells readers. Options are a 16-bit code, a 16-bit length and the value
// padded with zeros to 32 bits, and end with opt_endofopt (code 0):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------------------------------------------------------+
//	|                    Block Type = 0x0A0D0D0A                    |  SHB
//	|                       Block Total Length                      |
//	|                 Byte-Order Magic = 0x1A2B3C4D                 |
//	|       Major Version = 1       |       Minor Version = 0       |
//	|                 Section Length = -1: not given                |
//	|                           (64 bits)                           |
//	/              shb_userappl "wirekit", opt_endofopt             /
//	|                       Block Total Length                      |
//	+---------------------------------------------------------------+
//	|                    Block Type = 0x00000001                    |  IDB
//	|                       Block Total Length                      |
//	|     LinkType = 1: Ethernet    |          Reserved = 0         |
//	|                     SnapLen = 0: no limit                     |
//	/     if_name "wirekit tap", if_tsresol 9: ns, opt_endofopt     /
//	|                       Block Total Length                      |
//	+---------------------------------------------------------------+
//	|                    Block Type = 0x00000006                    |  EPB
//	|                       Block Total Length                      |
//	|                        Interface ID = 0                       |
//	|            Timestamp (high 32 bits): ns since 1970            |
//	|                    Timestamp (low 32 bits)                    |
//	|                     Captured Packet Length                    |
//	|        Original Packet Length = Captured Packet Length        |
//	/   Ethernet | IPv4 or IPv6 | TCP | payload; padded to 32 bits  /
//	|                       Block Total Length                      |
//	+---------------------------------------------------------------+
//	|                    Block Type = 0x00000005                    |  ISB
//	|                       Block Total Length                      |
//	|                        Interface ID = 0                       |
//	|                Timestamp (high 32 bits): Close                |
//	|                    Timestamp (low 32 bits)                    |
//	/       opt_comment, if MaxBytes cut the recording short;       /
//	/         isb_ifrecv, isb_ifdrop: packets seen, dropped;        /
//	/                          opt_endofopt                         /
//	|                       Block Total Length                      |
//	+---------------------------------------------------------------+
//
// A server records its connections by wrapping its listener, or by setting
// tap.Conn as whatever hook it offers to wrap an accepted net.Conn (a
// ConnWrapper or ConnContext-style option on server.Server):
//
//	f, _ := os.Create("orders.pcapng")
//	bw := bufio.NewWriter(f)
//	tap, _ := trace.NewTap(bw, trace.TapOptions{MaxBytes: 100 << 20})
//	srv.Serve(tap.Listener(ln))
//	...
//	tap.Close() // writes the statistics block and flushes bw
//	f.Close()
//
// A wrapped connection is a plain net.Conn: it hides the concrete type
// (*net.TCPConn, *tls.Conn) and with it SyscallConn and CloseWrite, so code
// that needs the file descriptor, such as a poll engine, sees a connection
// it must serve with ordinary Reads. Wrapping a *tls.Conn rather than the
// connection under it records the plaintext, which a dissector can read.
//
// A Tap is safe for concurrent use; one mutex orders all its connections'
// packets. Recording a segment costs taking that mutex, copying the payload
// once into a packet buffer the tap reuses (it grows to the largest block,
// MSS plus at most 109 bytes), one pass over it for the TCP checksum, and
// one Write to the underlying writer, all under the mutex: a slow writer
// slows every tapped connection, so give it a buffered one. Once the
// recording has stopped, a Read or Write still takes the mutex, to count
// what it drops. Concurrent
// Reads, or concurrent Writes, on one connection are recorded in the order
// they return, which may differ from the order their bytes took.
type Tap struct {
	mu       sync.Mutex
	w        io.Writer
	mss      int
	limit    int64 // bytes the packets may take: MaxBytes less the statistics block; 0 for no bound
	written  int64 // bytes handed to w
	packets  int64 // packets written
	dropped  int64 // packets not written: over the bound, after a write error, or after Close
	stopped  bool  // drop every further packet
	cut      bool  // stopped by the bound
	closed   bool
	err      error  // the first error from w
	lastTS   int64  // keeps timestamps from going back when the wall clock does
	ipID     uint16 // identification of the next IPv4 packet
	nextPort uint16 // offset of the next fake client port from 49152
	buf      []byte // the block being written, reused
}

// cutComment is the comment of the statistics block of a recording that
// [TapOptions.MaxBytes] stopped.
const cutComment = "wirekit: recording stopped at MaxBytes; later packets were dropped"

// NewTap writes the header blocks of a pcapng file to w and returns a Tap
// that records connections into it. The Tap calls w.Write once per block
// while holding its mutex; w is not closed by the Tap.
func NewTap(w io.Writer, opts TapOptions) (*Tap, error) {
	mss := opts.MSS
	if mss == 0 {
		mss = DefaultMSS
	}
	if mss < 1 || mss > MaxMSS {
		return nil, fmt.Errorf("trace: TapOptions.MSS %d out of range [1, %d]", opts.MSS, MaxMSS)
	}
	hdr := appendHeaderBlocks(nil)
	t := &Tap{w: w, mss: mss, buf: hdr}
	if opts.MaxBytes != 0 {
		// The statistics block of a cut recording is the largest one.
		reserve := int64(len(appendStatsBlock(nil, 0, 0, 0, cutComment)))
		if need := int64(len(hdr)) + reserve; opts.MaxBytes < need {
			return nil, fmt.Errorf("trace: TapOptions.MaxBytes %d is below the %d bytes of the header and statistics blocks", opts.MaxBytes, need)
		}
		t.limit = opts.MaxBytes - reserve
	}
	if err := t.write(hdr); err != nil {
		return nil, err
	}
	return t, nil
}

// Conn wraps nc, a connection this side accepted, so that its Reads and
// Writes are recorded; the handshake in the file is initiated by the remote
// end. Conn has the type func(net.Conn) net.Conn: it is the hook to give a
// server that lets its accepted connections be wrapped.
func (t *Tap) Conn(nc net.Conn) net.Conn {
	return t.wrap(nc, dirIn)
}

// ClientConn wraps nc, a connection this side dialed, so that its Reads and
// Writes are recorded; the handshake in the file is initiated by the local
// end.
func (t *Tap) ClientConn(nc net.Conn) net.Conn {
	return t.wrap(nc, dirOut)
}

// Listener returns a listener whose accepted connections are wrapped by
// [Tap.Conn].
func (t *Tap) Listener(ln net.Listener) net.Listener {
	return tapListener{ln, t}
}

type tapListener struct {
	net.Listener
	t *Tap
}

func (l tapListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.t.Conn(nc), nil
}

// Packets returns the number of packets written so far.
func (t *Tap) Packets() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.packets
}

// Dropped returns the number of packets not written: those past
// [TapOptions.MaxBytes], after a write error, or after Close.
func (t *Tap) Dropped() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}

// Close ends the recording: it writes the Interface Statistics Block (the
// packets seen and dropped, and a comment if MaxBytes cut the recording
// short), then flushes the writer if it has a Flush() error method, as
// [bufio.Writer] does. It returns the first error the writer returned, if
// any. Close neither closes the writer nor the wrapped connections;
// packets of connections used after Close are dropped. A second Close
// does nothing and returns the same error.
func (t *Tap) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return t.err
	}
	t.closed, t.stopped = true, true
	if t.err != nil {
		return t.err
	}
	comment := ""
	if t.cut {
		comment = cutComment
	}
	t.buf = appendStatsBlock(t.buf[:0], t.now(), uint64(t.packets+t.dropped), uint64(t.dropped), comment)
	if err := t.write(t.buf); err != nil {
		return err
	}
	if f, ok := t.w.(interface{ Flush() error }); ok {
		t.err = f.Flush()
	}
	return t.err
}

// write writes b to w; after an error, the tap stops recording.
func (t *Tap) write(b []byte) error {
	n, err := t.w.Write(b)
	t.written += int64(n)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		t.err, t.stopped = err, true
	}
	return err
}

// now returns the time in nanoseconds since 1970, never earlier than the
// last time it returned, so that packets stay in order if the wall clock
// is set back.
func (t *Tap) now() uint64 {
	t.lastTS = max(t.lastTS, time.Now().UnixNano())
	return uint64(t.lastTS)
}

// The two directions of a tapped connection, indexing its per-direction
// state.
const (
	dirOut = 0 // local to remote: what Write sent
	dirIn  = 1 // remote to local: what Read returned
)

// macs holds the source MAC address of each direction.
var macs = [2][6]byte{
	dirOut: {0x02, 'W', 'K', 0, 0, 1},
	dirIn:  {0x02, 'W', 'K', 0, 0, 2},
}

// Addresses of connections without TCP addresses (see [Tap]).
var (
	fakeServer4 = netip.AddrFrom4([4]byte{192, 0, 2, 1})
	fakeClient4 = netip.AddrFrom4([4]byte{192, 0, 2, 2})
	fakeServer6 = netip.MustParseAddr("2001:db8::1")
	fakeClient6 = netip.MustParseAddr("2001:db8::2")
)

const (
	fakeServerPort   = 0x574b // "WK"
	fakeClientPorts  = 49152  // the first port of the IANA dynamic range
	fakeClientPortsN = 16384  // its size
)

// tapConn is a connection whose Reads and Writes a Tap records. Everything
// but the embedded Conn is guarded by tap.mu.
type tapConn struct {
	net.Conn
	tap *Tap

	ep     [2]netip.AddrPort // source of each direction
	seq    [2]uint32         // next sequence number of each direction
	acked  [2]uint32         // highest ACK the other side sent for each direction
	scaled [2]bool           // the direction's side sent a non-SYN segment: its window is scaled
	fin    [2]bool           // the direction sent its FIN
}

// wrap records the handshake of a connection whose client, the side that
// sends the SYN, is the source of direction client.
func (t *Tap) wrap(nc net.Conn, client int) net.Conn {
	c := &tapConn{Conn: nc, tap: t}
	var real [2]bool
	c.ep[dirOut], real[dirOut] = tcpAddrPort(nc.LocalAddr())
	c.ep[dirIn], real[dirIn] = tcpAddrPort(nc.RemoteAddr())
	v6 := real[dirOut] && c.ep[dirOut].Addr().Is6() || real[dirIn] && c.ep[dirIn].Addr().Is6()

	t.mu.Lock()
	defer t.mu.Unlock()
	for d := range c.ep {
		switch {
		case !real[d] && d == client:
			fake := fakeClient4
			if v6 {
				fake = fakeClient6
			}
			c.ep[d] = netip.AddrPortFrom(fake, fakeClientPorts+t.nextPort)
			t.nextPort = (t.nextPort + 1) % fakeClientPortsN
		case !real[d]:
			fake := fakeServer4
			if v6 {
				fake = fakeServer6
			}
			c.ep[d] = netip.AddrPortFrom(fake, fakeServerPort)
		case v6:
			// An IPv4 address talking to an IPv6 one appears as ::ffff:a.b.c.d.
			c.ep[d] = netip.AddrPortFrom(netip.AddrFrom16(c.ep[d].Addr().As16()), c.ep[d].Port())
		}
	}
	c.seq = [2]uint32{rand.Uint32(), rand.Uint32()}
	t.segment(c, client, flagSYN, nil)
	t.segment(c, 1-client, flagSYN|flagACK, nil)
	t.segment(c, client, flagACK, nil)
	return c
}

// tcpAddrPort returns the address and port of a, if it is a TCP address.
func tcpAddrPort(a net.Addr) (netip.AddrPort, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok || ta == nil {
		return netip.AddrPort{}, false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(ta.Port)), true
}

// Read records the bytes it returns as a segment from the remote end, and
// io.EOF as the remote end's FIN.
func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 || err == io.EOF {
		c.tap.record(c, dirIn, p[:n], err == io.EOF)
	}
	return n, err
}

// Write records the bytes it wrote as a segment from the local end.
func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.tap.record(c, dirOut, p[:n], false)
	}
	return n, err
}

// Close closes the connection and records the FIN of each side that has
// not sent one yet, the local one first.
func (c *tapConn) Close() error {
	err := c.Conn.Close()
	t := c.tap
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fin(c, dirOut)
	t.fin(c, dirIn)
	return err
}

// record records p as data from direction dir, followed by that
// direction's FIN if fin is set.
func (t *Tap) record(c *tapConn, dir int, p []byte, fin bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// Bytes can follow a FIN only when a Write races with Close; a FIN
	// ends the direction's sequence space, so they are left out.
	for !c.fin[dir] && len(p) > 0 {
		n := min(len(p), t.mss)
		// Keep this segment short of the edge of the receiver's window,
		// where Wireshark would flag it, by having the receiver
		// acknowledge what it got so far.
		win := uint32(windowField)
		if c.scaled[1-dir] {
			win <<= windowShift
		}
		if c.seq[dir]-c.acked[dir]+uint32(n) >= win {
			t.segment(c, 1-dir, flagACK, nil)
		}
		flags := uint8(flagACK)
		if n == len(p) {
			flags |= flagPSH
		}
		t.segment(c, dir, flags, p[:n])
		p = p[n:]
	}
	if fin {
		t.fin(c, dir)
	}
}

// fin records the FIN of direction dir, once, and its acknowledgement.
func (t *Tap) fin(c *tapConn, dir int) {
	if c.fin[dir] {
		return
	}
	t.segment(c, dir, flagFIN|flagACK, nil)
	t.segment(c, 1-dir, flagACK, nil)
	c.fin[dir] = true
}

// segment records one segment from direction dir and advances the
// connection's state past it, whether or not the packet is written.
func (t *Tap) segment(c *tapConn, dir int, flags uint8, payload []byte) {
	s := tcpSegment{
		src: c.ep[dir], dst: c.ep[1-dir],
		srcMAC: macs[dir], dstMAC: macs[1-dir],
		seq: c.seq[dir], flags: flags,
	}
	if flags&flagACK != 0 {
		s.ack = c.seq[1-dir]
		c.acked[1-dir] = s.ack
	}
	if flags&flagSYN != 0 {
		s.mss = uint16(t.mss)
	} else {
		c.scaled[dir] = true
	}
	c.seq[dir] += uint32(len(payload))
	if flags&(flagSYN|flagFIN) != 0 {
		c.seq[dir]++ // SYN and FIN each take one sequence number
	}

	frameLen := s.frameLen(len(payload))
	size := int64(packetBlockLen(frameLen))
	if !t.stopped && t.limit > 0 && t.written+size > t.limit {
		t.stopped, t.cut = true, true
	}
	if t.stopped {
		t.dropped++
		return
	}
	if s.src.Addr().Is4() {
		s.ipID = t.ipID
		t.ipID++
	}
	b, start := startPacketBlock(t.buf[:0], t.now(), frameLen)
	b = s.appendFrame(b, payload)
	t.buf = endBlock(b, start)
	if t.write(t.buf) != nil {
		t.dropped++
		return
	}
	t.packets++
}
