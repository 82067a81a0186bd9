package stream

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/wirekit/wirekit/frame"
)

// Config configures a [Conn]. The zero Config is ready to use: each field
// documents its default.
type Config struct {
	// ReadSize is the size of the buffers a Conn starts with, inbound and
	// outbound, and the free space it wants at the end of the inbound buffer
	// before a read: when less is left and consumed frames sit in front,
	// the unconsumed bytes move to the front first. Each read asks for all
	// the free space, so one read can bring many frames. Zero means 4 KiB.
	//
	// A connection whose reads fill their buffer takes larger ones as it
	// takes new ones (after [Conn.Release], or when it had none), doubling
	// up to MaxAdaptiveRead (or MaxInbound), and smaller ones again, down
	// to ReadSize, after reads that bring little: a peer sending large
	// batches is read in fewer system calls, an idle one costs no more.
	ReadSize int
	// MaxInbound caps the bytes the inbound buffer holds. The buffer doubles
	// when a frame does not fit, up to MaxInbound; a frame that needs more is
	// refused with a fatal *frame.Error of kind frame.TooLarge at the frame's
	// offset, before memory is committed to it. Set it to at least the
	// largest frame the framing accepts. Buffers are allocated in power-of-two
	// sizes (see [Pool]), so a MaxInbound that is a power of two is also
	// the most memory the buffer takes. Zero means 4 MiB.
	MaxInbound int
	// HighWater is the number of queued outbound bytes above which
	// [Conn.Writable] turns false. Zero means 64 KiB.
	HighWater int
	// LowWater is the number of queued outbound bytes at or below which
	// [Conn.Writable] turns true again. Zero means HighWater/2; a value over
	// HighWater is lowered to it.
	LowWater int
	// Poison, a debugging aid, overwrites a frame's bytes with [PoisonByte]
	// as soon as the frame stops being valid, so that code keeping a
	// borrowed frame instead of cloning it reads garbage in tests rather than
	// a later frame's data in production.
	Poison bool
	// Pool supplies the buffers. Nil means a package-wide default pool.
	Pool *Pool
}

// The defaults of [Config].
const (
	DefaultReadSize   = 4 << 10
	DefaultMaxInbound = 4 << 20
	DefaultHighWater  = 64 << 10
)

// PoisonByte is the value [Config.Poison] writes over released frames.
const PoisonByte = 0xDB

// Conn is a framed connection: it reads frames from, and writes frames to,
// an underlying [io.ReadWriter], usually a [net.Conn].
//
// Concurrency: the reading methods ([Conn.ReadFrame], [Conn.TryReadFrame],
// [Conn.InboundBuffered]) must be called from one goroutine at a time, and
// the writing methods ([Conn.Begin], [Conn.Finish], [Conn.FinishRef],
// [Conn.WriteFrame], [Conn.Flush], [Conn.OutboundBuffered],
// [Conn.Writable]) from one goroutine at a time; the two sides may run
// concurrently, in two goroutines. [Conn.Release] belongs to both sides:
// call it only while neither runs, as a goroutine that does both can.
// [Conn.Close], [Conn.NetConn] and the deadline methods are safe from any
// goroutine at any time. Nothing on the data path takes a lock.
type Conn struct {
	rw      io.ReadWriter
	framing frame.Framing
	pool    *Pool

	readSize   int
	adaptive   int // the size of the next inbound buffer taken (see Config.ReadSize)
	small      int // reads in a row that brought less than adaptive/8
	maxInbound int
	highWater  int
	lowWater   int
	poison     bool

	closed atomic.Bool // set by Close; makes Release drop everything

	// Reading side. The inbound buffer:
	//
	//	0          r            w           len(in)
	//	| consumed | unconsumed | free space |
	//	           ^ stream offset pos
	inBox   *[]byte // the pooled buffer in came from, nil when released
	in      []byte  // len(in) is the usable size, at most maxInbound
	r, w    int
	pos     int64       // stream offset of in[r]: bytes consumed so far
	lent    int         // length of the frame last returned, which ends at in[r]
	cur     frame.Frame // the frame last split
	discard int         // bytes of a skipped frame that are still to arrive
	// resyncer, while not nil, finds the end of a skipped frame (after
	// discard): the bytes it claims are dropped as they arrive.
	resyncer frame.Resyncer
	pending  error // a read error that came with data, returned by the next read
	fatal    error // sticky: returned by every read

	// Writing side. The bytes queued, in wire order, are out[sent:] with
	// each attached payload refs[i] inserted before out[refs[i].at].
	outBox   *[]byte // the pooled buffer out came from, nil when released
	out      []byte
	sent     int // bytes of out already written
	refs     []ref
	refHead  int // refs[:refHead] are written
	refBytes int // unwritten bytes of refs[refHead:]
	iovBuf   [][]byte
	iov      net.Buffers // the segments of a flush; consumed by WriteTo
	writable bool
}

// New returns a Conn that reads and writes frames of f over rw.
func New(rw io.ReadWriter, f frame.Framing, cfg Config) *Conn {
	c := &Conn{
		rw:         rw,
		framing:    f,
		pool:       cfg.Pool,
		readSize:   orDefault(cfg.ReadSize, DefaultReadSize),
		maxInbound: orDefault(cfg.MaxInbound, DefaultMaxInbound),
		highWater:  orDefault(cfg.HighWater, DefaultHighWater),
		poison:     cfg.Poison,
		writable:   true,
	}
	if c.pool == nil {
		c.pool = &defaultPool
	}
	c.readSize = min(c.readSize, c.maxInbound)
	c.adaptive = c.readSize
	c.lowWater = min(orDefault(cfg.LowWater, c.highWater/2), c.highWater)
	return c
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// NetConn returns the underlying connection, or nil if the io.ReadWriter
// given to [New] is not a [net.Conn].
func (c *Conn) NetConn() net.Conn {
	nc, _ := c.rw.(net.Conn)
	return nc
}

// deadliner is the part of net.Conn (and *os.File) that sets deadlines.
type deadliner interface {
	SetDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

func (c *Conn) deadliner() (deadliner, error) {
	if d, ok := c.rw.(deadliner); ok {
		return d, nil
	}
	return nil, os.ErrNoDeadline
}

// SetDeadline sets the read and write deadlines of the underlying
// connection, as [net.Conn.SetDeadline]. A read or write past the deadline
// fails with an error for which errors.Is(err, os.ErrDeadlineExceeded) holds;
// the Conn stays usable once the deadline is extended. It returns
// [os.ErrNoDeadline] when the underlying io.ReadWriter has no deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	d, err := c.deadliner()
	if err != nil {
		return err
	}
	return d.SetDeadline(t)
}

// SetReadDeadline sets the underlying connection's read deadline, as
// [Conn.SetDeadline] sets both.
func (c *Conn) SetReadDeadline(t time.Time) error {
	d, err := c.deadliner()
	if err != nil {
		return err
	}
	return d.SetReadDeadline(t)
}

// SetWriteDeadline sets the underlying connection's write deadline, as
// [Conn.SetDeadline] sets both. A [Conn.Flush] cut short by it leaves the
// unwritten bytes queued.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	d, err := c.deadliner()
	if err != nil {
		return err
	}
	return d.SetWriteDeadline(t)
}

// Close closes the underlying connection if it is an [io.Closer]. Like
// [net.Conn.Close] it may be called from any goroutine, to unblock a
// ReadFrame or Flush waiting in another. It leaves the buffers alone, since
// those goroutines may still be using them: once they have returned, a call
// to [Conn.Release] gives both buffers back to the pool whatever they hold.
// Without that call the buffers are simply left to the garbage collector.
func (c *Conn) Close() error {
	c.closed.Store(true)
	if cl, ok := c.rw.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// BufferCap returns the capacity in bytes of the buffers the Conn holds,
// inbound and outbound: 0 once [Conn.Release] has given both back, as it
// does on an idle connection. It is for accounting and tests; like Release
// it must not run concurrently with any reading or writing method.
func (c *Conn) BufferCap() int {
	n := 0
	if c.inBox != nil {
		n += cap(c.in)
	}
	if c.outBox != nil {
		n += cap(c.out)
	}
	return n
}

// Idle reports whether c holds nothing but its settings and its stream
// offset: no buffer, no byte queued either way, no frame being skipped, no
// error. An idle Conn can be [Conn.Reset] for another connection, or for the
// same one later, so that a program holding many idle connections keeps one
// Conn per active connection only. Like Release it must not run
// concurrently with any reading or writing method.
func (c *Conn) Idle() bool {
	return c.inBox == nil && c.outBox == nil && c.discard == 0 && c.resyncer == nil &&
		c.pending == nil && c.fatal == nil && !c.closed.Load()
}

// Offset returns the stream offset of the next byte a frame will be split
// from: the bytes consumed so far, frames and skipped bytes.
func (c *Conn) Offset() int64 { return c.pos }

// Reset makes c a Conn over rw, with the framing and Config it was made
// with, as [New] would, except that stream offsets (in errors) count on
// from offset: pass the [Conn.Offset] of the Conn that served the
// connection so far. Whatever c held is dropped: call it on an [Conn.Idle]
// Conn, or after [Conn.Release] on a closed one. The read size c adapted
// to (see Config.ReadSize) stays: a server that passes idle Conns from one
// connection to another keeps sizing buffers by its recent traffic.
func (c *Conn) Reset(rw io.ReadWriter, offset int64) {
	// Keep the slices' arrays that carry no connection's data, so that a
	// reused Conn does not allocate them again.
	refs, iovBuf := c.refs[:0], c.iovBuf[:0]
	*c = Conn{
		rw:         rw,
		framing:    c.framing,
		pool:       c.pool,
		readSize:   c.readSize,
		adaptive:   c.adaptive,
		small:      c.small,
		maxInbound: c.maxInbound,
		highWater:  c.highWater,
		lowWater:   c.lowWater,
		poison:     c.poison,
		pos:        offset,
		refs:       refs,
		iovBuf:     iovBuf,
		writable:   true,
	}
}

// Release ends the validity of the last frame read, then gives the inbound
// buffer back to the pool if it holds no unread bytes, and the outbound
// buffer if nothing is queued; after [Conn.Close] it gives both back
// regardless, dropping what they hold. The next read or write takes a buffer
// again, so an idle connection that calls Release before waiting for data
// holds no buffer.
//
// Release touches both sides of the Conn: it must not run concurrently with
// any reading or writing method.
func (c *Conn) Release() {
	c.releaseFrame()
	closed := c.closed.Load()
	if c.inBox != nil && (closed || c.r == c.w) {
		c.pool.Put(c.inBox)
		c.inBox, c.in = nil, nil
		c.r, c.w = 0, 0
	}
	if c.outBox != nil && (closed || c.OutboundBuffered() == 0) {
		*c.outBox = c.out // out may have outgrown the pooled array
		c.pool.Put(c.outBox)
		c.outBox, c.out = nil, nil
		c.resetOutbound()
	}
}
