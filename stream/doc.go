// Package stream runs a framed connection over any [net.Conn] or
// [io.ReadWriter]: it reads bytes into a buffer and cuts frames out of it
// with a [frame.Framing], and it queues outgoing frames in a buffer that one
// write sends.
//
// # Reading
//
// [Conn.ReadFrame] reads only when the inbound buffer holds no complete
// frame, and each read asks for all the free space, so one read syscall
// brings in as many frames as the peer has sent. The buffer:
//
//	0            r                       w                len(in)
//	+------------+------+------+---------+----------------+
//	|  consumed  | frame| frame| partial |      free      |
//	+------------+------+------+---------+----------------+
//	              ◀── InboundBuffered ──▶  ◀── next Read ─▶
//
// Frames are cut from in[r:w] without copying. When a read is due and the
// free space is less than [Config.ReadSize], the unconsumed bytes move to the
// front (only the partial frame, usually a few bytes); when one partial frame
// fills the whole buffer, the buffer doubles, up to [Config.MaxInbound], past
// which the frame is refused. Checking a frame's length is the framing's job,
// as soon as the length field arrives; MaxInbound is the backstop.
//
// # Ownership
//
// A frame returned by [Conn.ReadFrame] or [Conn.TryReadFrame] borrows the
// inbound buffer: it is valid until the next call to ReadFrame, TryReadFrame
// or [Conn.Release], after which its bytes belong to the next frames, or to
// another connection. To keep a frame, keep [frame.Frame.Clone]. Go cannot
// check this rule; [Config.Poison] makes breaking it visible in tests by
// overwriting every frame with [PoisonByte] the moment it stops being valid.
//
// # Writing
//
// Frames are appended to the outbound buffer in place ([Conn.Begin], then
// the caller appends the body, then [Conn.Finish] backfills the length and
// checksum), and stay there until [Conn.Flush] writes them all in one write
// call. A large payload can be attached by reference with [Conn.FinishRef]:
// it is written from where it lies, between the bytes queued before and after
// it, in one vectored write:
//
//	queue:  out[0:at] ─▶ payload ─▶ out[at:]      (net.Buffers, writev)
//	        header+body   by ref     trailer, next frames
//
// Finish never writes. The writer decides when to flush: when it has nothing
// more to queue (a server: when [Conn.TryReadFrame] reports no complete
// request left), or when [Conn.Writable] turns false because more than
// [Config.HighWater] bytes are queued. Writable turns true again only once
// the queue is down to [Config.LowWater]; between the two marks it keeps its
// value (hysteresis), so a producer near the mark does not flap.
//
// # Memory
//
// Buffers come from a [Pool] and go back to it on [Conn.Release] when empty,
// so an idle connection that calls Release before waiting for data holds no
// buffer. In the steady state reading, writing and flushing allocate nothing
// and take no lock.
package stream
