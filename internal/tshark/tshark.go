// Package tshark runs Wireshark's command-line tools for tests: it finds
// tshark and dumpcap, runs them with a timeout, captures on the loopback
// interface, and reads tshark's JSON output keeping what a plain JSON
// decoder loses: the order of the keys and the keys that repeat (two
// frames in one packet are two "orders" layers).
//
// A test that needs a tool it cannot find is skipped, with a message that
// says how to install it, unless the environment sets
// WIREKIT_REQUIRE_TOOLS=1 (as CI does): then it fails.
package tshark

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Timeout bounds every run of a tool.
const Timeout = 60 * time.Second

// required reports whether missing tools fail tests rather than skip them.
func required() bool { return os.Getenv("WIREKIT_REQUIRE_TOOLS") == "1" }

// skip skips t, or fails it if tools are required.
func skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if required() {
		t.Fatalf("WIREKIT_REQUIRE_TOOLS=1, but "+format, args...)
	}
	t.Skipf(format, args...)
}

// Path returns the path of the named tool (tshark, dumpcap), or skips t.
func Path(t testing.TB, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		skip(t, "%s is not installed (Debian: apt-get install tshark): %v", tool, err)
	}
	return path
}

// Run runs tshark with args and returns its standard output. It fails t if
// tshark fails, or says on standard error that a Lua script did not load or
// run, or that a capture file is damaged: tshark reports those and still
// exits 0.
func Run(t testing.TB, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Path(t, "tshark"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, &stderr)
	}
	for _, word := range []string{"Lua: Error", "cut short", "damaged", "corrupt"} {
		if strings.Contains(stderr.String(), word) {
			t.Fatalf("tshark %s:\n%s", strings.Join(args, " "), &stderr)
		}
	}
	return out
}

// A Capture is dumpcap writing what it sees on the loopback interface to a
// file.
type Capture struct {
	File   string
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stderr *bytes.Buffer // written until done is closed
	done   chan struct{}
	stop   sync.Once
}

// CaptureLoopback starts dumpcap on the loopback interface lo with the
// capture filter filter (tcp port 7070), writing a pcapng file in a
// temporary directory, and returns once it is capturing. Capturing needs
// privileges (root, or CAP_NET_RAW and CAP_NET_ADMIN on dumpcap); if
// dumpcap cannot start, t is skipped, or failed if tools are required.
// Stop it with Stop; the test's cleanup stops it too.
func CaptureLoopback(t testing.TB, filter string) *Capture {
	t.Helper()
	file := filepath.Join(t.TempDir(), "lo.pcapng")
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	c := &Capture{File: file, cancel: cancel, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	c.cmd = exec.CommandContext(ctx, Path(t, "dumpcap"), "-q", "-i", "lo", "-f", filter, "-w", file)
	// dumpcap says "File: NAME" once it has opened the interface and its
	// output file, and why it cannot otherwise. (It says "Capturing on"
	// earlier, before packets are captured: traffic sent right after that
	// is lost.)
	pr, pw := io.Pipe()
	c.cmd.Stderr = pw
	if err := c.cmd.Start(); err != nil {
		cancel()
		skip(t, "cannot start dumpcap: %v", err)
	}
	started := make(chan bool, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		signaled := false
		for sc.Scan() {
			c.stderr.WriteString(sc.Text() + "\n")
			if !signaled && strings.HasPrefix(sc.Text(), "File: ") {
				started <- true
				signaled = true
			}
		}
		if !signaled {
			started <- false
		}
	}()
	go func() {
		c.cmd.Wait()
		pw.Close()
		<-scanned
		close(c.done)
	}()
	t.Cleanup(func() { c.Stop(t) })
	select {
	case ok := <-started:
		if ok {
			time.Sleep(100 * time.Millisecond) // a margin: the interface is open
			return c
		}
	case <-time.After(Timeout):
	}
	c.Stop(t)
	skip(t, "dumpcap cannot capture on lo (capturing needs root or CAP_NET_RAW): %s", strings.TrimSpace(c.stderr.String()))
	return nil
}

// Stop stops the capture, once the packets sent so far have reached it,
// and returns the file it wrote. Later calls return at once.
func (c *Capture) Stop(t testing.TB) string {
	t.Helper()
	c.stop.Do(func() {
		// Loopback delivers at once, but dumpcap reads the kernel's
		// buffer in batches: give it a moment before asking it to finish.
		time.Sleep(500 * time.Millisecond)
		c.cmd.Process.Signal(os.Interrupt)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cancel()
			<-c.done
		}
		c.cancel()
	})
	return c.File
}

// A Packet is one packet of tshark's JSON output.
type Packet struct {
	Number int
	Layers *Object // _source.layers: frame, eth, ip, tcp, ..., one per protocol
}

// An Object is a JSON object with its members in order, duplicates kept.
type Object struct {
	Members []Member
}

// A Member is one key of an Object and its value: a string, or an object.
type Member struct {
	Key    string
	Value  string
	Object *Object
}

// Get returns the value of the first member named key, at any depth.
func (o *Object) Get(key string) (string, bool) {
	for _, m := range o.Members {
		if m.Key == key && m.Object == nil {
			return m.Value, true
		}
		if m.Object != nil {
			if v, ok := m.Object.Get(key); ok {
				return v, true
			}
		}
	}
	return "", false
}

// All returns the objects of the members named key, in order.
func (o *Object) All(key string) []*Object {
	var all []*Object
	for _, m := range o.Members {
		if m.Key == key && m.Object != nil {
			all = append(all, m.Object)
		}
	}
	return all
}

// ParseJSON reads the output of tshark -T json.
func ParseJSON(data []byte) ([]Packet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := value(dec)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]*Object)
	if !ok {
		return nil, fmt.Errorf("tshark JSON: not an array of packets")
	}
	var pkts []Packet
	for _, o := range list {
		var layers *Object
		for _, src := range o.All("_source") {
			if l := src.All("layers"); len(l) > 0 {
				layers = l[0]
			}
		}
		if layers == nil {
			return nil, fmt.Errorf("tshark JSON: a packet without _source.layers")
		}
		num, _ := layers.Get("frame.number")
		n, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("tshark JSON: frame.number %q", num)
		}
		pkts = append(pkts, Packet{Number: n, Layers: layers})
	}
	return pkts, nil
}

// value reads one JSON value: an *Object, a []*Object (tshark's arrays are
// of objects, or of strings, which are kept as their first), or a string.
func value(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '{':
			o := &Object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				v, err := value(dec)
				if err != nil {
					return nil, err
				}
				m := Member{Key: key}
				switch v := v.(type) {
				case *Object:
					m.Object = v
				case string:
					m.Value = v
				case []*Object: // not in tshark's layers
				}
				o.Members = append(o.Members, m)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			var list []*Object
			for dec.More() {
				v, err := value(dec)
				if err != nil {
					return nil, err
				}
				if o, ok := v.(*Object); ok {
					list = append(list, o)
				}
			}
			_, err := dec.Token()
			return list, err
		}
	case string:
		return tok, nil
	case json.Number:
		return tok.String(), nil
	case bool:
		return strconv.FormatBool(tok), nil
	}
	return "", nil
}

// Frames returns the items of every instance of protocol proto in the
// packet (one per frame it holds), each flattened into lines in tree
// order: "name=value" for a field ("name=" for a subtree), followed by its
// children, then "!expert=message" for each expert info on it. Items that
// are not proto's (Wireshark's own, text items) are left out, their
// children not.
func (p Packet) Frames(proto string) [][]string {
	var frames [][]string
	for _, o := range p.Layers.All(proto) {
		frames = append(frames, append([]string{proto + "="}, flatten(o, proto)...))
	}
	return frames
}

func flatten(o *Object, proto string) []string {
	var lines, experts []string
	for _, m := range o.Members {
		switch {
		case m.Key == "_ws.expert" && m.Object != nil:
			for _, e := range m.Object.Members {
				if strings.HasPrefix(e.Key, proto+".") {
					msg, _ := m.Object.Get("_ws.expert.message")
					experts = append(experts, "!"+e.Key+"="+msg)
				}
			}
		case strings.HasSuffix(m.Key, "_tree") && m.Object != nil:
			lines = append(lines, flatten(m.Object, proto)...)
		case strings.HasPrefix(m.Key, proto+"."):
			lines = append(lines, m.Key+"="+m.Value)
			if m.Object != nil {
				lines = append(lines, flatten(m.Object, proto)...)
			}
		case m.Object != nil:
			lines = append(lines, flatten(m.Object, proto)...)
		}
	}
	return append(lines, experts...)
}
