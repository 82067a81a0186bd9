package stream_test

import (
	"io"
	"testing"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

type rw struct{ io.Writer }

func (rw) Read([]byte) (int, error) { return 0, io.EOF }

//go:noinline
func begin(c *stream.Conn, typ uint32, id uint64) ([]byte, frame.Mark) {
	return c.Begin(frame.Meta{Type: typ, ID: id})
}

func BenchmarkTmpWrite(b *testing.B) {
	c := stream.New(rw{io.Discard}, orderspb.Framing(), stream.Config{})
	body := make([]byte, 19)
	i := 0
	for b.Loop() {
		buf, m := begin(c, 4, uint64(i))
		if err := c.Finish(append(buf, body...), m); err != nil {
			b.Fatal(err)
		}
		if i++; i%16 == 0 {
			c.Flush()
		}
	}
}
