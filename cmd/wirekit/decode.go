package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strings"

	"github.com/wirekit/wirekit/internal/capture"
	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/schema/dissect"
)

const decodeUsage = `usage: wirekit decode FILE.wire [--hex HEX | --pcap FILE | -] [--json]

Decodes frames of the schema's protocol, reading the schema itself (no
generated code), and prints each as a tree whose items have the names the
Wireshark dissector gives them (wirekit dissector), with the problems found:
a bad magic number or checksum, an unknown type, a truncated body.

  --hex HEX     frames given in hex; spaces, colons and 0x are ignored
  --pcap FILE   a pcapng or pcap capture: each direction of a TCP connection
                is put back in order and cut into frames, each UDP datagram
                too. A flow is the protocol's if it uses --port, or if its
                conversation starts with the frame's magic bytes, as the
                dissector's heuristic decides.
  -             frames as bytes on standard input (the default)

flags:
`

// runDecode is the decode command.
func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("decode", decodeUsage, stderr)
	hexIn := fs.String("hex", "", "decode the frames in `HEX`")
	pcap := fs.String("pcap", "", "decode the frames in the capture `FILE`")
	asJSON := fs.Bool("json", false, "print JSON: an array of frames, each with its tree")
	name := fs.String("name", "", "the protocol's filter name `PROTO` (default: the schema file's base name)")
	port := fs.Int("port", 0, "in a capture, the TCP or UDP `port` of the protocol")
	message := fs.String("message", "", "decode the input as one message `NAME`, not as frames")
	files, code := parseArgs(fs, args)
	if code >= 0 {
		return code
	}
	if len(files) == 2 && files[1] == "-" && *hexIn == "" && *pcap == "" {
		files = files[:1] // standard input, the default
	}
	if len(files) != 1 || *hexIn != "" && *pcap != "" || *message != "" && *pcap != "" {
		fs.Usage()
		return 2
	}
	err := func() error {
		f, err := schema.ParseFile(files[0])
		if err != nil {
			return err
		}
		p, err := dissect.New(f, dissect.Options{Name: *name})
		if err != nil {
			return err
		}
		out := &printer{w: bufio.NewWriter(stdout), json: *asJSON}
		defer out.close()
		if *pcap != "" {
			return decodeCapture(p, *pcap, uint16(*port), out, stderr)
		}
		var data []byte
		if *hexIn != "" {
			data, err = parseHex(*hexIn)
		} else {
			data, err = io.ReadAll(stdin)
		}
		if err != nil {
			return err
		}
		if *message != "" {
			m := f.Message(*message)
			if m == nil {
				return fmt.Errorf("decode: %s has no message %s", files[0], *message)
			}
			out.frame(decoded{length: len(data), summary: m.Name, root: p.Message(m, data)})
			return nil
		}
		if f.Frame == nil {
			return fmt.Errorf("decode: %s declares no frame: name the message the input holds with --message", files[0])
		}
		s := &flowState{ours: true}
		s.data = data
		s.frames(p, 0, "", true, out)
		return nil
	}()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// parseHex reads hex digits, ignoring white space, colons and 0x.
func parseHex(s string) ([]byte, error) {
	s = strings.ReplaceAll(s, "0x", "")
	s = strings.Map(func(r rune) rune {
		if r == ':' || r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode: --hex: %w", err)
	}
	return b, nil
}

// flowState is what is known of one flow of a capture, or of the input.
type flowState struct {
	decided, ours bool
	dead          bool   // the stream cannot be trusted any more
	data          []byte // bytes not yet cut into frames
	offset        int64  // of data[0] in the stream
}

// frames cuts the frames out of s.data and prints them. At the end of the
// input (last), bytes that are not a whole frame are printed as one cut
// short; otherwise they wait for more.
func (s *flowState) frames(p *dissect.Protocol, packet int, flow string, last bool, out *printer) {
	for len(s.data) > 0 && !s.dead {
		n, err := p.FrameLen(s.data)
		var se *dissect.StreamError
		switch {
		case errors.As(err, &se):
			s.dead = true
			n = len(s.data)
		case err != nil || n > len(s.data):
			if !last {
				return
			}
			n = len(s.data)
		}
		fr := p.Frame(s.data[:n])
		out.frame(decoded{packet: packet, flow: flow, offset: s.offset, length: fr.Len, summary: fr.Summary, root: fr.Root})
		s.data, s.offset = s.data[n:], s.offset+int64(n)
	}
	if s.dead {
		s.data = nil
	}
}

// conversation names both directions of a flow alike.
type conversation struct {
	transport capture.Transport
	a, b      netip.AddrPort
}

func conversationOf(f capture.Flow) conversation {
	a, b := f.Src, f.Dst
	if b.Compare(a) < 0 {
		a, b = b, a
	}
	return conversation{f.Transport, a, b}
}

// decodeCapture prints the frames of the protocol in a capture file.
func decodeCapture(p *dissect.Protocol, file string, port uint16, out *printer, stderr io.Writer) error {
	fr := p.Schema.Frame
	if fr == nil {
		return fmt.Errorf("decode: %s declares no frame, which a capture's streams are cut into", p.Schema.Name)
	}
	fh, err := os.Open(file)
	if err != nil {
		return err
	}
	defer fh.Close()
	r, err := capture.NewReader(fh)
	if err != nil {
		return err
	}
	magic := p.Magic()
	if port == 0 && magic == nil {
		return errors.New("decode: the frame has no magic bytes to recognize its streams by: give the protocol's --port")
	}
	convs := map[conversation]bool{} // the protocol's, as far as known
	flows := map[capture.Flow]*flowState{}
	var order []capture.Flow
	for {
		pl, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		s := flows[pl.Flow]
		if s == nil || pl.Start || pl.Gap || pl.Flow.Transport == capture.UDP {
			// A new stream (or datagram) whose start the heuristic sees.
			s = &flowState{}
			flows[pl.Flow] = s
			order = append(order, pl.Flow)
		}
		s.data = append(s.data, pl.Data...)
		if !s.decided && len(s.data) > 0 {
			conv := conversationOf(pl.Flow)
			switch {
			case convs[conv] || port != 0 && (pl.Flow.Src.Port() == port || pl.Flow.Dst.Port() == port):
				s.decided, s.ours = true, true
			case len(s.data) >= len(magic):
				s.decided, s.ours = true, bytes.HasPrefix(s.data, magic)
			}
			if s.ours {
				convs[conv] = true
			}
		}
		if !s.ours {
			if s.decided {
				s.data = nil
			}
			continue
		}
		s.frames(p, pl.Packet, pl.Flow.String(), pl.Flow.Transport == capture.UDP, out)
	}
	for _, f := range order {
		if s := flows[f]; s.ours && len(s.data) > 0 {
			fmt.Fprintf(stderr, "decode: %s ends inside a frame: %d bytes at offset %d\n", f, len(s.data), s.offset)
		}
	}
	return nil
}

// decoded is a frame (or message) to print.
type decoded struct {
	packet  int
	flow    string
	offset  int64
	length  int
	summary string
	root    *dissect.Node
}

// printer prints frames as text or as a JSON array.
type printer struct {
	w     *bufio.Writer
	json  bool
	count int
}

func (p *printer) frame(d decoded) {
	p.count++
	if !p.json {
		where := fmt.Sprintf("offset %d", d.offset)
		if d.flow != "" {
			where = fmt.Sprintf("packet %d, %s, %s", d.packet, d.flow, where)
		}
		fmt.Fprintf(p.w, "frame %d (%s): %s\n", p.count, where, d.summary)
		d.root.WriteText(p.w)
		fmt.Fprintln(p.w)
		return
	}
	sep := ",\n"
	if p.count == 1 {
		sep = "[\n"
	}
	b, _ := json.Marshal(jsonFrame{Packet: d.packet, Flow: d.flow, Offset: d.offset, Length: d.length, Summary: d.summary, Tree: toJSON(d.root)})
	p.w.WriteString(sep)
	p.w.Write(b)
}

func (p *printer) close() {
	if p.json {
		if p.count == 0 {
			p.w.WriteString("[")
		}
		p.w.WriteString("\n]\n")
	}
	p.w.Flush()
}

// jsonFrame is a frame in decode's JSON output.
type jsonFrame struct {
	Packet  int       `json:"packet,omitempty"` // the capture's packet that completed it, from 1
	Flow    string    `json:"flow,omitempty"`   // "tcp 127.0.0.1:40000 → 127.0.0.1:7070"
	Offset  int64     `json:"offset"`           // in its stream, or in the input
	Length  int       `json:"length"`
	Summary string    `json:"summary"` // the dissector's Info column
	Tree    *jsonNode `json:"tree"`
}

// jsonNode is an item of a frame's tree.
type jsonNode struct {
	Name     string        `json:"name,omitempty"`  // the filter name
	Label    string        `json:"label,omitempty"` // of an item without a name
	Offset   int           `json:"offset"`          // in the frame
	Length   int           `json:"length"`
	Value    any           `json:"value,omitempty"`     // a number, true or false, a string; bytes in hex
	Show     string        `json:"show"`                // as tshark's JSON shows it
	Named    string        `json:"valueName,omitempty"` // the name of an enum's value
	Problems []jsonProblem `json:"problems,omitempty"`
	Children []*jsonNode   `json:"children,omitempty"`
}

type jsonProblem struct {
	Expert   string `json:"expert"`   // orders.crc.bad
	Severity string `json:"severity"` // note, warning, error
	Group    string `json:"group"`    // checksum, malformed, protocol
	Text     string `json:"text"`
}

func toJSON(n *dissect.Node) *jsonNode {
	j := &jsonNode{Label: n.Label, Offset: n.Offset, Length: n.Len, Value: n.Value, Show: n.Show()}
	if n.Field != nil {
		j.Name = n.Field.Name
		switch v := n.Value.(type) {
		case uint64:
			j.Named = n.Field.NameOf(v)
		case int64:
			j.Named = n.Field.NameOf(uint64(v))
		case []byte:
			j.Value = hex.EncodeToString(v)
		case float64:
			if math.IsInf(v, 0) || math.IsNaN(v) {
				j.Value = j.Show // JSON has no numbers for these
			}
		}
	}
	for _, pr := range n.Problems {
		j.Problems = append(j.Problems, jsonProblem{pr.Expert.Name, pr.Expert.Severity.String(), pr.Expert.Group.String(), pr.Text})
	}
	for _, c := range n.Children {
		j.Children = append(j.Children, toJSON(c))
	}
	return j
}
