// Package client sends requests to a server of a framed protocol and matches
// the responses to their calls by request id, over a pool of connections
// that it keeps open.
//
//	Call ─┐ goroutines                 one connection of the pool
//	Call ─┼─▶ pick ─▶ register id ─▶ queue frame ─▶ writer ─one Write per batch─▶ socket
//	Call ─┘   (fewest in flight)   (id table)       (wbuf)                         │
//	   ▲                                                                            │
//	   └── payload copied to dst ◀── id table ◀── ReadFrame ◀──── reader ◀──────────┘
//
// # Correlation
//
// Every request gets an id from its connection, unique among the ids in use
// there (see [Config.IDWidth] for how ids are chosen and wrap around), so
// responses may come back in any order and still reach their calls; many
// goroutines share one connection and keep many calls in flight on it
// (pipelining). A response whose id matches no call is logged, counted in
// [Stats].Unmatched and dropped.
//
// # Writing: batches, not a write per call
//
// A call appends its frame to the connection's outbound buffer under a
// mutex, then wakes the connection's writer goroutine if it is idle. The
// writer swaps in an empty buffer and writes the batch with one Write outside
// the lock, while later calls append to the other buffer; it loops until it
// finds nothing queued. Under concurrent load each Write carries every frame
// queued while the previous one ran, and a call pays for waking the writer
// only when the writer is idle. The writer yields once when woken, so that
// callers already runnable queue their frames before it writes: without
// that, calls spread over several connections would each get a Write.
//
// Why a writer goroutine rather than letting the first caller write (a lock
// plus flush-when-idle): a Write can block (the server stops reading and the
// socket buffer fills) and cannot be interrupted by a context, so a caller
// drafted into writing would overstay its deadline, and a caller drafted
// into writing the frames of others could be kept at it for as long as the
// load lasts. With the writer, a caller never waits in a system call: every
// wait in Call is a channel receive that also watches its context. The
// price is one goroutine wake-up per batch; BenchmarkCall measures it. (A
// trial of the caller writing itself did not lower the latency of one call
// at a time, which loopback system calls dominate, and cost throughput with
// 64 callers.)
//
// # Ownership and allocations
//
// Response frames are read into a buffer that the next read reuses, so
// [Client.Call] copies the payload into the caller's dst. With a dst of
// enough capacity reused from call to call, a call allocates nothing: the
// per-call state, its wake-up channel included, comes from a pool.
//
// # Giving up, losing connections, retrying
//
// A call whose context ends returns ctx.Err() at once and frees its place
// among the connection's calls in flight ([Config.MaxPending]). Its request
// id stays reserved until the late response arrives (and is discarded,
// counted in [Stats].Late) or the connection dies, so that response cannot
// reach a later call that would have reused the id.
//
// When a connection dies (read or write error, end of stream, or bytes the
// framing refuses), every call in flight on it fails at that moment with one
// [*ConnError] (errors.Is(err, [ErrConnLost])). A call marked
// [Request.Idempotent] is sent again instead, on another connection or on
// the same one once it is back; no other call is ever sent twice. The
// connection is dialed again in the background with capped exponential
// backoff and full jitter ([Backoff]). Calls made while no connection is up
// wait for one, bounded by their context.
//
// # Goroutines or event loops
//
// By default each connection runs on two goroutines: one reads and, when
// the connection dies, redials; one writes. With [Config.Loops] the
// connections run on event loops instead ([NewLoops]; Linux): a
// connection is then a non-blocking socket in a loop's epoll set, with no
// goroutine of its own and no read buffer while no response is arriving.
// A call wakes the loop as it would wake the writer; the loop writes each
// connection's batch with one write (resuming on writability when the
// socket is full), and reads, splits and delivers the responses as they
// arrive. Only a connection that died has a goroutine, the one redialing
// it. The id table, the outbound buffer and the teardown are the same on
// both, and the client's tests run on both. A server's poll engine can run
// the loops itself (server.Server.Guests), for a proxy whose handlers call
// through the client.
//
// # Asynchronous calls
//
// [Client.Go] sends a request and returns; a function of the caller's gets
// the response, or the error, on the goroutine that ends the call: the
// connection's reader or its loop. It never waits, and so fails at once
// where Call would wait (no connection up, every connection full). A
// handler that answers later (server.Writer.Defer) from Go's function
// keeps no goroutine waiting for the backend.
//
// Measured here (go test ./client -run '^$' -bench IdleConns -benchtime 1x):
// an idle pooled connection costs the client about 13 KiB on goroutines and
// 1.5 KiB on loops. A load generator or a proxy holding thousands of
// connections wants the loops; TLS connections always run on goroutines.
// The loops are the client's own, next to a server's: a proxy runs a
// server's poll engine for its clients and a Loops for its backends, each
// without a goroutine per connection.
package client
