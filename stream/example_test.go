package stream_test

import (
	"bytes"
	"fmt"
	"io"
	"net"

	"github.com/wirekit/wirekit/frame"
	"github.com/wirekit/wirekit/stream"
)

// A framed echo over an in-memory pipe. The server answers every frame and
// flushes when no complete frame is left in its buffer, so the three
// requests, which arrive in one read, are answered in one write.
func Example() {
	lengthPrefixed, err := frame.NewLengthField(frame.LengthFieldConfig{Width: 2})
	if err != nil {
		panic(err)
	}
	client, server := net.Pipe()

	done := make(chan error)
	go func() {
		c := stream.New(server, lengthPrefixed, stream.Config{})
		defer c.Close()
		f, err := c.ReadFrame()
		for err == nil {
			if err = c.WriteFrame(f.Meta, f.Payload); err != nil {
				break
			}
			var ok bool
			if f, ok, err = c.TryReadFrame(); !ok && err == nil {
				if err = c.Flush(); err == nil {
					c.Release() // idle: hold no buffer while waiting
					f, err = c.ReadFrame()
				}
			}
		}
		done <- err
	}()

	c := stream.New(client, lengthPrefixed, stream.Config{})
	for _, msg := range []string{"hello", "framed", "world"} {
		if err := c.WriteFrame(frame.Meta{}, []byte(msg)); err != nil {
			panic(err)
		}
	}
	if err := c.Flush(); err != nil {
		panic(err)
	}
	for range 3 {
		f, err := c.ReadFrame()
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s\n", f.Payload)
	}
	c.Close()
	fmt.Println("server:", <-done == io.EOF)
	// Output:
	// hello
	// framed
	// world
	// server: true
}

// A payload attached by reference goes on the wire between the frame's
// header (and the start of its body) and its trailer, without being copied
// into the outbound buffer.
func ExampleConn_FinishRef() {
	withCRC, err := frame.NewHeader(frame.HeaderConfig{
		Magic:       []byte("WK"),
		LengthWidth: 2,
		Checksum:    frame.CRC32C(),
	})
	if err != nil {
		panic(err)
	}
	var wire bytes.Buffer
	c := stream.New(&wire, withCRC, stream.Config{})

	bulk := []byte("a large payload")
	buf, m := c.Begin(frame.Meta{})
	buf = append(buf, "head:"...)
	if err := c.FinishRef(buf, m, bulk); err != nil {
		panic(err)
	}
	fmt.Println("queued:", c.OutboundBuffered(), "bytes, of which", len(bulk), "by reference")
	if err := c.Flush(); err != nil {
		panic(err)
	}
	b := wire.Bytes()
	fmt.Printf("wire:   % x | %s | % x\n", b[:4], b[4:len(b)-4], b[len(b)-4:])

	f, err := c.ReadFrame() // the bytes.Buffer reads back what was written
	if err != nil {
		panic(err)
	}
	fmt.Printf("frame:  %q\n", f.Payload)
	// Output:
	// queued: 28 bytes, of which 15 by reference
	// wire:   57 4b 00 14 | head:a large payload | d5 6f c2 71
	// frame:  "head:a large payload"
}

// Frames borrow the connection's buffer. With Config.Poison, a frame kept
// past the next read shows it; a clone does not.
func ExampleConfig_poison() {
	var wire bytes.Buffer
	c := stream.New(&wire, frame.Lines(), stream.Config{Poison: true})
	wire.WriteString("first\nsecond\n")

	kept, err := c.ReadFrame()
	if err != nil {
		panic(err)
	}
	clone := kept.Clone()
	if _, err := c.ReadFrame(); err != nil { // kept is no longer valid
		panic(err)
	}
	fmt.Printf("kept:  %x\n", kept.Payload)
	fmt.Printf("clone: %s\n", clone.Payload)
	// Output:
	// kept:  dbdbdbdbdb
	// clone: first
}
