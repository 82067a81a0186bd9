package websocketpb

import (
	"bytes"
	"errors"
	"testing"
)

// The examples of RFC 6455 §5.7.
var examples = []struct {
	name    string
	wire    []byte
	header  FrameHeader
	payload string // after unmasking
}{
	{"single-frame unmasked text", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		FrameHeader{Fin: true, Opcode: OpcodeText, Len7: 5}, "Hello"},
	{"single-frame masked text", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		FrameHeader{Fin: true, Opcode: OpcodeText, Masked: true, Len7: 5, MaskKey: [4]uint8{0x37, 0xfa, 0x21, 0x3d}}, "Hello"},
	{"first fragment", []byte{0x01, 0x03, 0x48, 0x65, 0x6c},
		FrameHeader{Opcode: OpcodeText, Len7: 3}, "Hel"},
	{"last fragment", []byte{0x80, 0x02, 0x6c, 0x6f},
		FrameHeader{Fin: true, Opcode: OpcodeContinuation, Len7: 2}, "lo"},
	{"unmasked ping", []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		FrameHeader{Fin: true, Opcode: OpcodePing, Len7: 5}, "Hello"},
	{"masked pong", []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		FrameHeader{Fin: true, Opcode: OpcodePong, Masked: true, Len7: 5, MaskKey: [4]uint8{0x37, 0xfa, 0x21, 0x3d}}, "Hello"},
	{"256 bytes binary", append([]byte{0x82, 0x7e, 0x01, 0x00}, bytes.Repeat([]byte{0xab}, 256)...),
		FrameHeader{Fin: true, Opcode: OpcodeBinary, Len7: 126, Len16: 256}, string(bytes.Repeat([]byte{0xab}, 256))},
	{"64KiB binary", append([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}, bytes.Repeat([]byte{0xcd}, 65536)...),
		FrameHeader{Fin: true, Opcode: OpcodeBinary, Len7: 127, Len64: 65536}, string(bytes.Repeat([]byte{0xcd}, 65536))},
}

// length is the payload length the header declares.
func (h *FrameHeader) length() uint64 {
	switch h.Len7 {
	case 126:
		return uint64(h.Len16)
	case 127:
		return h.Len64
	}
	return uint64(h.Len7)
}

func TestRFCExamples(t *testing.T) {
	for _, ex := range examples {
		var f Frame
		if err := f.Decode(ex.wire); err != nil {
			t.Errorf("%s: %v", ex.name, err)
			continue
		}
		if f.Header != ex.header {
			t.Errorf("%s: header %+v\nwant %+v", ex.name, f.Header, ex.header)
		}
		if n := f.Header.length(); n != uint64(len(f.Payload)) {
			t.Errorf("%s: header says %d bytes, %d follow", ex.name, n, len(f.Payload))
		}
		payload := bytes.Clone(f.Payload)
		if f.Header.Masked {
			for i := range payload {
				payload[i] ^= f.Header.MaskKey[i%4]
			}
		}
		if string(payload) != ex.payload {
			t.Errorf("%s: payload %q", ex.name, payload)
		}
		if got := f.Append(nil); !bytes.Equal(got, ex.wire) {
			t.Errorf("%s: re-encoded %x", ex.name, got[:min(len(got), 16)])
		}
		if f.Size() != len(ex.wire) {
			t.Errorf("%s: Size %d", ex.name, f.Size())
		}
	}
}

func TestLengthFields(t *testing.T) {
	// A 64-bit length must have its top bit clear (§5.2).
	b := []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}
	var h FrameHeader
	if err := h.Decode(b); !errors.Is(err, ErrRange) {
		t.Errorf("top bit set: %v", err)
	}
	// A 16-bit length set while the 7-bit one does not call for it is
	// something Append would drop.
	h = FrameHeader{Len7: 5, Len16: 300}
	if err := h.Validate(); !errors.Is(err, ErrCondition) {
		t.Errorf("Validate: %v", err)
	}
	// The mask key is present only with the mask bit.
	if err := h.Decode([]byte{0x81, 0x85, 1, 2, 3}); err == nil {
		t.Error("masked header without its whole key decoded")
	}
}

func TestClose(t *testing.T) {
	var c Close
	if err := c.Decode([]byte{0x03, 0xe8, 'b', 'y', 'e'}); err != nil || c.Code != 1000 || c.Reason != "bye" {
		t.Errorf("%+v %v", c, err)
	}
	if err := c.Decode([]byte{0x03, 0xec}); !errors.Is(err, ErrRange) { // 1004 is reserved
		t.Errorf("code 1004: %v", err)
	}
	if err := c.Decode([]byte{0x03, 0xe8, 0xff}); !errors.Is(err, ErrUTF8) {
		t.Errorf("bad UTF-8: %v", err)
	}
}
