package traffic

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/tshark"
)

// Telemetry sends protocoltest.TelemetryRequests from a UDP socket to a UDP
// server on 127.0.0.1, which answers the datagram with the ping with
// protocoltest.TelemetryResponse. listen is called with the server's port before any
// traffic, to start a capture. It returns the client's port.
func Telemetry(t testing.TB, listen func(port int)) int {
	t.Helper()
	srv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	listen(srv.LocalAddr().(*net.UDPAddr).Port)
	cl, err := net.DialUDP("udp4", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(10 * time.Second)
	srv.SetDeadline(deadline)
	cl.SetDeadline(deadline)
	reqs := protocoltest.TelemetryRequests()
	buf := make([]byte, 65536)
	for i := range reqs {
		if _, err := cl.Write(reqs.Bytes(i)); err != nil {
			t.Fatal(err)
		}
		n, from, err := srv.ReadFromUDP(buf)
		if err != nil || n != len(reqs.Bytes(i)) {
			t.Fatalf("server read %d bytes, %v; want %d", n, err, len(reqs.Bytes(i)))
		}
		if i == 1 { // the datagram with the ping
			if _, err := srv.WriteToUDP(protocoltest.TelemetryResponse().Bytes(0), from); err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Read(buf); err != nil {
				t.Fatal(err)
			}
		}
	}
	return cl.LocalAddr().(*net.UDPAddr).Port
}

// TelemetryCaptured runs Telemetry while dumpcap captures it on the
// loopback interface, and returns the file and the client's and server's
// ports; t is skipped if dumpcap cannot capture.
func TelemetryCaptured(t testing.TB) (file string, clientPort, serverPort int) {
	t.Helper()
	var capture *tshark.Capture
	clientPort = Telemetry(t, func(port int) {
		serverPort = port
		capture = tshark.CaptureLoopback(t, fmt.Sprintf("udp port %d", port))
	})
	return capture.Stop(t), clientPort, serverPort
}
