package epoll

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// WakeData is the epoll data (the Fd field of an event) of the set's
// eventfd: [Set.Wait] reports it after [Set.Wake]. Callers give their own
// descriptors non-negative data.
const WakeData = -1

// Set is an epoll set with its eventfd. Wait, ClearWake, Add and Modify
// belong to the one goroutine that runs the loop; Wake is for any
// goroutine, until Close.
type Set struct {
	epfd int
	evfd int

	// The epoll set as a file of the runtime's poller: the waiter parks
	// there while nothing is ready.
	ep    *os.File
	rc    syscall.RawConn
	ready func(uintptr) bool // s.pollReady, bound once: a closure per wait would allocate

	block    time.Duration // how long Wait may block its thread first (see SetBlock)
	spinMax  time.Duration // the longest Wait polls before it waits (see SetSpin)
	spinWin  time.Duration // how long the next Wait polls, adapted at each
	yield    bool          // GOMAXPROCS was 1 when the window last opened
	deadline time.Time     // as set by SetDeadline; zero: none

	events []unix.EpollEvent
	n      int // events[:n] are ready
}

// one is an eventfd increment: a uint64 1 in the host's byte order.
var one = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return
}()

// New returns a set whose Wait reports at most maxEvents events at a time.
func New(maxEvents int) (*Set, error) {
	s := &Set{epfd: -1, evfd: -1, events: make([]unix.EpollEvent, maxEvents)}
	var err error
	if s.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if s.evfd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		s.Close()
		return nil, os.NewSyscallError("eventfd", err)
	}
	if err := s.Add(s.evfd, unix.EPOLLIN, WakeData); err != nil {
		s.Close()
		return nil, err
	}
	// A non-blocking descriptor given to os.NewFile joins the runtime's
	// poller.
	if err := unix.SetNonblock(s.epfd, true); err != nil {
		s.Close()
		return nil, os.NewSyscallError("fcntl", err)
	}
	s.ep = os.NewFile(uintptr(s.epfd), "epoll")
	s.ready = s.pollReady
	if s.rc, err = s.ep.SyscallConn(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the set and its eventfd. The descriptors in the set are the
// caller's to close.
func (s *Set) Close() {
	if s.evfd >= 0 {
		unix.Close(s.evfd)
	}
	switch {
	case s.ep != nil:
		s.ep.Close()
	case s.epfd >= 0:
		unix.Close(s.epfd)
	}
}

// Add registers fd for events, reported with data.
func (s *Set) Add(fd int, events uint32, data int32) error {
	return s.ctl(unix.EPOLL_CTL_ADD, fd, events, data)
}

// Modify changes the events of fd, registered with data.
func (s *Set) Modify(fd int, events uint32, data int32) error {
	return s.ctl(unix.EPOLL_CTL_MOD, fd, events, data)
}

func (s *Set) ctl(op, fd int, events uint32, data int32) error {
	ev := unix.EpollEvent{Events: events, Fd: data}
	if err := unix.EpollCtl(s.epfd, op, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

// Wake makes the waiter's next Wait report WakeData, from any goroutine.
func (s *Set) Wake() {
	for {
		if _, err := unix.Write(s.evfd, one[:]); err != unix.EINTR {
			return // EAGAIN: the counter is full, the waiter is woken anyway
		}
	}
}

// ClearWake resets the eventfd after Wait reported WakeData: call it before
// taking what the wakers left, so that a Wake after the taking is not lost.
func (s *Set) ClearWake() {
	var buf [8]byte
	unix.Read(s.evfd, buf[:])
}

// SetDeadline bounds the Waits to come: past t (the zero time: never) they
// return with no event. It costs a timer update: call it when t changes.
func (s *Set) SetDeadline(t time.Time) {
	s.deadline = t
	s.ep.SetReadDeadline(t)
}

// SetBlock makes each Wait that finds nothing ready first wait up to d in
// epoll_pwait2 itself, its thread blocked in the kernel as C event loops
// wait, before it parks in the runtime's poller. Input that comes within d
// is then served without a trip through the scheduler (about 5 us sooner on
// this machine, and less CPU per wake-up); but while the thread is blocked
// it keeps its processor, and the process's other goroutines wait until
// the runtime takes it back, which may take milliseconds when GOMAXPROCS
// is small. Zero, the default, parks at once.
func (s *Set) SetBlock(d time.Duration) { s.block = max(d, 0) }

// SetSpin makes each Wait that finds nothing ready first poll the set for
// a while before it blocks or parks: input that comes meanwhile is served
// without the wake-up of a sleeping thread, which costs more than the
// polling on a virtual machine whose idle processor halts (see the
// server's LoopSpin for figures and what it costs the rest of the
// process). With one processor (GOMAXPROCS=1) it yields it between
// polls, so that the goroutines made runnable meanwhile run; with more it
// does not, as each yield would wake an idle processor's thread
// (GOMAXPROCS is read when the window opens: reading it takes the
// scheduler's lock). How long it polls adapts, as Linux's haltpoll
// governor adapts its guest polling: a wait that outlasted the window but
// not d doubles it (at least d/4), one longer than d halves it, so that a
// loop whose input comes seldom soon stops polling. Zero, the default,
// never polls. Setting the value the set has already changes nothing.
func (s *Set) SetSpin(d time.Duration) {
	if d = max(d, 0); d != s.spinMax {
		s.spinMax, s.spinWin = d, 0
	}
}

// minSpin is the shortest window worth polling for: below it, the window
// closes.
const minSpin = time.Microsecond

// Wait returns the events ready: at once if any is, else once the
// goroutine, parked in the runtime's poller, is woken because the set has
// become readable or the deadline has passed, in which case it returns
// none. The events are valid until the next Wait.
func (s *Set) Wait() []unix.EpollEvent {
	s.n = 0
	var from time.Time
	if s.spinMax > 0 {
		from = time.Now()
		if s.spin(from) {
			return s.events[:s.n]
		}
	}
	if s.block == 0 || !s.waitBlocked() {
		s.rc.Read(s.ready) // an error is the deadline: no event
	}
	if s.spinMax > 0 {
		s.adapt(time.Since(from))
	}
	return s.events[:s.n]
}

// Poll returns the events ready now, without waiting: for a loop that
// another loop runs (a guest), its set nested in the other's, which
// reports it readable while it has events ready. The events are valid
// until the next Poll or Wait.
func (s *Set) Poll() []unix.EpollEvent {
	s.n = 0
	s.pollReady(uintptr(s.epfd))
	return s.events[:s.n]
}

// Fd returns the epoll descriptor, to nest the set in another: it is
// readable while events are ready.
func (s *Set) Fd() int { return s.epfd }

// spin polls the set until events come or the window since from passes.
func (s *Set) spin(from time.Time) bool {
	if s.spinWin == 0 {
		return false
	}
	end := from.Add(s.spinWin)
	for {
		if s.pollReady(uintptr(s.epfd)) {
			return true
		}
		if !time.Now().Before(end) {
			return false
		}
		if s.yield {
			runtime.Gosched()
		}
	}
}

// adapt sizes the next window after a wait that polling did not cut short
// and that lasted idle.
func (s *Set) adapt(idle time.Duration) {
	if s.n > 0 && idle <= s.spinMax {
		if s.spinWin == 0 {
			s.yield = runtime.GOMAXPROCS(0) == 1
		}
		s.spinWin = min(max(2*s.spinWin, s.spinMax/4), s.spinMax)
		return
	}
	if s.spinWin /= 2; s.spinWin < minSpin {
		s.spinWin = 0
	}
}

// waitBlocked waits up to s.block (and not past the deadline) for events
// in a blocking system call, and reports whether any came.
func (s *Set) waitBlocked() bool {
	d := s.block
	if !s.deadline.IsZero() {
		if d = min(d, time.Until(s.deadline)); d <= 0 {
			return false
		}
	}
	ts := unix.NsecToTimespec(int64(d))
	for {
		n, _, errno := syscall.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(s.epfd), uintptr(unsafe.Pointer(&s.events[0])), uintptr(len(s.events)), uintptr(unsafe.Pointer(&ts)), 0, 0)
		switch errno {
		case 0:
			s.n = int(n)
			return s.n > 0
		case unix.EINTR:
			continue
		case unix.ENOSYS: // before Linux 5.11: park at once from now on
			s.block = 0
		}
		return false
	}
}

// pollReady takes the events ready now, without waiting (a raw system
// call, since it cannot block), and reports whether there are any.
func (s *Set) pollReady(epfd uintptr) bool {
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, epfd, uintptr(unsafe.Pointer(&s.events[0])), uintptr(len(s.events)), 0, 0, 0)
		if errno != unix.EINTR {
			if errno == 0 {
				s.n = int(n)
			}
			return s.n > 0
		}
	}
}

// MaxReadsPerPass bounds the reads of one connection in one wake-up of its
// loop. A loop reads each ready connection once per wake-up, and again at
// once only while a read fills its buffer (a frame larger than the
// buffer, say); without a bound, a peer that keeps its socket full would
// hold the loop, and every other connection on it, for as long as it
// sends. What is left waits for the next wake-up, which level-triggered
// epoll reports at once.
const MaxReadsPerPass = 16

// ReadPass is Read within a pass: it reads only if *left allows, and
// leaves in *left what the pass allows after it: nothing unless the read
// filled b. A loop sets *left to MaxReadsPerPass where a pass begins.
func ReadPass(fd int, b []byte, left *uint8) (int, error) {
	if *left == 0 {
		return 0, ErrWouldBlock
	}
	n, err := Read(fd, b)
	if err == nil && n == len(b) {
		*left--
	} else {
		*left = 0
	}
	return n, err
}

// ErrWouldBlock is what Read returns when the socket has nothing to read
// yet: the loop waits for it.
var ErrWouldBlock = errors.New("epoll: would block")

// Read reads once from the non-blocking descriptor fd, retrying when a
// signal interrupts it. It returns io.EOF at the end of the stream,
// ErrWouldBlock if nothing has arrived, and other failures as the bare
// errno, for the caller to wrap with its addresses.
func Read(fd int, b []byte) (int, error) {
	for {
		n, err := RawRead(fd, b)
		switch {
		case err == nil && n == 0:
			return 0, io.EOF
		case err == nil:
			return n, nil
		case err == unix.EAGAIN:
			return 0, ErrWouldBlock
		case err != unix.EINTR:
			return 0, err
		}
	}
}

// RawRead and RawWrite are read(2) and write(2) on a non-blocking
// descriptor, as raw system calls: the goroutine keeps its processor,
// without the runtime's entersyscall and exitsyscall around them. A loop's
// reads and writes never block, they only take the kernel's time to copy
// and, on loopback, deliver; but as ordinary system calls, the runtime's
// monitor sees a processor in a system call whenever one lasts across two
// of its ticks (20 µs apart), takes the processor away to hand it to
// another thread, and, having found work, keeps ticking every 20 µs: on a
// loop under load that was 5.6% of its CPU, and raw calls saved 11% of it
// (bench/results/raw-syscalls.md). Raw calls leave the monitor idle.
func RawRead(fd int, b []byte) (int, error) { return rawIO(unix.SYS_READ, fd, b) }

// RawWrite: see RawRead.
func RawWrite(fd int, b []byte) (int, error) { return rawIO(unix.SYS_WRITE, fd, b) }

func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	n, _, errno := unix.RawSyscall(trap, uintptr(fd), uintptr(p), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
