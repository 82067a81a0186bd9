package dissect_test

import (
	"errors"
	"testing"

	"github.com/wirekit/wirekit/internal/protocoltest"
	"github.com/wirekit/wirekit/internal/wktest"
	"github.com/wirekit/wirekit/schema/dissect"
)

// FuzzFrame decodes any input as a frame of each framed test protocol: it
// must not panic, every item must lie inside the
// input, and Frame must take the length FrameLen reads.
func FuzzFrame(f *testing.F) {
	f.Add(wktest.Unhex(f, wktest.SpecVector))
	for _, dg := range protocoltest.TelemetryRequests() {
		for _, tf := range dg {
			f.Add(tf.Bytes())
		}
	}
	ps := []*dissect.Protocol{protocol(f, ordersWire), protocol(f, telemetryWire), protocol(f, mixedWire)}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range ps {
			fr := p.Frame(b)
			inside(t, fr.Root, len(b))
			n, err := p.FrameLen(b)
			var se *dissect.StreamError
			switch {
			case errors.As(err, &se):
				if !fr.Fatal {
					t.Fatalf("FrameLen: %v, but Frame is not fatal", err)
				}
			case err == nil && n <= len(b):
				if fr.Len != n || fr.Fatal {
					t.Fatalf("FrameLen %d, Frame takes %d (fatal %t)", n, fr.Len, fr.Fatal)
				}
			}
		}
	})
}

// FuzzMessage decodes any input as each message of the schema that uses
// every feature.
func FuzzMessage(f *testing.F) {
	f.Add([]byte("FX\x02\x00\x01\x00\x02"))
	p := protocol(f, featuresWire)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, m := range p.Schema.Messages {
			inside(t, p.Message(m, b), len(b))
		}
	})
}

// inside fails t if an item of the tree lies outside an input of n bytes.
func inside(t *testing.T, node *dissect.Node, n int) {
	t.Helper()
	if node.Offset < 0 || node.Len < 0 || node.Offset+node.Len > n {
		t.Fatalf("%s at %d, %d bytes, in %d", node.Field.Name, node.Offset, node.Len, n)
	}
	for _, c := range node.Children {
		inside(t, c, n)
	}
}
