package main

import (
	"bytes"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wirekit/wirekit/examples/orders"
	"github.com/wirekit/wirekit/frame"
)

func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"demo", "-duration", "300ms", "-conns", "2", "-depth", "4"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	s := out.String()
	// The spec's test vector, as a hex dump.
	for _, want := range []string{
		"00000000  57 4b 01 03 00 00 00 07  00 00 00 1d 00 00 00 00  |WK..............|",
		"00000020  40 00 00 00 64 03 61 62  63 e6 b5 c7 77           |@...d.abc...w|",
		"OrderAck id=7 order_id=42 status=accepted reason=none",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	m := regexp.MustCompile(`(\d+) requests answered .*: (\d+) requests/s`).FindStringSubmatch(s)
	if m == nil || m[1] == "0" {
		t.Errorf("no requests counted:\n%s", s)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage") {
		t.Errorf("no args: exit %d, %q", code, errOut.String())
	}
	if code := run([]string{"nope"}, &out, &errOut); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
	if code := run([]string{"demo", "-conns", "0"}, &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit %d", code)
	}
}

func TestDemoServerAnswersGarbageWithErrorAndCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &demoServer{ln: ln}
	srv.start()
	defer srv.stop()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	// A good echo, then garbage: the echo is answered, then an Error with
	// code 1 (bad magic), then the server closes.
	good, _ := frame.Append(orders.Framing(), nil, frame.Meta{Type: orders.TypeEchoRequest, ID: 1}, []byte("hi"))
	nc.Write(append(good, "GET / HTTP/1.1\r\n"...))
	all, err := io.ReadAll(nc)
	if err != nil {
		t.Fatal(err)
	}
	f, n, err := frame.Next(orders.Framing(), all)
	if err != nil || f.Type != orders.TypeEchoResponse || string(f.Payload) != "hi" {
		t.Fatalf("first response %+v %v", f.Meta, err)
	}
	f, _, err = frame.Next(orders.Framing(), all[n:])
	var e orders.Error
	if err != nil || f.Type != orders.TypeError || e.Decode(f.Payload) != nil || e.Code != orders.CodeBadMagic {
		t.Fatalf("second response %+v %+v %v", f.Meta, e, err)
	}
}
