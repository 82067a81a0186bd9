//go:build !linux

package dgram

import "net"

// newBatchIO reports that batched datagram I/O is not available here: only
// Linux has recvmmsg and sendmmsg.
func newBatchIO(*net.UDPConn, int) (packetIO, error) { return nil, nil }
