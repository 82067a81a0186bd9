//go:build linux

// Command idleconns measures what idle connections cost a server: it opens
// many connections to it, lets them go idle, and reads the growth of the
// server process's resident memory from /proc.
//
//	idleconns -addr 127.0.0.1:7070 -pid $(pgrep orders-server) -n 10000
//
// The connections come from several loopback source addresses (127.0.0.2,
// 127.0.0.3, ...) so that no single address runs out of ephemeral ports, and
// the tool raises its own open-file limit to the hard limit. With -warm each
// connection first exchanges one WK orders echo, so the server has served it
// and must have given its buffers back to be cheap: the realistic idle
// connection.
//
// It runs on Linux (it reads /proc/PID/status).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "idleconns:", err)
		os.Exit(1)
	}
}

type config struct {
	addr    string
	pid     int
	n       int
	sources int
	warm    bool
	settle  time.Duration
	hold    time.Duration
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("idleconns", flag.ContinueOnError)
	var c config
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7070", "server address (loopback only)")
	fs.IntVar(&c.pid, "pid", 0, "server process id, whose resident memory is read")
	fs.IntVar(&c.n, "n", 1000, "connections to open")
	fs.IntVar(&c.sources, "sources", 8, "loopback source addresses to spread the connections over")
	fs.BoolVar(&c.warm, "warm", true, "exchange one echo on each connection before it goes idle")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "wait before reading the server's memory")
	fs.DurationVar(&c.hold, "hold", 0, "keep the connections open this long after measuring")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.pid <= 0 || c.n <= 0 || c.sources <= 0 {
		return errors.New("-pid, -n and -sources must be positive")
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: this tool only loads servers on this machine", host)
	}
	r, err := measure(context.Background(), c)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d idle connections: server RSS %d KiB -> %d KiB, %.2f KiB per connection\n",
		r.conns, r.before/1024, r.after/1024, r.perConn()/1024)
	return nil
}

type result struct {
	conns         int
	before, after int64 // resident bytes
}

func (r result) perConn() float64 { return float64(r.after-r.before) / float64(r.conns) }

func measure(ctx context.Context, c config) (result, error) {
	raiseFileLimit()
	before, err := rss(c.pid)
	if err != nil {
		return result{}, err
	}
	conns := make([]net.Conn, 0, c.n)
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	echo, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("idle"))
	for i := range c.n {
		d := net.Dialer{
			Timeout:   5 * time.Second,
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%c.sources))},
		}
		nc, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return result{}, fmt.Errorf("connection %d: %w", i+1, err)
		}
		conns = append(conns, nc)
		if c.warm {
			if err := exchange(nc, echo); err != nil {
				return result{}, fmt.Errorf("connection %d: %w", i+1, err)
			}
		}
	}
	time.Sleep(c.settle)
	after, err := rss(c.pid)
	if err != nil {
		return result{}, err
	}
	time.Sleep(c.hold)
	return result{conns: len(conns), before: before, after: after}, nil
}

// exchange sends one frame and reads the one response frame.
func exchange(nc net.Conn, req []byte) error {
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	defer nc.SetDeadline(time.Time{})
	if _, err := nc.Write(req); err != nil {
		return err
	}
	buf := make([]byte, 0, 64)
	var f frame.Frame
	for {
		n, err := orders.Framing().Split(buf, &f)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		m, err := nc.Read(buf[len(buf):cap(buf)])
		if err != nil {
			return err
		}
		buf = buf[:len(buf)+m]
	}
}

// rss returns the resident memory of process pid, from /proc/PID/status.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// raiseFileLimit lifts the soft open-file limit to the hard one: every
// connection is a file.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
