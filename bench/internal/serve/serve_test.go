package serve

import (
	"bufio"
	"net"
	"regexp"
	"testing"
	"time"
)

// The load client parses this line (load.parseStats): its format is an
// interface between the two processes.
func TestStatsLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go serveStats(ln)
	for range 2 { // one line per connection, as many connections as asked
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^mallocs [0-9]+ gcs [0-9]+\n$`).MatchString(line) {
			t.Fatalf("stats line %q", line)
		}
	}
}
