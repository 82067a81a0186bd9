package server

// A Guest is a set of event loops that a server's poll engine can run (see
// [Server.Guests]): *client.Loops is one. As the engine starts, it boards
// the guest, which stops its own goroutines, and registers each guest
// loop's epoll descriptor in one of its loops' epoll sets, in turn; that
// loop then visits the guest loop whenever the descriptor is readable, in
// the same wake-up as its own connections, and gives it back (Alight) as
// it exits.
//
// A guest loop's work runs on the server's loop: it must not block. And a
// handler that waits for a guest loop's work (a client call on it, say)
// must not wait on the loop itself, whose next wake-up would do the
// work: it answers later ([Writer.Defer]), from the function of client.Go
// for one, or declares the frame blocking ([BlockingHandler]), which costs
// a goroutine hand-off per frame (bench/results/proxy.md).
//
// The engine boards its guests as it starts (the first Serve on the poll
// engine), and Board waits for the work each guest loop has in hand; the
// server's lock is not held meanwhile, so that work (a client.Go function,
// say) may call the server, Close and Shutdown included
// (TestGuestClosesHostWhileBoarding).
type Guest interface {
	// Board stops the guest's goroutines and returns its loops' epoll
	// descriptors, by loop (-1 for one that has ended), or nil if it will
	// not be hosted (it has a host, or is closed).
	Board() []int
	// Visit does what loop i has ready, without blocking, and reports
	// false once the loop has ended: it is then forgotten.
	Visit(i int) bool
	// Alight gives loop i back to a goroutine of its own.
	Alight(i int)
}
