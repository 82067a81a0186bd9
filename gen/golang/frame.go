package golang

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/wire"
)

// headerConfig is how a schema frame maps onto frame.HeaderConfig, which
// generated framings build on: the fields of its code literal, in order.
type headerConfig struct {
	lines []string
}

// mapHeader maps the frame onto frame.Header, or says why it cannot: the
// Header framing has a fixed field order and one byte order.
func mapHeader(fr *schema.Frame) (*headerConfig, error) {
	bad := func(f *schema.Field, format string, args ...any) error {
		return fmt.Errorf("%s: frame %s: %s; the Go generator builds frames on frame.Header, whose header is magic, version u8, type (1, 2 or 4 bytes), id (1, 2, 4 or 8 bytes), length (1, 2, 3, 4 or 8 bytes), body, then an optional crc32c or crc32 trailer, all in one byte order",
			f.Pos, fr.Name, fmt.Sprintf(format, args...))
	}
	hc := &headerConfig{}
	var order wire.ByteOrder
	orderSet := false
	stage := 0 // the roles of the Header's field order
	stageOf := map[schema.Role]int{schema.RoleMagic: 0, schema.RoleVersion: 1, schema.RoleType: 2, schema.RoleID: 3, schema.RoleLength: 4, schema.RoleBody: 5, schema.RoleChecksum: 6}
	var magic []string
	widths := map[schema.Role]int{}
	for _, f := range fr.Fields {
		s, ok := stageOf[f.Role]
		if !ok {
			return nil, bad(f, "field %s has no role", f.Name)
		}
		if s < stage || s == stage && f.Role != schema.RoleMagic {
			return nil, bad(f, "field %s (%s) is out of order", f.Name, f.Role)
		}
		stage = s
		if f.Role == schema.RoleBody {
			continue
		}
		if f.Group != nil && f.Group.Packed() || f.Bits%8 != 0 {
			return nil, bad(f, "field %s shares its bytes with other fields", f.Name)
		}
		if f.Role == schema.RoleMagic {
			for _, b := range constBytes(f) {
				magic = append(magic, fmt.Sprintf("0x%02X", b))
			}
			continue
		}
		w := f.Bits / 8
		widths[f.Role] = w
		if f.Role == schema.RoleChecksum {
			if w > 1 && f.Type.Order != wire.BigEndian {
				return nil, bad(f, "checksum %s is little-endian; frame.Header writes CRCs big-endian: declare it u32be", f.Name)
			}
			continue
		}
		if w > 1 {
			if orderSet && f.Type.Order != order {
				return nil, bad(f, "field %s has another byte order than the fields before it", f.Name)
			}
			order, orderSet = f.Type.Order, true
		}
	}
	if len(magic) > 0 {
		hc.lines = append(hc.lines, "Magic: []byte{"+strings.Join(magic, ", ")+"},")
	}
	if v := fr.Version; v != nil {
		if v.Bits != 8 {
			return nil, bad(v, "version %s is not a u8", v.Name)
		}
		var vs []string
		for _, x := range fr.Versions() {
			vs = append(vs, strconv.FormatUint(x, 10))
		}
		hc.lines = append(hc.lines, "Versions: []uint8{"+strings.Join(vs, ", ")+"},")
	}
	check := func(role schema.Role, name string, allowed ...int) error {
		w, ok := widths[role]
		if !ok {
			return nil
		}
		for _, a := range allowed {
			if w == a {
				hc.lines = append(hc.lines, name+": "+strconv.Itoa(w)+",")
				return nil
			}
		}
		var f *schema.Field
		for _, g := range fr.Fields {
			if g.Role == role {
				f = g
			}
		}
		return bad(f, "a %d-byte %s field", w, role)
	}
	for _, c := range []struct {
		role    schema.Role
		name    string
		allowed []int
	}{
		{schema.RoleType, "TypeWidth", []int{1, 2, 4}},
		{schema.RoleID, "IDWidth", []int{1, 2, 4, 8}},
		{schema.RoleLength, "LengthWidth", []int{1, 2, 3, 4, 8}},
	} {
		if err := check(c.role, c.name, c.allowed...); err != nil {
			return nil, err
		}
	}
	if order == wire.LittleEndian {
		hc.lines = append(hc.lines, "LittleEndian: true,")
	}
	maxPayload := fr.Max
	if fr.LengthCountsFrame {
		hc.lines = append(hc.lines, "LengthCountsFrame: true,")
		overhead := uint64(0)
		for _, f := range fr.Fields {
			if f.Role != schema.RoleBody {
				overhead += uint64(f.Bits / 8)
			}
		}
		if maxPayload < overhead {
			return nil, bad(fr.Length, "max %d is less than the %d bytes of header and trailer", fr.Max, overhead)
		}
		maxPayload -= overhead
	}
	hc.lines = append(hc.lines, "MaxPayload: "+strconv.FormatUint(maxPayload, 10)+",")
	if cs := fr.Checksum; cs != nil {
		if cs.To != fr.Body {
			return nil, bad(cs.Field, "checksum %s ends at %s; frame.Header's ends with the body", cs.Field.Name, cs.To.Name)
		}
		var span string
		switch {
		case cs.From == fr.Fields[0]:
			span = "SpanFrame"
		case cs.From == fr.Body:
			span = "SpanPayload"
		case cs.From.Index > 0 && fr.Fields[cs.From.Index-1].Role == schema.RoleMagic && cs.From.Role != schema.RoleMagic:
			span = "SpanAfterMagic"
		default:
			return nil, bad(cs.Field, "checksum %s starts at %s; frame.Header's starts at the first field, after the magic, or at the body", cs.Field.Name, cs.From.Name)
		}
		algo := map[string]string{"crc32c": "CRC32C", "crc32": "CRC32"}[cs.Algo]
		hc.lines = append(hc.lines, "Checksum: frame."+algo+"(),", "Span: frame."+span+",")
	}
	return hc, nil
}

// constBytes is a constant field's value as bytes on the wire.
func constBytes(f *schema.Field) []byte {
	if f.Const.Bytes != nil {
		return f.Const.Bytes
	}
	w := f.Bits / 8
	return f.Type.Order.AppendUint(nil, f.Const.Int, w)
}

// frame writes the framing, the type ids, the Message interface and the
// dispatch of frame bodies.
func (g *generator) frame(f *goFile) error {
	fr := g.file.Frame
	hc, err := mapHeader(fr)
	if err != nil {
		return err
	}
	fp := f.imp(framePkg)
	name := goName(fr.Name)

	f.P("// The frame types of the messages: the value of the frame's type field.")
	f.P("const (")
	for _, m := range g.file.Bodies() {
		f.Pf("%s = %d", typeConst(m), m.ID)
	}
	f.P(")")
	f.P()

	f.comment(fr.Doc)
	if fr.Doc != "" {
		f.P("//")
	}
	f.P("// It is a frame.Header framing:")
	f.P("//")
	for _, fl := range fr.Fields {
		f.Pf("//\t%-8s %-10s %s", fl.Offset, fl.Name, frameFieldSummary(fr, fl))
	}
	f.P("//")
	f.Pf("// Build it with %s; it is safe for concurrent use. %s is an alias, so", "Framing", name)
	f.P("// that calls through the frame.Framing interface reach frame.Header's")
	f.P("// methods directly, with no wrapper method on every frame.")
	f.Pf("type %s = %s.Header", name, fp)
	f.P()
	f.Pf("var framing = func() *%s {", name)
	f.Pf("h, err := %s.NewHeader(%s.HeaderConfig{", fp, fp)
	for _, l := range hc.lines {
		f.P(l)
	}
	f.P("})")
	f.P("if err != nil {")
	f.P("panic(err) // a constant configuration: fails in every run or never")
	f.P("}")
	f.P("return h")
	f.P("}()")
	f.P()
	f.Pf("// Framing returns the %s framing.", fr.Name)
	f.Pf("func Framing() *%s { return framing }", name)
	f.P()

	f.P("// Message is implemented by the messages that travel as frame bodies,")
	f.P("// and by Raw, which stands for a body of a type this package does not know.")
	f.P("type Message interface {")
	f.P("FrameType() uint32")
	f.P("Append(dst []byte) []byte")
	f.P("Decode(b []byte) error")
	f.P("Size() int")
	f.P("Validate() error")
	f.P("}")
	f.P()
	f.P("// Raw is a frame body of a type this package does not know, kept as bytes")
	f.P("// so that a program can pass it on or answer it.")
	f.P("type Raw struct {")
	f.P("Type    uint32 // the frame's type")
	f.P("Payload []byte // aliases the frame")
	f.P("}")
	f.P()
	f.P("// FrameType returns r.Type.")
	f.P("func (r *Raw) FrameType() uint32 { return r.Type }")
	f.P()
	f.P("// Append appends r.Payload to dst.")
	f.P("func (r *Raw) Append(dst []byte) []byte { return append(dst, r.Payload...) }")
	f.P()
	f.P("// Decode makes r.Payload alias b. It never fails.")
	f.P("func (r *Raw) Decode(b []byte) error {")
	f.P("r.Payload = b")
	f.P("return nil")
	f.P("}")
	f.P()
	f.P("// Size returns len(r.Payload).")
	f.P("func (r *Raw) Size() int { return len(r.Payload) }")
	f.P()
	f.P("// Validate returns nil: any bytes are a Raw body.")
	f.P("func (r *Raw) Validate() error { return nil }")
	f.P()

	f.P("// Messages holds one value of each message type, for decoding frames")
	f.P("// without allocating: Decode decodes a body into the field for the frame's")
	f.P("// type and returns a pointer to it. Keep one Messages per connection or")
	f.P("// goroutine; the zero value is ready to use.")
	f.P("type Messages struct {")
	for _, m := range g.file.Bodies() {
		f.Pf("%s %s", goName(m.Name), goName(m.Name))
	}
	f.P("Raw Raw")
	f.P("}")
	f.P()
	f.P("// Decode decodes the body of fr into the field of ms for fr's type and")
	f.P("// returns that field. A body of a type this package does not know goes to")
	f.P("// ms.Raw, with no error, so that a protocol can grow. The result aliases")
	f.P("// fr's bytes where its fields do, and the next Decode into the same type")
	f.P("// overwrites it. On error the result holds what was decoded so far.")
	f.Pf("func (ms *Messages) Decode(fr *%s.Frame) (Message, error) {", fp)
	f.P("switch fr.Type {")
	for _, m := range g.file.Bodies() {
		f.Pf("case %s:", typeConst(m))
		f.Pf("return &ms.%s, ms.%s.Decode(fr.Payload)", goName(m.Name), goName(m.Name))
	}
	f.P("}")
	f.P("ms.Raw = Raw{Type: fr.Type, Payload: fr.Payload}")
	f.P("return &ms.Raw, nil")
	f.P("}")
	f.P()
	f.Pf("// AppendFrame appends msg to dst as one complete %s frame with the header", fr.Name)
	f.P("// fields of meta (its Type is taken from msg). It fails, leaving dst as it")
	f.P("// was, if the body is over the framing's maximum.")
	f.Pf("func AppendFrame(dst []byte, meta %s.Meta, msg Message) ([]byte, error) {", fp)
	f.P("meta.Type = msg.FrameType()")
	f.P("dst, mark := framing.Begin(dst, meta)")
	f.P("dst = msg.Append(dst)")
	f.P("return framing.Finish(dst, mark, nil)")
	f.P("}")
	f.P()
	return nil
}

func frameFieldSummary(fr *schema.Frame, f *schema.Field) string {
	s := f.Type.String()
	switch f.Role {
	case schema.RoleMagic:
		s += " = " + hex(f.Const.Int) + " (magic)"
	case schema.RoleVersion:
		var vs []string
		for _, v := range fr.Versions() {
			vs = append(vs, strconv.FormatUint(v, 10))
		}
		s += " (version: " + strings.Join(vs, ", ") + ")"
	case schema.RoleType:
		s += " (message type)"
	case schema.RoleID:
		s += " (request id)"
	case schema.RoleLength:
		what := "body"
		if fr.LengthCountsFrame {
			what = "frame"
		}
		s += " = len(" + what + "), max " + strconv.FormatUint(fr.Max, 10)
	case schema.RoleChecksum:
		s += " = " + fr.Checksum.Algo + "(" + fr.Checksum.From.Name + " .. " + fr.Checksum.To.Name + ")"
	}
	if f.Doc != "" {
		s += ": " + strings.ReplaceAll(f.Doc, "\n", " ")
	}
	return s
}
