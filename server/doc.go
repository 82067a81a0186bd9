// Package server serves a framed binary protocol: accept loop, connection
// lifecycle, handlers, limits, timeouts, graceful shutdown, TLS, metrics
// and logs. It has the shape of net/http's Server: a plain struct whose
// zero fields mean sensible defaults, Serve on any net.Listener, Shutdown
// that drains and Close that does not.
//
//	srv := &server.Server{Framing: f, Handler: server.HandlerFunc(serve)}
//	err := srv.ListenAndServe("tcp", "127.0.0.1:7070")
//
// # The data path
//
//	socket ─read─▶ inbound buffer ─Framing.Split─▶ *Request (borrowed bytes)
//	       ─Handler.ServeFrame─▶ Writer.Begin/Finish: the answer is built
//	       in place in the outbound buffer ─one write per batch─▶ socket
//
// One read brings in every frame the peer has sent; the handler answers
// each in turn, appending to the connection's outbound buffer; only when no
// complete frame is left (or more than the high-water mark is queued) does
// the server write, once, for the whole batch. Under pipelined load that is
// one write system call for many answers, and in the steady state no
// allocation, no lock and no goroutine hand-off per request.
//
// # Handlers
//
// A [Handler] is called with a [*Writer] and a [*Request], both owned by the
// connection and valid only during the call: the request's bytes are the
// read buffer's (copy what you keep, or Clone the frame), and the writer
// appends to the outbound buffer. This lets the same handler run on engines
// that call it from different places (see Engines below). Hence the rules: a
// handler does not block, does not keep w or req, and answers later, from
// any goroutine, through a [*Reply] obtained with [Writer.Defer]; or, if it
// must block, says on which frames ([BlockingHandler]). Nothing in the API
// says which goroutine runs the handler.
//
// Answers leave in request order by default, also when some are deferred:
// each Reply holds a place in a queue, and the answers after it wait behind
// it (written into a side buffer, then copied in once it is Done). With
// [Server.Unordered], for protocols that carry a request id, a Reply goes out
// as soon as it is Done, collected with the others ready at that moment into
// one write by the connection's writer.
//
// # Limits and timeouts
//
// MaxConns bounds connections; MaxInFlight bounds the deferred replies of
// one connection, beyond which the server stops reading from that peer, so
// that TCP flow control pushes back on it alone; MaxBuffered bounds the
// bytes buffered each way, and so the largest frame accepted. IdleTimeout,
// FrameTimeout and WriteTimeout bound three distinct waits: for the first
// byte of a frame, for the rest of it, and for a write.
//
// # Engines
//
// [Server.Engine] selects what runs the connections; both run the same
// handlers with the same limits, timeouts, hooks, metrics and logs.
//
// The poll engine (Linux; the default there for TCP and Unix listeners)
// runs event loops over epoll, one per processor ([Server.Loops]), with the
// connections spread over them by [Server.Balance], or by the kernel with
// [Server.ReusePort]. A connection is a non-blocking socket in one loop's
// epoll set: no goroutine, and between batches no buffer and no stream
// either, about half a kilobyte in all. Each wake-up of a loop serves every
// ready connection: one read, every complete frame of it handed to the
// handler inline, the answers sent with one write (writev for payloads
// attached with [Writer.FinishRef]). A write the socket cuts short resumes
// when the socket is writable again, and the connection is not read while
// more than the high-water mark waits for it. Replies Done on other
// goroutines reach the loop through a lock-free inbox and an eventfd that
// wakes it; timeouts are a deadline heap per loop. A loop waits as a
// goroutine parked in the runtime's network poller, so it shares the
// processors with the program's other goroutines (also with GOMAXPROCS=1).
// [Server.LoopSpin] makes an idle loop poll epoll for a while first, and
// [Server.LoopBlock] block its thread in it, as gnet's loops do: lower
// latency at one request in flight (LoopSpin: less than half gnet's round
// trip on this machine), for a process that does nothing but serve. The
// watchdog below dozes while every loop is idle, so an idle server does
// not wake. The loops also run their [Server.Guests]: other event loops
// (client.Loops) whose epoll sets they nest in their own, so that a proxy
// serves its inbound and its backend connections on the same loops.
//
// A handler that blocks would stall its loop's other connections. Before a
// frame a [BlockingHandler] says may block, and when a handler has run past
// [Server.HandlerBudget] (a watchdog checks), the loop moves to a fresh
// goroutine; the goroutine in the handler serves that connection alone,
// in order, until it has answered what it read, then gives it back.
//
// The goroutine engine serves each connection on a goroutine of its own
// over Go's network poller, on any net.Listener. The server uses it for the
// listeners the poll engine cannot serve (TLS, wrapped listeners, other
// systems), and says so once in its log, at Info.
//
// # Memory of idle connections
//
// On the poll engine an idle connection costs about 0.5 KiB of the
// process's memory (measured with cmd/idleconns at 19,000 connections): its
// state and its place in its loop. Its stream and buffers are back with the
// loop and the pool; the kernel keeps the socket.
//
// On the goroutine engine a connection gives its read and write buffers
// back to a pool whenever it has nothing buffered and nothing pending. On
// Linux, a TCP or Unix connection then waits for input without a buffer,
// through syscall.RawConn, and takes a buffer from the pool only when input
// is there: a wait that begins peeks at one byte (MSG_PEEK), and a
// connection serving pipelined batches waits for the next inside the
// RawConn.Read that served the last, where the poller's report is enough,
// so a batch costs one read and one write. A connection idle for about a second
// moves that wait to a fresh goroutine, since the stack of the one that
// served has grown and the runtime does not shrink it back to its minimum,
// and drops its stream and Request too, taking others (from a pool) when
// input comes; one whose last wait was that long moves at once at its
// next, so a connection with a request a second pays a goroutine start per
// request and allocates nothing. An idle connection then costs about 2.7 KiB of memory,
// goroutine included, and up to 3.9 KiB among the first ones a process
// holds: the runtime allocates goroutine and poll descriptors once, and
// reuses them for later connections. TLS connections, and connections that
// are no syscall.Conn, read into their buffer directly and keep it while
// they wait.
//
// # Shutdown
//
// Shutdown stops accepting, then stops every connection from reading more;
// each answers the complete requests it has already read, waits for its
// pending replies, sends everything and closes with a lingering close: FIN
// first, then the peer's input read and dropped until the peer closes or a
// moment passes. Closing straight away with unread input would send an RST,
// and an RST can destroy answers still unread in the peer's receive buffer.
package server
