package server

import "strconv"

// ConnState is a state of a connection, reported to [Server.ConnState].
//
//	StateNew ──▶ StateActive ◀──▶ StateIdle
//	                  │               │
//	                  └──▶ StateClosed ◀┘
type ConnState uint8

const (
	// StateNew: just accepted; nothing read yet.
	StateNew ConnState = iota
	// StateActive: bytes of a request have arrived, or requests are being
	// answered.
	StateActive
	// StateIdle: between requests with nothing pending: no unanswered
	// request, no unsent response. An idle connection over a socket holds
	// no buffer (on either engine).
	StateIdle
	// StateClosed: closed. The hook is called once, last.
	StateClosed
)

var stateNames = [...]string{"new", "active", "idle", "closed"}

func (s ConnState) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}
