package dnspb

import (
	"github.com/wirekit/wirekit/internal/wktest"

	"bytes"
	"strings"
	"testing"
)

// query is a query for the A record of example.com, as dig 9.18 sends it
// (captured with tcpdump): header, question, and an EDNS OPT record with a
// client cookie.
const query = `
d871 0120 0001 0000 0000 0001
07 6578616d706c65 03 636f6d 00 0001 0001
00 0029 04d0 00 00 0000 000c 000a 0008 0b3c2a8f6f4d3a0d`

func TestQuery(t *testing.T) {
	b := wktest.Unhex(t, query)
	var m Message
	if err := m.Decode(b); err != nil {
		t.Fatal(err)
	}
	want := Header{ID: 0xd871, Opcode: OpcodeQuery, Rd: true, Z: 2, Rcode: RcodeNoError, Qdcount: 1, Arcount: 1}
	if m.Header != want {
		t.Fatalf("header %+v\n  want %+v", m.Header, want)
	}
	if len(m.Sections) != len(b)-12 {
		t.Fatalf("sections: %d bytes", len(m.Sections))
	}
	if got := m.Append(nil); !bytes.Equal(got, b) {
		t.Errorf("re-encoded %x", got)
	}

	// Walk the question's name, label by label, then its type and class.
	s, off := m.Sections, 0
	var name []string
	for {
		n := int(s[off])
		var l Label
		if err := l.Decode(s[off : off+1+n]); err != nil {
			t.Fatal(err)
		}
		off += 1 + n
		if n == 0 {
			break
		}
		name = append(name, string(l.Text))
	}
	var q Question
	if err := q.Decode(s[off : off+4]); err != nil {
		t.Fatal(err)
	}
	if strings.Join(name, ".") != "example.com" || q.Qtype != QTypeA || q.Qclass != 1 {
		t.Errorf("question %v %v %d", name, q.Qtype, q.Qclass)
	}
}

func TestResponseFlags(t *testing.T) {
	// A recursive resolver's answer: QR, RD and RA set, NXDOMAIN.
	h := Header{ID: 1, Qr: true, Rd: true, Ra: true, Rcode: RcodeNameError, Qdcount: 1, Nscount: 1}
	want := wktest.Unhex(t, "0001 8183 0001 0000 0001 0000")
	if got := h.Append(nil); !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
	if h.Rcode.String() != "name_error" || Opcode(3).String() != "Opcode(3)" || Opcode(3).Valid() {
		t.Errorf("enum strings: %v %v", h.Rcode, Opcode(3))
	}
}

func TestLabelMax(t *testing.T) {
	// RFC 1035 §2.3.4: labels are 63 bytes or less. A length byte of 64
	// or more is refused even when the bytes are there.
	b := append([]byte{64}, make([]byte, 64)...)
	var l Label
	if err := l.Decode(b); err == nil || !strings.Contains(err.Error(), "over the field's max") {
		t.Errorf("64-byte label: %v", err)
	}
}
