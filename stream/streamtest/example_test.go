package streamtest_test

import (
	"fmt"
	"io"
	"time"

	"github.com/wirekit/wirekit/stream/streamtest"
)

func Example() {
	// The peer sends a WK header one byte at a time. A parser must cope with
	// every read ending mid-frame.
	c := streamtest.NewConn([]byte("WK\x01\x03"), streamtest.OneByte)
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err == io.EOF {
			fmt.Println("EOF after", c.Reads(), "reads")
			break
		}
		fmt.Printf("% x\n", buf[:n])
	}
	// Output:
	// 57
	// 4b
	// 01
	// 03
	// EOF after 5 reads
}

func ExampleConn_SetReadDeadline() {
	c := streamtest.NewOpenConn(nil)
	clk := c.Clock()
	c.SetReadDeadline(clk.Now().Add(30 * time.Second))

	done := make(chan error)
	go func() {
		_, err := c.Read(make([]byte, 16)) // blocks: the peer is silent
		done <- err
	}()
	clk.Advance(30 * time.Second) // no real time passes
	fmt.Println(<-done)
	// Output:
	// read mem local->peer: i/o timeout
}

func ExampleConn_Written() {
	c := streamtest.NewConn(nil, nil)
	c.Write([]byte("WK"))
	c.Write([]byte("\x01\x03"))
	fmt.Printf("% x in %d writes\n", c.Written(), c.Writes())
	// Output:
	// 57 4b 01 03 in 2 writes
}

func ExampleRandom() {
	// The same seed cuts the same input the same way on every run.
	c := streamtest.NewConn([]byte("0123456789abcdef"), streamtest.Random(1, 5))
	buf := make([]byte, 64)
	for {
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		fmt.Printf("%s ", buf[:n])
	}
	fmt.Println()
	// Output:
	// 012 345 6789 abcde f
}
