package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a running peer server process.
type server struct {
	cmd         *exec.Cmd
	addr, stats string
	exited      chan struct{}
	mu          sync.Mutex
	stderr      strings.Builder // what it said, for a failed run's error
}

// startServer starts a server (see package serve) and waits until it prints
// the addresses it listens on.
func startServer(ctx context.Context, pin []string, bin string, args []string) (*server, error) {
	cmdline := append(slices.Clone(pin), bin)
	s := &server{cmd: exec.Command(cmdline[0], append(cmdline[1:], args...)...), exited: make(chan struct{})}
	s.cmd.Stderr = (*lockedWriter)(s)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	go func() {
		defer close(s.exited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			// Peers may print logs of their own (gnet does): only these
			// lines count, and the rest is drained so the server never
			// blocks on a full pipe.
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "listening on "); ok {
				s.addr = a
			} else if a, ok := strings.CutPrefix(line, "stats on "); ok {
				s.stats = a
				close(ready)
			}
		}
		s.cmd.Wait()
	}()
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-ready:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("%s exited%s", bin, s.failure())
	case <-t.C:
		s.stop()
		return nil, fmt.Errorf("%s did not start in 10s%s", bin, s.failure())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// stop asks the server to stop (SIGTERM: it writes its CPU profile) and
// kills it if it has not within 10 seconds.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// failure returns what the server wrote to stderr, as an error's tail.
func (s *server) failure() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg := strings.TrimSpace(s.stderr.String()); msg != "" {
		return "; server: " + msg
	}
	return ""
}

type lockedWriter server

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stderr.Len() > 4<<10 {
		return len(b), nil // enough to explain a failure
	}
	return w.stderr.Write(b)
}
