package trace_test

import (
	"bytes"
	"fmt"
	"io"
	"net"

	"github.com/wirekit/wirekit/trace"
)

func ExampleTap() {
	// Record into memory; a server would write to a bufio.Writer on a file
	// and bound it with MaxBytes.
	var file bytes.Buffer
	tap, err := trace.NewTap(&file, trace.TapOptions{MaxBytes: 1 << 20})
	if err != nil {
		panic(err)
	}

	server, client := net.Pipe()
	conn := tap.Conn(server) // as a server wraps what it accepts: SYN, SYN-ACK, ACK
	go func() {
		client.Write([]byte("ping"))
		io.Copy(io.Discard, client)
	}()
	buf := make([]byte, 4)
	io.ReadFull(conn, buf)     // one segment from the client
	conn.Write([]byte("pong")) // one from the server
	conn.Close()               // FIN and ACK each way
	tap.Close()                // the statistics block

	fmt.Printf("%d packets, %d dropped, %d bytes of pcapng\n", tap.Packets(), tap.Dropped(), file.Len())
	// Output:
	// 9 packets, 0 dropped, 960 bytes of pcapng
}
