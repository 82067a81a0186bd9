// Package dgram carries framed protocols over UDP: a [Server] that answers
// the frames in the datagrams it receives, and a client [Conn]. They use the
// same [frame.Framing] and codecs as the stream-based server and client, so
// a protocol defined once runs over TCP and UDP alike.
//
// # Datagrams and frames
//
// A datagram holds one or several whole frames, back to back; it is split
// with the framing until it is used up. A frame never spans datagrams:
//
//	datagram (≤ MaxDatagram bytes, default 1472)
//	+--------------------------+--------------------+-----------------+
//	| frame                    | frame              | frame           |
//	| hdr | payload | trailer  | hdr | payload |trl | hdr | payload...|
//	+--------------------------+--------------------+-----------------+
//
// On the write side, frames are packed into the datagram being filled while
// it stays within MaxDatagram, and the frame that would overflow it starts
// the next one; a frame longer than MaxDatagram is refused with a
// [*FrameTooLargeError]. On the read side, a datagram that cannot be read
// whole as frames is malformed and its bad bytes are dropped, with a
// [*DropError] whose [Reason] says why:
//
//   - [Oversized]: longer than MaxDatagram; dropped unread.
//   - [Incomplete]: it ends inside a frame (whose rest will never come).
//   - [Malformed]: the framing refused a frame (bad magic, bad checksum, a
//     length over the framing's maximum, ...); the framing's *frame.Error
//     is wrapped.
//
// The frames before the bad bytes were complete and accepted by the framing,
// checksum included, so they are delivered. A framing error that the framing
// can step over (a Delimited framing discarding an over-long line) drops
// that frame only; any other drops the rest of the datagram.
//
// # Zero allocation
//
// A server reads into buffers it keeps, hands out frames that borrow them,
// packs responses into a buffer it keeps and reads peers' addresses as
// [netip.AddrPort] values: in the steady state a datagram costs no
// allocation, whichever I/O path runs. On Linux the server reads and sends
// up to [Server.Batch] datagrams per system call (recvmmsg, sendmmsg); it
// issues those calls itself through the socket's syscall.RawConn, because
// golang.org/x/net/ipv4's batch API allocates a *net.UDPAddr for each
// datagram received.
package dgram
