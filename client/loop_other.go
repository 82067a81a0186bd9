//go:build !linux

package client

import "sync/atomic"

// loopsRun reports whether event loops run on this system.
const loopsRun = false

// On systems other than Linux, Loops holds no loop and adopts no
// connection: sessions run on goroutines.
type (
	loop     struct{ set interface{ Close() } }
	loopConn struct{}
)

func newLoop(*atomic.Int64) (*loop, error) { panic("client: no event loops on this system") }
func (l *loop) run()                       {}
func (l *loop) stop()                      {}
func (ls *Loops) adopt(*session) bool      { return false }
func (lc *loopConn) post(uint32) bool      { return false }
func (lc *loopConn) open() bool            { return false }
func (lc *loopConn) closeFD()              {}

// What a loop is asked to do; unused here.
const (
	todoFlush uint32 = 1 << iota
	todoKill
)
