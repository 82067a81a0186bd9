//go:build !linux

package client

// loopsRun reports whether event loops run on this system.
const loopsRun = false

// On systems other than Linux, Loops holds no loop and adopts no
// connection: sessions run on goroutines.
type (
	loop     struct{ set interface{ Close() } }
	loopConn struct{}
)

func newLoop(*Loops) (*loop, error)   { panic("client: no event loops on this system") }
func (l *loop) run()                  {}
func (l *loop) stop()                 {}
func (l *loop) board() (int, bool)    { return -1, false }
func (l *loop) visit() bool           { return false }
func (l *loop) alight()               {}
func (ls *Loops) adopt(*session) bool { return false }
func (lc *loopConn) post(uint32) bool { return false }
func (lc *loopConn) open() bool       { return false }
func (lc *loopConn) closeFD()         {}

// What a loop is asked to do; unused here.
const (
	todoFlush uint32 = 1 << iota
	todoKill
)
