package client

import "errors"

var (
	// ErrConnLost is the error, under a [*ConnError], of every call in flight
	// on a connection when that connection dies:
	//
	//	errors.Is(err, client.ErrConnLost)
	//
	// The request may or may not have reached the server; only a request
	// marked [Request.Idempotent] is sent again.
	ErrConnLost = errors.New("client: connection lost")

	// ErrClosed is the error of calls in flight when [Client.Close] is
	// called, and of every call made after it.
	ErrClosed = errors.New("client: closed")

	// ErrIDsExhausted is the cause, under a [*ConnError], of a connection the
	// client closed because it had no request id left to give and calls
	// that gave up, whose responses never came, held them all (see
	// [Config.IDWidth] and [Config.MaxPending]; while calls in flight hold
	// some, a new call waits for one of those instead). A server that
	// leaves that many requests unanswered is deemed broken; the call that
	// found no id goes to another connection.
	ErrIDsExhausted = errors.New("client: request ids exhausted")

	// ErrLoopsClosed is the cause, under a [*ConnError], of the calls in
	// flight on connections whose [Loops] were closed, and the error of
	// attempts to open connections on them afterwards.
	ErrLoopsClosed = errors.New("client: event loops closed")

	// ErrNoConn is the error of [Client.Go] when no connection is up: the
	// server is away and the client is redialing. (Call waits instead.)
	ErrNoConn = errors.New("client: no connection up")

	// ErrPoolFull is the error of [Client.Go] when every connection has
	// [Config.MaxPending] calls in flight, or the connection it picked has
	// no request id free (see Config.MaxPending). (Call waits instead.)
	ErrPoolFull = errors.New("client: no room for another call in flight")
)

// ConnError is the error of a call whose connection died while the call was
// in flight. Every call in flight on that connection gets the same
// *ConnError.
//
// errors.Is(err, [ErrConnLost]) holds for it, and Unwrap gives the cause: the
// read or write error (io.EOF when the server closed the connection, a
// *net.OpError, ...), a *frame.Error when the server sent bytes the framing
// refused (errors.Is(err, frame.BadChecksum) works through it), or
// [ErrIDsExhausted].
type ConnError struct {
	Addr string // the server's address, as given to Dial
	Err  error  // the cause
}

func (e *ConnError) Error() string {
	return "client: connection to " + e.Addr + " lost: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ConnError) Unwrap() error { return e.Err }

// Is reports whether target is [ErrConnLost].
func (e *ConnError) Is(target error) bool { return target == ErrConnLost }
