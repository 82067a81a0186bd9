package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// procTimeout bounds each wait on a server process: for its address, for a
// stats answer, for its exit. A process that takes longer is killed.
const procTimeout = 10 * time.Second

// serverProcess is a server running in a child process (see serveCommand),
// and the parent's end of its control protocol.
type serverProcess struct {
	name    string
	addr    string // where it serves
	cmd     *exec.Cmd
	ctl     io.WriteCloser // its stdin
	replies *bufio.Reader  // its stdout
	kill    context.CancelFunc
}

// startServerProcess starts the server process for proto and waits until it
// serves. Its stderr goes to stderr. The caller must call stop.
func startServerProcess(proto string, stderr io.Writer) (*serverProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	// Cancelling ctx kills the process: exec.CommandContext's Cancel.
	ctx, kill := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, exe, "demo", serveCommand, "-proto", proto)
	cmd.Stderr = stderr
	ctl, err := cmd.StdinPipe()
	if err != nil {
		kill()
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		kill()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		kill()
		return nil, err
	}
	p := &serverProcess{name: proto, cmd: cmd, ctl: ctl, replies: bufio.NewReader(out), kill: kill}
	line, err := p.readLine()
	addr, ok := strings.CutPrefix(line, "addr=")
	if err == nil && !ok {
		err = fmt.Errorf("said %q, not addr=HOST:PORT", line)
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s server process: %w", proto, err), p.stop())
	}
	p.addr = addr
	return p, nil
}

// pid returns the process id.
func (p *serverProcess) pid() int { return p.cmd.Process.Pid }

// stats asks the process for its CPU time and allocations so far.
func (p *serverProcess) stats() (procStats, error) {
	if _, err := io.WriteString(p.ctl, "stats\n"); err != nil {
		return procStats{}, fmt.Errorf("%s server process: %w", p.name, err)
	}
	line, err := p.readLine()
	if err != nil {
		return procStats{}, fmt.Errorf("%s server process: %w", p.name, err)
	}
	return parseProcStats(line)
}

// readLine reads a line of the process's stdout, killing the process if
// none comes within procTimeout (the read then fails).
func (p *serverProcess) readLine() (string, error) {
	t := time.AfterFunc(procTimeout, p.kill)
	defer t.Stop()
	line, err := p.replies.ReadString('\n')
	if errors.Is(err, io.EOF) {
		err = errors.New("exited")
	}
	return strings.TrimSuffix(line, "\n"), err
}

// stop closes the process's stdin, which stops it, and waits for it to exit,
// killing it if it takes more than procTimeout. It reports how it exited.
func (p *serverProcess) stop() error {
	p.ctl.Close()
	t := time.AfterFunc(procTimeout, p.kill)
	defer t.Stop()
	err := p.cmd.Wait()
	p.kill() // release the context
	if err != nil {
		return fmt.Errorf("%s server process: %w", p.name, err)
	}
	return nil
}
