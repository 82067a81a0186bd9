package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/bits"
	"math/rand/v2"
	"net"
	"time"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// Config configures a [Client]. Only Framing is required; every other field
// documents its zero value.
type Config struct {
	// Framing cuts the server's byte stream into frames and writes the
	// requests. It must carry a request id (frame.Meta.ID): that is how
	// responses find their calls. Required.
	Framing frame.Framing

	// IDWidth is the width in bytes of the framing's request id field: 1,
	// 2, 4 or 8. Zero means 4, the reference protocol's.
	//
	// The client assigns the ids, counting up from 1 and wrapping around
	// within the field; it never sends id 0, which protocols (the reference
	// one among them) use for errors tied to no request. An id stays taken
	// from the moment its request is queued until its response arrives or
	// its connection dies, even if its call gave up earlier, so a late
	// response can never reach a later call: the counter skips the ids
	// still taken (and those that share an entry with one in the
	// connection's id table, which starts at 16 entries and doubles, up to
	// 2 × MaxPending, whenever the ids taken would fill more than half of
	// it). An id freed is
	// used again only after the counter has gone once around the field.
	IDWidth int

	// Conns is the number of connections in the pool. Each call goes to the
	// connection with the fewest calls in flight, ties broken round robin.
	// Zero means 1.
	Conns int

	// MaxPending bounds the calls in flight on each connection. When every
	// connection is full, Call waits for a free place, or for its context to
	// end. A call that gives up frees its place at once. Zero means 256.
	// It also bounds the memory a connection holds for requests the server
	// has not answered: their frames, each no larger than the framing's
	// maximum payload allows, are at most as many as the connection's id
	// table has entries (2 x MaxPending rounded up to a power of two),
	// counting those of calls that gave up, whose ids stay taken. When
	// none is free, a call waits for the calls in flight to free one (Go
	// fails with ErrPoolFull); when calls that gave up hold them all, the
	// connection fails with ErrIDsExhausted.
	// It is at most 65536, and at most half the ids the id field offers
	// (127 for a 1-byte field), so that abandoned calls leave room for new
	// ones.
	MaxPending int

	// MaxRetries is how many times an idempotent call (see
	// [Request.Idempotent]) is sent again after its connection died. Zero
	// means 2. Calls not marked idempotent are never sent twice.
	MaxRetries int

	// TLSConfig, if not nil, runs every connection over TLS with this
	// configuration. An empty ServerName is taken from the address's host,
	// as [tls.Dial] does.
	TLSConfig *tls.Config

	// Dialer opens the connections, before TLS. Nil means a [net.Dialer]'s
	// DialContext. Tests use it to wrap or refuse connections.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

	// DialTimeout bounds each connection attempt, TLS handshake included.
	// Zero means 10 s. The first attempts, made by [Dial], are also bounded
	// by Dial's context.
	DialTimeout time.Duration

	// Backoff spaces the attempts to open a connection again after one dies.
	Backoff Backoff

	// Logger receives connection events: attempts that failed, connections
	// lost (Warn), responses that match no call (the first on a connection
	// at Warn, the others at Debug; Stats counts them all), late responses
	// to calls that gave up (Debug). Nil means no logging.
	Logger *slog.Logger

	// Loops, if not nil, runs the connections on these event loops, which
	// other clients may share: a connection then has no goroutine of its
	// own, and holds no read buffer while no response is arriving (see
	// [Loops]). Connections that cannot run there run on goroutines, and
	// the client logs why, once: TLS connections, those a Dialer returns
	// as anything but a *net.TCPConn or *net.UnixConn, and all of them on
	// systems other than Linux.
	Loops *Loops

	// Stream configures the reading side of each connection: ReadSize,
	// MaxInbound, Pool and Poison are used as [stream.Config] documents
	// them. The client writes through its own buffers (see the package
	// documentation), so HighWater and LowWater do not apply.
	Stream stream.Config
}

// Defaults of [Config].
const (
	DefaultIDWidth     = 4
	DefaultMaxPending  = 256
	DefaultMaxRetries  = 2
	DefaultDialTimeout = 10 * time.Second
)

// maxMaxPending bounds Config.MaxPending, which keeps each connection's id
// table (2 × MaxPending entries of 16 bytes) at most 2 MiB.
const maxMaxPending = 1 << 16

// Backoff is the schedule of attempts to open a connection again: capped
// exponential backoff with full jitter. The n-th attempt in a row (n from 0)
// waits a time drawn uniformly from
//
//	[0, min(Max, Min × Multiplier^n)]
//
// "Full jitter" spreads the attempts of many clients that lost the same
// server over the whole interval, so they do not all come back in the same
// instant; the ceiling still grows exponentially, so a server that stays
// down is tried ever less often. Attempt n is 0 again once a connection has
// answered a call; a connection that dies before answering anything (a
// server that accepts and drops at once, say) keeps the count growing.
//
// With the defaults the ceilings are 100 ms, 200 ms, 400 ms, ... 6.4 s, then
// 10 s.
type Backoff struct {
	Min        time.Duration // ceiling of the first attempt's wait; zero means 100 ms
	Max        time.Duration // the largest ceiling; zero means 10 s
	Multiplier float64       // growth of the ceiling per attempt, at least 1; zero means 2
}

// Defaults of [Backoff].
const (
	DefaultBackoffMin        = 100 * time.Millisecond
	DefaultBackoffMax        = 10 * time.Second
	DefaultBackoffMultiplier = 2
)

// ceiling returns the longest wait before attempt n: Min × Multiplier^n,
// capped at Max. b has its defaults filled in.
func (b Backoff) ceiling(n int) time.Duration {
	c := float64(b.Min) * math.Pow(b.Multiplier, float64(n))
	if c >= float64(b.Max) { // also +Inf
		return b.Max
	}
	return time.Duration(c)
}

// delay draws the wait before attempt n from [0, ceiling(n)].
func (b Backoff) delay(n int, r *rand.Rand) time.Duration {
	return time.Duration(r.Int64N(int64(b.ceiling(n)) + 1))
}

// settings is a Config with its defaults filled in and what follows from it.
type settings struct {
	Config
	network, addr string
	idMask        uint64 // the largest id the id field holds
	tableSize     int    // entries in each connection's id table, a power of two
	log           *slog.Logger
}

func newSettings(network, addr string, cfg Config) (*settings, error) {
	s := &settings{Config: cfg, network: network, addr: addr}
	var errs []error
	if s.Framing == nil {
		errs = append(errs, errors.New("no Framing"))
	}
	switch s.IDWidth {
	case 0:
		s.IDWidth = DefaultIDWidth
	case 1, 2, 4, 8:
	default:
		errs = append(errs, fmt.Errorf("IDWidth %d is not 1, 2, 4 or 8", s.IDWidth))
		s.IDWidth = DefaultIDWidth // to check the other fields
	}
	s.idMask = math.MaxUint64 >> (64 - 8*s.IDWidth)
	maxPending := int(min(s.idMask/2, maxMaxPending))
	if s.MaxPending == 0 {
		s.MaxPending = min(DefaultMaxPending, maxPending)
	}
	if s.MaxPending < 0 || s.MaxPending > maxPending {
		errs = append(errs, fmt.Errorf("MaxPending %d is not in [1, %d] for a %d-byte id field", s.MaxPending, maxPending, s.IDWidth))
	}
	if s.Conns == 0 {
		s.Conns = 1
	}
	if s.Conns < 0 {
		errs = append(errs, fmt.Errorf("Conns %d is negative", s.Conns))
	}
	if s.MaxRetries == 0 {
		s.MaxRetries = DefaultMaxRetries
	}
	if s.MaxRetries < 0 {
		errs = append(errs, fmt.Errorf("MaxRetries %d is negative", s.MaxRetries))
	}
	if s.DialTimeout == 0 {
		s.DialTimeout = DefaultDialTimeout
	}
	b := &s.Backoff
	if b.Min == 0 {
		b.Min = DefaultBackoffMin
	}
	if b.Max == 0 {
		b.Max = max(DefaultBackoffMax, b.Min)
	}
	if b.Multiplier == 0 {
		b.Multiplier = DefaultBackoffMultiplier
	}
	if b.Min < 0 || b.Max < b.Min || b.Multiplier < 1 || math.IsNaN(b.Multiplier) {
		errs = append(errs, fmt.Errorf("Backoff %+v: want 0 <= Min <= Max and Multiplier >= 1", *b))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("client: invalid config: %w", errors.Join(errs...))
	}
	if s.Dialer == nil {
		s.Dialer = (&net.Dialer{}).DialContext
	}
	if s.TLSConfig != nil && s.TLSConfig.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		s.TLSConfig = s.TLSConfig.Clone()
		s.TLSConfig.ServerName = host
	}
	s.log = s.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// Twice MaxPending: calls that gave up keep their entries until their
	// responses come, and the id counter finds a free entry in a step or
	// two. Since MaxPending is at most half the ids, the table never has
	// more entries than the field has ids.
	s.tableSize = 1 << bits.Len(uint(2*s.MaxPending-1))
	return s, nil
}
