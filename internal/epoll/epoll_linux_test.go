package epoll

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func newSet(t *testing.T) *Set {
	t.Helper()
	s, err := New(8)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// pipe returns a non-blocking pipe, closed when the test ends.
func pipe(t *testing.T) [2]int {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p
}

// TestWake: a Wake from another goroutine ends a Wait parked with no
// deadline, with the eventfd's event; after ClearWake the set is quiet
// again.
func TestWake(t *testing.T) {
	s := newSet(t)
	go func() {
		time.Sleep(10 * time.Millisecond)
		s.Wake()
	}()
	evs := s.Wait()
	if len(evs) != 1 || evs[0].Fd != WakeData {
		t.Fatalf("events %+v, want the eventfd's", evs)
	}
	s.ClearWake()
	s.SetDeadline(time.Now().Add(20 * time.Millisecond))
	if evs := s.Wait(); len(evs) != 0 {
		t.Fatalf("events %+v after ClearWake, want none", evs)
	}
}

// TestDescriptors: a registered pipe is reported with its data when
// readable, and Modify changes what it is reported for.
func TestDescriptors(t *testing.T) {
	s := newSet(t)
	p := pipe(t)
	if err := s.Add(p[0], unix.EPOLLIN, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(p[1], 0, 8); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(p[1], 0, 8); err == nil {
		t.Fatal("a second Add of the same descriptor succeeded")
	}
	unix.Write(p[1], []byte("x"))
	evs := s.Wait()
	if len(evs) != 1 || evs[0].Fd != 7 || evs[0].Events&unix.EPOLLIN == 0 {
		t.Fatalf("events %+v, want the read end's EPOLLIN", evs)
	}
	if err := s.Modify(p[1], unix.EPOLLOUT, 9); err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	unix.Read(p[0], buf[:])
	evs = s.Wait()
	if len(evs) != 1 || evs[0].Fd != 9 || evs[0].Events&unix.EPOLLOUT == 0 {
		t.Fatalf("events %+v, want the write end's EPOLLOUT", evs)
	}
}

// TestNested: a set nested in another (its Fd registered there) makes the
// outer one report it while it has events ready, which Poll then returns
// without waiting; with none ready, Poll returns none at once.
func TestNested(t *testing.T) {
	outer, inner := newSet(t), newSet(t)
	if err := outer.Add(inner.Fd(), unix.EPOLLIN, 3); err != nil {
		t.Fatal(err)
	}
	if evs := inner.Poll(); len(evs) != 0 {
		t.Fatalf("inner events %+v before any, want none", evs)
	}
	p := pipe(t)
	if err := inner.Add(p[0], unix.EPOLLIN, 5); err != nil {
		t.Fatal(err)
	}
	unix.Write(p[1], []byte("x"))
	outer.SetDeadline(time.Now().Add(5 * time.Second))
	evs := outer.Wait()
	if len(evs) != 1 || evs[0].Fd != 3 {
		t.Fatalf("outer events %+v, want the inner set's", evs)
	}
	evs = inner.Poll()
	if len(evs) != 1 || evs[0].Fd != 5 {
		t.Fatalf("inner events %+v, want the pipe's", evs)
	}
	var buf [1]byte
	unix.Read(p[0], buf[:])
	inner.Wake() // the inner set's own eventfd reaches the outer waiter too
	if evs := outer.Wait(); len(evs) != 1 || evs[0].Fd != 3 {
		t.Fatalf("outer events %+v after the inner Wake, want the inner set's", evs)
	}
	if evs := inner.Poll(); len(evs) != 1 || evs[0].Fd != WakeData {
		t.Fatalf("inner events %+v, want its wake-up", evs)
	}
	inner.ClearWake()
	outer.SetDeadline(time.Now().Add(20 * time.Millisecond))
	if evs := outer.Wait(); len(evs) != 0 {
		t.Fatalf("outer events %+v with the inner set quiet, want none", evs)
	}
}

// TestDeadline: a Wait with nothing ready returns no event once its
// deadline passes, and a deadline cleared lets a Wake end the next one.
func TestDeadline(t *testing.T) {
	s := newSet(t)
	s.SetDeadline(time.Now().Add(20 * time.Millisecond))
	start := time.Now()
	if evs := s.Wait(); len(evs) != 0 {
		t.Fatalf("events %+v, want none", evs)
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Fatalf("Wait returned after %v, before its deadline", d)
	}
	s.SetDeadline(time.Time{})
	s.Wake()
	if evs := s.Wait(); len(evs) != 1 {
		t.Fatalf("events %+v, want the wake-up", evs)
	}
}

// TestBlock: a set that blocks first returns the events that come while
// its thread is blocked (a Wake from another goroutine, a readable pipe),
// and never blocks past its deadline.
func TestBlock(t *testing.T) {
	s := newSet(t)
	s.SetBlock(10 * time.Second)
	go func() {
		time.Sleep(10 * time.Millisecond)
		s.Wake()
	}()
	if evs := s.Wait(); len(evs) != 1 || evs[0].Fd != WakeData {
		t.Fatalf("events %+v, want the wake-up", evs)
	}
	s.ClearWake()

	p := pipe(t)
	if err := s.Add(p[0], unix.EPOLLIN, 3); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		unix.Write(p[1], []byte("x"))
	}()
	if evs := s.Wait(); len(evs) != 1 || evs[0].Fd != 3 {
		t.Fatalf("events %+v, want the pipe's", evs)
	}
	var buf [1]byte
	unix.Read(p[0], buf[:])

	// The deadline bounds the blocking wait, and then the parked one.
	s.SetDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	if evs := s.Wait(); len(evs) != 0 {
		t.Fatalf("events %+v, want none", evs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Wait blocked %v past a 30 ms deadline", d)
	}
}

// TestSpin: an event that comes while Wait polls is returned by the
// polling (the window is then left as it was); one that comes after the
// window, by the wait that follows, which grows the window.
func TestSpin(t *testing.T) {
	for _, c := range []struct {
		max, win, wakeIn, want time.Duration
	}{
		{10 * time.Second, 5 * time.Second, 10 * time.Millisecond, 5 * time.Second}, // adapt would double it
		{time.Second, time.Millisecond, 50 * time.Millisecond, 250 * time.Millisecond},
	} {
		s := newSet(t)
		s.SetSpin(c.max)
		s.spinWin, s.yield = c.win, runtime.GOMAXPROCS(0) == 1 // as if grown
		go func() {
			time.Sleep(c.wakeIn)
			s.Wake()
		}()
		if evs := s.Wait(); len(evs) != 1 || evs[0].Fd != WakeData {
			t.Fatalf("events %+v, want the wake-up", evs)
		}
		if s.spinWin != c.want {
			t.Errorf("window %v of at most %v, woken %v in: %v after the wait, want %v", c.win, c.max, c.wakeIn, s.spinWin, c.want)
		}
	}
}

// TestSpinAdapts: the window grows, doubling from a quarter of the
// maximum, after waits that outlasted it but not the maximum; it halves
// after longer ones and after waits that the deadline ended, and closes
// below a microsecond.
func TestSpinAdapts(t *testing.T) {
	s := newSet(t)
	s.SetSpin(100 * time.Microsecond)
	if s.spinWin != 0 {
		t.Fatalf("window %v at first, want 0", s.spinWin)
	}
	steps := []struct {
		idle   time.Duration
		events int
		want   time.Duration
	}{
		{30 * time.Microsecond, 1, 25 * time.Microsecond},
		{60 * time.Microsecond, 1, 50 * time.Microsecond},
		{80 * time.Microsecond, 1, 100 * time.Microsecond},
		{100 * time.Microsecond, 1, 100 * time.Microsecond},
		{time.Millisecond, 1, 50 * time.Microsecond},
		{20 * time.Microsecond, 0, 25 * time.Microsecond}, // the deadline, however soon
		{time.Second, 1, 12500 * time.Nanosecond},
		{time.Second, 1, 6250 * time.Nanosecond},
		{time.Second, 1, 3125 * time.Nanosecond},
		{time.Second, 1, 1562 * time.Nanosecond},
		{time.Second, 1, 0},
		{time.Second, 1, 0},
		{time.Microsecond, 1, 25 * time.Microsecond},
	}
	for i, st := range steps {
		s.n = st.events
		s.adapt(st.idle)
		if s.spinWin != st.want {
			t.Fatalf("step %d (%v idle, %d events): window %v, want %v", i, st.idle, st.events, s.spinWin, st.want)
		}
	}
	if want := runtime.GOMAXPROCS(0) == 1; s.yield != want {
		t.Errorf("yield %v after the window opened with GOMAXPROCS %d", s.yield, runtime.GOMAXPROCS(0))
	}
	s.SetSpin(100 * time.Microsecond) // the value it has: the window stays
	if s.spinWin != 25*time.Microsecond {
		t.Errorf("window %v after SetSpin of the same maximum, want 25µs kept", s.spinWin)
	}
	s.SetSpin(time.Millisecond)
	if s.spinWin != 0 {
		t.Errorf("window %v after a new maximum, want 0", s.spinWin)
	}
}

// TestReadPass: reads that fill their buffer go on, MaxReadsPerPass of them
// at most however much is waiting; a read that does not fill its buffer
// ends the pass.
func TestReadPass(t *testing.T) {
	p := pipe(t)
	data := make([]byte, 64<<10)
	if n, err := unix.Write(p[1], data); err != nil || n != len(data) {
		t.Fatalf("wrote %d, %v", n, err)
	}
	buf := make([]byte, 1<<10)
	left := uint8(MaxReadsPerPass)
	reads := 0
	for {
		n, err := ReadPass(p[0], buf, &left)
		if err == ErrWouldBlock {
			break
		}
		if err != nil || n != len(buf) {
			t.Fatalf("read %d, %v", n, err)
		}
		reads++
	}
	if reads != MaxReadsPerPass {
		t.Fatalf("%d reads in a pass with %d KiB waiting, want %d", reads, len(data)>>10, MaxReadsPerPass)
	}

	// The next pass: a short read ends it.
	left = MaxReadsPerPass
	big := make([]byte, len(data))
	if n, err := ReadPass(p[0], big, &left); err != nil || n != len(data)-MaxReadsPerPass*len(buf) || left != 0 {
		t.Fatalf("read %d, %v, %d left; want the rest and no read left", n, err, left)
	}
	if _, err := ReadPass(p[0], big, &left); err != ErrWouldBlock {
		t.Fatalf("read after a short one: %v, want ErrWouldBlock", err)
	}
}

// TestRawReadWrite: the raw calls move bytes, report EAGAIN as the bare
// errno when the descriptor is not ready, and other failures likewise.
func TestRawReadWrite(t *testing.T) {
	p := pipe(t)
	var buf [8]byte
	if n, err := RawRead(p[0], buf[:]); n != 0 || err != unix.EAGAIN {
		t.Fatalf("read of an empty pipe: %d, %v; want 0, EAGAIN", n, err)
	}
	if n, err := RawWrite(p[1], []byte("abc")); n != 3 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	if n, err := RawRead(p[0], buf[:]); n != 3 || err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("read: %d, %v, %q; want 3 bytes abc", n, err, buf[:n])
	}
	if _, err := RawWrite(-1, []byte("x")); err != unix.EBADF {
		t.Fatalf("write to fd -1: %v, want EBADF", err)
	}
}
