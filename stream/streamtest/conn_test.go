package streamtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

type readResult struct {
	data []byte
	err  error
}

// goRead starts a Read of up to 64 bytes on c in a new goroutine and returns
// where its result will arrive.
func goRead(c *Conn) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		ch <- readResult{buf[:n], err}
	}()
	return ch
}

// pending reports whether a Read started by goRead is still blocked. Call it
// after synctest.Wait, which returns once the reader is blocked or done.
func pending(ch <-chan readResult) bool {
	return len(ch) == 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) && errors.As(err, &ne) && ne.Timeout()
}

func TestTimeoutError(t *testing.T) {
	c := NewConn(header, nil)
	c.SetReadDeadline(c.Clock().Now())
	_, err := c.Read(make([]byte, 8))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("errors.Is(%v, os.ErrDeadlineExceeded) = false", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%v is not a net.Error with Timeout() == true", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" || oe.Net != "mem" || oe.Addr != RemoteAddr || oe.Source != LocalAddr {
		t.Errorf("%#v is not a read *net.OpError from local to peer", err)
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		t.Errorf("a timeout matches net.ErrClosed or io.EOF: %v", err)
	}
}

func TestReadDeadline(t *testing.T) {
	c := NewConn(header, OneByte)
	clk := c.Clock()
	buf := make([]byte, 8)
	if err := c.SetReadDeadline(clk.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(buf); n != 1 || err != nil {
		t.Fatalf("Read before the deadline = %d, %v; want 1, nil", n, err)
	}
	clk.Advance(5*time.Second - 1)
	if n, err := c.Read(buf); n != 1 || err != nil {
		t.Fatalf("Read 1ns before the deadline = %d, %v; want 1, nil", n, err)
	}
	clk.Advance(1)
	// At the deadline reads fail, even with input waiting, as on a real
	// connection; the input stays.
	if n, err := c.Read(buf); n != 0 || !isTimeout(err) {
		t.Fatalf("Read at the deadline = %d, %v; want 0 and a timeout", n, err)
	}
	if c.Unread() != 6 {
		t.Fatalf("Unread = %d after a timeout, want 6", c.Unread())
	}
	// Empty reads do not look at the deadline.
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v; want 0, nil", n, err)
	}
	// Clearing the deadline lets reads continue where they stopped.
	c.SetReadDeadline(time.Time{})
	if _, data := readAll(t, c, 8); string(data) != string(header[2:]) {
		t.Fatalf("after clearing the deadline read %q, want %q", data, header[2:])
	}
	// Deadlines apply to EOF too.
	c.SetReadDeadline(clk.Now())
	if _, err := c.Read(buf); !isTimeout(err) {
		t.Fatalf("Read at the deadline after EOF: %v, want a timeout", err)
	}
}

func TestBlockedReadTimesOutWhenClockPassesDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		clk := c.Clock()
		c.SetReadDeadline(clk.Now().Add(5 * time.Second))
		res := goRead(c)
		synctest.Wait()
		if !pending(res) {
			t.Fatalf("Read returned %v without input", <-res)
		}
		clk.Advance(4 * time.Second)
		synctest.Wait()
		if !pending(res) {
			t.Fatalf("Read returned %v before the deadline", <-res)
		}
		clk.Advance(time.Second)
		if r := <-res; len(r.data) != 0 || !isTimeout(r.err) {
			t.Fatalf("Read = %q, %v; want a timeout", r.data, r.err)
		}
	})
}

func TestSetReadDeadlineWakesBlockedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		c.SetReadDeadline(c.Clock().Now().Add(time.Hour))
		res := goRead(c)
		synctest.Wait()
		// Moving the deadline to now fires it without the clock moving.
		c.SetReadDeadline(c.Clock().Now())
		if r := <-res; !isTimeout(r.err) {
			t.Fatalf("Read = %q, %v; want a timeout", r.data, r.err)
		}
	})
}

func TestBlockedReadWithoutDeadlineIgnoresClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		res := goRead(c)
		synctest.Wait()
		c.Clock().Advance(24 * time.Hour)
		synctest.Wait()
		if !pending(res) {
			t.Fatalf("Read without a deadline returned %v when the clock moved", <-res)
		}
		c.Feed([]byte("x"))
		if r := <-res; string(r.data) != "x" || r.err != nil {
			t.Fatalf("Read = %q, %v; want \"x\", nil", r.data, r.err)
		}
	})
}

func TestSharedClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := NewClock()
		a, b := NewOpenConn(nil), NewOpenConn(nil)
		a.SetClock(clk)
		b.SetClock(clk)
		if a.Clock() != clk || b.Clock() != clk {
			t.Fatal("Clock does not return the clock given to SetClock")
		}
		a.SetReadDeadline(clk.Now().Add(time.Second))
		b.SetReadDeadline(clk.Now().Add(2 * time.Second))
		ra, rb := goRead(a), goRead(b)
		synctest.Wait()
		clk.Advance(time.Second)
		if r := <-ra; !isTimeout(r.err) {
			t.Fatalf("a: Read = %v; want a timeout", r.err)
		}
		synctest.Wait()
		if !pending(rb) {
			t.Fatalf("b: Read returned %v before its deadline", <-rb)
		}
		clk.Advance(time.Second)
		if r := <-rb; !isTimeout(r.err) {
			t.Fatalf("b: Read = %v; want a timeout", r.err)
		}
	})
}

func TestSetClockWakesBlockedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		later := NewClock()
		later.Advance(time.Hour)
		c.SetReadDeadline(c.Clock().Now().Add(time.Minute))
		res := goRead(c)
		synctest.Wait()
		c.SetClock(later) // an hour past the deadline
		if r := <-res; !isTimeout(r.err) {
			t.Fatalf("Read = %v; want a timeout", r.err)
		}
	})
}

func TestFeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(Fixed(3))
		in := []byte("WK\x01\x03")
		c.Feed(in)
		in[0] = 'X' // Feed copied it
		buf := make([]byte, 64)
		if n, err := c.Read(buf); string(buf[:n]) != "WK\x01" || err != nil {
			t.Fatalf("Read = %q, %v; want \"WK\\x01\", nil", buf[:n], err)
		}
		// The chunk is cut short by the input there is.
		if n, err := c.Read(buf); string(buf[:n]) != "\x03" || err != nil {
			t.Fatalf("Read = %q, %v; want \"\\x03\", nil", buf[:n], err)
		}
		// A Read with no input blocks until Feed.
		res := goRead(c)
		synctest.Wait()
		if !pending(res) {
			t.Fatalf("Read returned %v without input", <-res)
		}
		c.Feed(nil) // nothing to read: still blocked
		synctest.Wait()
		if !pending(res) {
			t.Fatalf("Read returned %v after feeding nothing", <-res)
		}
		c.Feed([]byte("hello"))
		if r := <-res; string(r.data) != "hel" || r.err != nil {
			t.Fatalf("Read = %q, %v; want \"hel\", nil", r.data, r.err)
		}
		if c.Unread() != 2 {
			t.Fatalf("Unread = %d, want 2", c.Unread())
		}
		// CloseInput: the rest, then EOF; a blocked Read gets EOF.
		c.CloseInput()
		c.CloseInput()
		if _, data := readAll(t, c, 64); string(data) != "lo" {
			t.Fatalf("read %q after CloseInput, want \"lo\"", data)
		}
	})
}

func TestCloseInputWakesBlockedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		res := goRead(c)
		synctest.Wait()
		c.CloseInput()
		if r := <-res; r.err != io.EOF || len(r.data) != 0 {
			t.Fatalf("Read = %q, %v; want io.EOF", r.data, r.err)
		}
	})
}

func TestFeedAfterCloseInputPanics(t *testing.T) {
	for name, c := range map[string]*Conn{
		"NewConn":    NewConn(nil, nil),
		"CloseInput": func() *Conn { c := NewOpenConn(nil); c.CloseInput(); return c }(),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Feed after the input was closed did not panic")
				}
			}()
			c.Feed([]byte("late"))
		})
	}
}

func TestNewConnCopiesInput(t *testing.T) {
	in := []byte("WK")
	c := NewConn(in, nil)
	in[0] = 'X'
	if _, data := readAll(t, c, 8); string(data) != "WK" {
		t.Errorf("read %q, want \"WK\"", data)
	}
}

func TestClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(nil)
		res1, res2 := goRead(c), goRead(c)
		synctest.Wait()
		if c.Closed() {
			t.Fatal("Closed before Close")
		}
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for _, res := range []<-chan readResult{res1, res2} {
			if r := <-res; !errors.Is(r.err, net.ErrClosed) {
				t.Errorf("blocked Read = %q, %v; want net.ErrClosed", r.data, r.err)
			}
		}
		if !c.Closed() {
			t.Error("not Closed after Close")
		}
		checkClosed(t, c)
	})
}

func TestCloseWithInputLeft(t *testing.T) {
	c := NewConn(header, nil)
	c.Close()
	checkClosed(t, c)
	c.Feed([]byte("ignored")) // no panic: the input is closed, but so is the Conn
}

// checkClosed checks that every operation on a closed Conn fails with
// net.ErrClosed.
func checkClosed(t *testing.T, c *Conn) {
	t.Helper()
	if _, err := c.Read(make([]byte, 8)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := c.Read(nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("empty Read after Close: %v, want net.ErrClosed", err)
	}
	if n, err := c.Write([]byte("x")); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close = %d, %v; want 0, net.ErrClosed", n, err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
	now := c.Clock().Now()
	for name, set := range map[string]func(time.Time) error{
		"SetDeadline": c.SetDeadline, "SetReadDeadline": c.SetReadDeadline, "SetWriteDeadline": c.SetWriteDeadline,
	} {
		if err := set(now); !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v, want net.ErrClosed", name, err)
		}
	}
	if len(c.Written()) != 0 {
		t.Errorf("a Write after Close was captured: %q", c.Written())
	}
}

func TestWriteCapture(t *testing.T) {
	c := NewConn(nil, nil)
	p := []byte("WK\x01\x03")
	for _, b := range [][]byte{p, {}, []byte("body")} {
		if n, err := c.Write(b); n != len(b) || err != nil {
			t.Fatalf("Write(%q) = %d, %v; want %d, nil", b, n, err, len(b))
		}
	}
	p[0] = 'X' // Write copied it
	got := c.Written()
	if string(got) != "WK\x01\x03body" {
		t.Fatalf("Written = %q", got)
	}
	got[0] = 'Y' // Written returned a copy
	if string(c.Written()) != "WK\x01\x03body" {
		t.Fatalf("Written changed through its result: %q", c.Written())
	}
	if c.Writes() != 3 {
		t.Errorf("Writes = %d, want 3 (empty writes count)", c.Writes())
	}
}

func TestWriteDeadline(t *testing.T) {
	c := NewConn(nil, nil)
	clk := c.Clock()
	c.SetWriteDeadline(clk.Now().Add(time.Second))
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatalf("Write before the deadline: %v", err)
	}
	clk.Advance(time.Second)
	if n, err := c.Write([]byte("b")); n != 0 || !isTimeout(err) {
		t.Fatalf("Write at the deadline = %d, %v; want 0 and a timeout", n, err)
	}
	var oe *net.OpError
	if _, err := c.Write(nil); !errors.As(err, &oe) || oe.Op != "write" {
		t.Errorf("Write error %v is not a write *net.OpError", err)
	}
	if string(c.Written()) != "a" || c.Writes() != 3 {
		t.Errorf("Written = %q, Writes = %d; want \"a\", 3 (failed writes count)", c.Written(), c.Writes())
	}
	// The read side is unaffected by the write deadline.
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read: %v, want io.EOF", err)
	}
	c.SetWriteDeadline(time.Time{})
	if _, err := c.Write([]byte("c")); err != nil {
		t.Errorf("Write after clearing the deadline: %v", err)
	}
}

func TestSetDeadlineSetsBoth(t *testing.T) {
	c := NewConn(header, nil)
	c.SetDeadline(c.Clock().Now())
	if _, err := c.Read(make([]byte, 8)); !isTimeout(err) {
		t.Errorf("Read: %v, want a timeout", err)
	}
	if _, err := c.Write([]byte("x")); !isTimeout(err) {
		t.Errorf("Write: %v, want a timeout", err)
	}
	c.SetDeadline(time.Time{})
	if _, err := c.Read(make([]byte, 8)); err != nil {
		t.Errorf("Read after clearing: %v", err)
	}
	if _, err := c.Write([]byte("x")); err != nil {
		t.Errorf("Write after clearing: %v", err)
	}
}

func TestReadsCount(t *testing.T) {
	c := NewConn(header, Fixed(4))
	readAll(t, c, 64)
	if c.Reads() != 3 { // 4 + 4 + EOF
		t.Errorf("Reads = %d, want 3", c.Reads())
	}
}

func TestAddrs(t *testing.T) {
	c := NewConn(nil, nil)
	if a := c.LocalAddr(); a.Network() != "mem" || a.String() != "local" {
		t.Errorf("LocalAddr = %s %s", a.Network(), a)
	}
	if a := c.RemoteAddr(); a.Network() != "mem" || a.String() != "peer" {
		t.Errorf("RemoteAddr = %s %s", a.Network(), a)
	}
}

func TestConcurrentUse(t *testing.T) {
	// Readers, writers, feeders and the clock at once, for the race detector.
	synctest.Test(t, func(t *testing.T) {
		c := NewOpenConn(Random(7, 5))
		c.SetReadDeadline(c.Clock().Now().Add(time.Hour))
		input := bytes.Repeat([]byte("0123456789"), 100)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got int
		for range 4 {
			wg.Go(func() {
				buf := make([]byte, 16)
				for {
					n, err := c.Read(buf)
					mu.Lock()
					got += n
					mu.Unlock()
					if err == io.EOF {
						return
					}
					if err != nil {
						t.Errorf("Read: %v", err)
						return
					}
				}
			})
			wg.Go(func() {
				for range 50 {
					c.Write([]byte("ab"))
					c.Clock().Now()
				}
			})
		}
		for i := 0; i < len(input); i += 100 {
			c.Feed(input[i : i+100])
			c.Clock().Advance(time.Second)
		}
		c.CloseInput()
		wg.Wait()
		if got != len(input) || len(c.Written()) != 4*50*2 || c.Writes() != 4*50 {
			t.Errorf("read %d of %d bytes, wrote %d bytes in %d writes", got, len(input), len(c.Written()), c.Writes())
		}
	})
}
