// Package epoll, on Linux, is the event-loop core that the server's poll engine and
// the client's loops share: an epoll set, an eventfd that wakes its waiter
// from any goroutine, and a wait that parks the waiting goroutine in the Go
// runtime's poller instead of blocking its thread in epoll_wait.
//
// Parking there, rather than blocking the thread in epoll_wait as C event
// loops (and gnet) do, keeps a loop a goroutine like others: a thread
// blocked in a system call holds its processor until the runtime's monitor
// takes it back (20 us to 10 ms later), and with one processor
// (GOMAXPROCS=1, a server pinned to a core) every other goroutine of the
// process (one finishing a reply, an acceptor, timers, a client in the same
// process) waits that long. The price is paid per wake-up from idle: one
// more epoll_wait and a trip through the scheduler. Measured here with a
// server on one core and one connection with one request in flight,
// blocking for up to 200 us first (Set.SetBlock, the server's LoopBlock)
// answers about 5 us sooner and spends about 4 us less CPU per request
// (bench/results/loop-block.md); but a round trip with a client in the
// same process takes 13 us parked and 46-198 us blocking with one
// processor, 25-70 us with two (BenchmarkLoopBlockInProcess in package
// server). Under load a loop seldom parks, and both cost alike. Polling
// before waiting (Set.SetSpin, the server's LoopSpin) does what blocking
// did not: input that comes while the loop polls wakes no thread.
package epoll
