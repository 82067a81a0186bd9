package dissect

import (
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/wire"
)

// A Node is one item of a decoded tree.
type Node struct {
	// Field is what the item shows; nil for an item that only groups
	// others, a row of an array of arrays, which Label names.
	Field *Field
	Label string
	// Offset and Len place the item in the input, in bytes. A bit field
	// covers the bytes of its group, as Wireshark shows it, and a frame
	// cut short or not to be trusted covers the rest of the input.
	Offset, Len int
	// Value is a uint64, int64, bool, float64, []byte (aliasing the
	// input) or string, as Field.Kind says; nil for a subtree.
	Value    any
	Children []*Node
	Problems []Problem
}

// A Problem is something wrong with a node's bytes.
type Problem struct {
	Expert *Expert
	Text   string
}

func (n *Node) add(c *Node) *Node {
	n.Children = append(n.Children, c)
	return c
}

func (n *Node) problem(e *Expert, format string, args ...any) {
	n.Problems = append(n.Problems, Problem{e, fmt.Sprintf(format, args...)})
}

// Show returns the node's value as Wireshark shows it in its "show"
// attribute and in tshark's JSON: decimal numbers (hexadecimal for magic
// numbers and checksums, zero-padded to the field's width), floats to 6 or
// 15 significant digits, 1 and 0 for booleans, bytes as colon-separated
// hex, strings as they are.
func (n *Node) Show() string {
	switch v := n.Value.(type) {
	case uint64:
		if n.Field.Hex {
			return fmt.Sprintf("0x%0*x", (n.Field.Bits+3)/4, v)
		}
		return strconv.FormatUint(v, 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case float64:
		// Wireshark's "%.6g" and "%.15g" (FLT_DIG and DBL_DIG digits).
		if n.Field.Bits == 32 {
			return strconv.FormatFloat(v, 'g', 6, 32)
		}
		return strconv.FormatFloat(v, 'g', 15, 64)
	case []byte:
		var b strings.Builder
		for i, x := range v {
			if i > 0 {
				b.WriteByte(':')
			}
			fmt.Fprintf(&b, "%02x", x)
		}
		return b.String()
	case string:
		return v
	}
	return ""
}

// A Frame is one frame, decoded.
type Frame struct {
	// Root is the protocol's item; its children are the frame's fields.
	Root *Node
	// Message is the body's message: nil if the type is unknown or the
	// frame ends before its body.
	Message *schema.Message
	// Len is how many bytes of the input the frame takes: its length, or
	// all of the input if it is cut short or cannot be trusted.
	Len int
	// Summary says what the frame is in one line, as the dissector's Info
	// column does: "NewOrder id=7 order_id=42 sell ioc qty=100 ...".
	Summary string
	// Fatal reports a frame after which the stream cannot be trusted: a
	// bad magic number or a length over the maximum, which leave no way to
	// find where the next frame starts.
	Fatal bool
}

// ErrIncomplete is FrameLen's error for input that ends inside a frame's
// header: more bytes are needed to tell how long the frame is.
var ErrIncomplete = errors.New("dissect: incomplete frame header")

// A StreamError says that bytes where a frame should start are not one, in
// a way that leaves no telling where the next frame starts: the stream
// cannot be trusted after it.
type StreamError struct {
	Expert *Expert
	Text   string
}

func (e *StreamError) Error() string { return "dissect: " + e.Text }

// FrameLen returns the length of the frame at the start of b, reading its
// header only: ErrIncomplete if b ends inside the header, a *StreamError
// for a bad magic number or a bad length. It is how a stream is cut into
// frames; the frame itself may still be malformed.
func (p *Protocol) FrameLen(b []byte) (int, error) {
	if p.Schema.Frame == nil {
		return 0, errors.New("dissect: the schema declares no frame")
	}
	if len(b) < p.header {
		return 0, ErrIncomplete
	}
	hdr, sc := &Node{}, newScope()
	d := &decoder{p: p, b: b}
	d.fields(p.Schema.Frame.Fields[:p.Schema.Frame.Body.Index], hdr, 0, p.header, sc, nil)
	return p.frameLen(hdr, sc)
}

// maxFrame bounds the length of a frame this package dissects, whatever
// the schema allows, so that lengths fit an int on every platform.
const maxFrame = 1<<31 - 1

// frameLen returns the length of a frame from its decoded header, or the
// StreamError that says the stream has no frame there: a bad magic number,
// or a bad length, which it reports on the length's node if the checks of
// the header have not.
func (p *Protocol) frameLen(hdr *Node, sc *scope) (int, error) {
	fr := p.Schema.Frame
	var lengthNode *Node
	for _, c := range hdr.Children {
		for _, pr := range c.Problems {
			if pr.Expert == p.Experts.BadMagic || pr.Expert == p.Experts.BadLength {
				return 0, &StreamError{pr.Expert, pr.Text}
			}
		}
		if c.Field != nil && c.Field.Source == fr.Length {
			lengthNode = c
		}
	}
	length, fixed := sc.vals[fr.Length], uint64(p.header+p.trailer)
	var text string
	switch {
	case fr.LengthCountsFrame && length < fixed:
		text = fmt.Sprintf("length %d is less than the %d bytes of header and trailer", length, fixed)
	case length > maxFrame-fixed:
		text = fmt.Sprintf("length %d is too large to dissect", length)
	case fr.LengthCountsFrame:
		return int(length), nil
	default:
		return int(length + fixed), nil
	}
	lengthNode.problem(p.Experts.BadLength, "%s", text)
	return 0, &StreamError{p.Experts.BadLength, text}
}

// Frame decodes the frame at the start of b, which may hold more (the
// frames after it) or less (a frame cut short, which is reported). It
// never fails: what is wrong is in the tree as Problems.
func (p *Protocol) Frame(b []byte) *Frame {
	fr := p.Schema.Frame
	root := &Node{Field: p.Root, Len: len(b)}
	out := &Frame{Root: root, Len: len(b)}
	sum := &summary{}
	defer func() { out.Summary = sum.finish(p, root) }()
	if fr == nil {
		root.problem(p.Experts.Malformed, "the schema declares no frame")
		return out
	}
	d := &decoder{p: p, b: b}
	sc := newScope()
	if _, err := d.fields(fr.Fields[:fr.Body.Index], root, 0, len(b), sc, nil); err != nil {
		root.problem(p.Experts.Malformed, "truncated: the header takes %d bytes, %d captured", p.header, len(b))
		return out
	}
	n, err := p.frameLen(root, sc)
	if err != nil {
		out.Fatal = true
		return out
	}
	typ := sc.vals[fr.Type]
	if fr.ID != nil {
		sum.id = "id=" + strconv.FormatUint(sc.vals[fr.ID], 10)
	}
	bodyLen := n - p.header - p.trailer
	bodyEnd := min(p.header+bodyLen, len(b))
	if m := p.body(typ); m != nil {
		out.Message = m
		sum.name = m.Name
		body := root.add(&Node{Field: p.message[m], Offset: p.header, Len: bodyEnd - p.header})
		p.decodeBody(d, m, body, bodyEnd, sum)
	} else {
		sum.name = "type=" + strconv.FormatUint(typ, 10)
		raw := root.add(&Node{Field: p.byField[fr.Body], Offset: p.header, Len: bodyEnd - p.header, Value: b[p.header:bodyEnd]})
		raw.problem(p.Experts.UnknownType, "type %d is no message's", typ)
	}
	if n > len(b) {
		root.problem(p.Experts.Malformed, "truncated: the frame takes %d bytes, %d captured", n, len(b))
		return out
	}
	out.Len, root.Len = n, n
	if _, err := d.fields(fr.Fields[fr.Body.Index+1:], root, bodyEnd, n, sc, nil); err != nil {
		panic("dissect: " + err.Error()) // New checked that the trailer has a fixed size, and its bytes are there
	}
	if cs := fr.Checksum; cs != nil {
		p.checksum(cs, root, b, bodyLen, sc)
	}
	return out
}

// decodeBody decodes the body of message m into node, which covers it.
func (p *Protocol) decodeBody(d *decoder, m *schema.Message, node *Node, end int, sum *summary) {
	pos, err := d.fields(m.Fields, node, node.Offset, end, newScope(), sum)
	switch {
	case err != nil:
		node.problem(p.Experts.Malformed, "%s", err)
	case pos != end:
		node.problem(p.Experts.Malformed, "%d bytes left after %s", end-pos, m.Name)
	}
}

// checksum computes the frame's checksum and adds its verdict under its
// node.
func (p *Protocol) checksum(cs *schema.Checksum, root *Node, b []byte, bodyLen int, sc *scope) {
	fromPl, toPl := p.ChecksumSpan()
	from, to := fromPl.At(p.header+bodyLen), toPl.At(p.header+bodyLen)
	tab := crc32.IEEETable
	if cs.Algo == "crc32c" {
		tab = crc32.MakeTable(crc32.Castagnoli)
	}
	got, want := sc.vals[cs.Field], uint64(crc32.Checksum(b[from:to], tab))
	var node *Node
	for _, c := range root.Children {
		if c.Field.Source == cs.Field {
			node = c
		}
	}
	status := &Node{Field: p.status, Offset: node.Offset, Len: node.Len, Value: uint64(ChecksumGood)}
	node.add(status)
	if got != want {
		status.Value = uint64(ChecksumBad)
		node.problem(p.Experts.BadChecksum, "bad checksum: 0x%08x, computed 0x%08x", got, want)
	}
}

// A Place is a byte position in a frame: Offset bytes from the frame's
// start, or, if AfterBody, from the end of the body.
type Place struct {
	Offset    int
	AfterBody bool
}

// At returns the place as an offset from the frame's start, in a frame
// whose body ends at bodyEnd.
func (pl Place) At(bodyEnd int) int {
	if pl.AfterBody {
		return bodyEnd + pl.Offset
	}
	return pl.Offset
}

// ChecksumSpan returns where the bytes the frame's checksum covers start
// and end; a bit field counts with all of its group.
func (p *Protocol) ChecksumSpan() (from, to Place) {
	cs := p.Schema.Frame.Checksum
	return p.place(cs.From, false), p.place(cs.To, true)
}

// place returns where frame field f starts, or ends if end.
func (p *Protocol) place(f *schema.Field, end bool) Place {
	if f == p.Schema.Frame.Body {
		if end {
			return Place{0, true}
		}
		return Place{p.header, false}
	}
	first, bits := f, f.Bits
	if g := f.Group; g != nil {
		first, bits = g.Fields[0], g.Bits
	}
	pl := Place{first.Offset.Bits / 8, first.Offset.After != nil}
	if end {
		pl.Offset += bits / 8
	}
	return pl
}

// body returns the message with type id typ, or nil.
func (p *Protocol) body(typ uint64) *schema.Message {
	for _, m := range p.Schema.Bodies() {
		if m.ID == typ {
			return m
		}
	}
	return nil
}

// Message decodes all of b as one message m, as the body of a frame is:
// into a subtree of m's item whose problems say what is wrong.
func (p *Protocol) Message(m *schema.Message, b []byte) *Node {
	node := &Node{Field: p.message[m], Len: len(b)}
	p.decodeBody(&decoder{p: p, b: b}, m, node, len(b), &summary{})
	return node
}

func hasProblem(n *Node, e *Expert) bool {
	for _, pr := range n.Problems {
		if pr.Expert == e {
			return true
		}
	}
	return false
}

// summary collects a frame's one-line description: its message's name,
// its id, its body's fields, then in brackets what is wrong with it.
type summary struct {
	name, id string
	fields   []string
}

// finish returns the summary of the frame whose tree is root.
func (s *summary) finish(p *Protocol, root *Node) string {
	var words []string
	for _, w := range append([]string{s.name, s.id}, s.fields...) {
		if w != "" {
			words = append(words, w)
		}
	}
	raised := map[*Expert]bool{}
	var walk func(*Node)
	walk = func(n *Node) {
		for _, pr := range n.Problems {
			raised[pr.Expert] = true
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
	var flags []string
	for _, e := range p.Experts.All() {
		if raised[e] {
			flags = append(flags, e.Flag)
		}
	}
	if len(flags) > 0 {
		words = append(words, "["+strings.Join(flags, ", ")+"]")
	}
	return strings.Join(words, " ")
}

// add describes a top-level field of the body, whose node is n (an
// array's count of elements is count): an enum by the name of its value, a
// true bool by its own name (a false one not at all), a number as
// name=value, a string in quotes (if it is UTF-8), bytes and arrays by
// their size.
func (s *summary) add(f *schema.Field, n *Node, count int) {
	if !f.Stored() || f.Type.Kind == schema.KindMessage {
		return
	}
	label := f.Name
	switch {
	case f.Type.Kind == schema.KindArray:
		s.fields = append(s.fields, fmt.Sprintf("%s=[%d]", label, count))
	case f.Type.Kind == schema.KindEnum:
		if name := n.Field.NameOf(uintOf(n.Value)); name != "" {
			s.fields = append(s.fields, name)
		} else {
			s.fields = append(s.fields, label+"="+n.Show())
		}
	case f.Type.Kind == schema.KindBool:
		if n.Value.(bool) {
			s.fields = append(s.fields, label)
		}
	case f.Type.Kind == schema.KindFloat:
		s.fields = append(s.fields, label+"="+strconv.FormatFloat(n.Value.(float64), 'g', 6, 64))
	case f.Type.Kind == schema.KindString && !utf8.ValidString(n.Value.(string)):
		s.fields = append(s.fields, label+"=<not UTF-8>")
	case f.Type.Kind == schema.KindString:
		s.fields = append(s.fields, label+`="`+n.Value.(string)+`"`)
	case f.Type.Kind == schema.KindBytes:
		s.fields = append(s.fields, fmt.Sprintf("%s=%d bytes", label, len(n.Value.([]byte))))
	default:
		s.fields = append(s.fields, label+"="+n.Show())
	}
}

// uintOf returns an integer value as the model keeps it.
func uintOf(v any) uint64 {
	switch x := v.(type) {
	case uint64:
		return x
	case int64:
		return uint64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// decoder reads fields from b.
type decoder struct {
	p *Protocol
	b []byte
}

// scope holds what later fields of a message read of earlier ones: the
// values conditions test and the sizes held in other fields.
type scope struct {
	vals map[*schema.Field]uint64 // integer values as the model keeps them
	lens map[*schema.Field]uint64 // by the field measured
}

func newScope() *scope {
	return &scope{vals: map[*schema.Field]uint64{}, lens: map[*schema.Field]uint64{}}
}

// A malformed error says why a message does not decode.
type malformed string

func (e malformed) Error() string { return string(e) }

func short(what string, need, left int) error {
	return malformed(fmt.Sprintf("truncated: %s needs %d bytes, %d left", what, need, left))
}

// fields decodes the fields fs from b[pos:end] as children of parent and
// returns where they end. sum, if not nil, collects the fields for the
// frame's summary. It stops at the first error.
func (d *decoder) fields(fs []*schema.Field, parent *Node, pos, end int, sc *scope, sum *summary) (int, error) {
	var group []byte // the bytes of the current bit group
	var gpos int
	for _, f := range fs {
		if f.Cond != nil && !holds(f.Cond, sc.vals[f.Cond.Field]) {
			continue
		}
		before := len(parent.Children)
		count := 0
		if g := f.Group; g != nil {
			if f == g.Fields[0] {
				n := g.Bits / 8
				if end-pos < n {
					return pos, short(f.Name, n, end-pos)
				}
				group, gpos = d.b[pos:pos+n], pos
				pos += n
			}
			d.bitField(f, group, gpos, parent, sc)
		} else {
			var err error
			if pos, count, err = d.value(f.Type, f, 0, parent, pos, end, sc); err != nil {
				return pos, err
			}
		}
		switch {
		case sum == nil:
		case f.Type.Kind == schema.KindArray:
			sum.add(f, nil, count)
		case len(parent.Children) > before:
			sum.add(f, parent.Children[len(parent.Children)-1], 0)
		}
	}
	return pos, nil
}

// bitField decodes f, an integer, bool or enum of bit group g that starts
// at byte gpos.
func (d *decoder) bitField(f *schema.Field, g []byte, gpos int, parent *Node, sc *scope) {
	t := IntType(f.Type)
	// A packed group is one integer in the bit order's byte order; a
	// group of one field is an integer in its own.
	le, shift := f.Group.Order == wire.LSBFirst, 0
	if f.Group.Packed() {
		shift = f.Group.Shift(f)
	} else {
		le = t.Order == wire.LittleEndian
	}
	v := bitsAt(g, le, shift, t.Bits)
	if t.Signed {
		v = signExtend(v, t.Bits)
	}
	n := parent.add(&Node{Field: d.p.byField[f], Offset: gpos, Len: len(g), Value: typed(d.p.byField[f], v)})
	sc.vals[f] = v
	if f.LengthOf != nil {
		sc.lens[f.LengthOf] = v
	}
	d.check(f, t, n, v)
}

// check reports a value the schema does not allow.
func (d *decoder) check(f *schema.Field, t *schema.Type, n *Node, v uint64) {
	e := d.p.Experts.Invalid
	switch f.Role {
	case schema.RoleMagic:
		e = d.p.Experts.BadMagic
	case schema.RoleVersion:
		e = d.p.Experts.BadVersion
	}
	label := n.Field.Label
	m := mask(t.Bits)
	switch {
	case f.Const != nil && v&m != f.Const.Int&m:
		want := &Node{Field: n.Field, Value: typed(n.Field, signExtendIf(t, f.Const.Int&m))}
		n.problem(e, "%s is %s, want %s", label, n.Show(), want.Show())
	case f.Rule != nil && !inRanges(f.Rule.Ranges, v, t.Signed):
		n.problem(e, "%s is %s, not in %s", label, n.Show(), f.Rule.Text)
	case f.Type.Kind == schema.KindEnum && f.Type.Enum.Strict && n.Field.NameOf(v) == "":
		n.problem(e, "%s is %s, not a value of %s", label, n.Show(), f.Type.Enum.Name)
	case f.Role == schema.RoleLength && v > d.p.Schema.Frame.Max:
		n.problem(d.p.Experts.BadLength, "length %d is over the maximum %d", v, d.p.Schema.Frame.Max)
	}
}

// value decodes a value of type t from b[pos:end] as children of parent: a
// field f that is not a bit field (depth 0), or an element of its array at
// depth 1 and more. It returns where the value ends and, for an array, the
// count of its elements.
func (d *decoder) value(t *schema.Type, f *schema.Field, depth int, parent *Node, pos, end int, sc *scope) (int, int, error) {
	fd := d.p.byField[f]
	switch t.Kind {
	case schema.KindInt, schema.KindEnum: // array elements: whole bytes in their byte order
		it := IntType(t)
		w := it.Bits / 8
		if end-pos < w {
			return pos, 0, short(f.Name, w, end-pos)
		}
		v := it.Order.Uint(d.b[pos:], w)
		if it.Signed {
			v = signExtend(v, it.Bits)
		}
		n := parent.add(&Node{Field: fd, Offset: pos, Len: w, Value: typed(fd, v)})
		if t.Kind == schema.KindEnum && t.Enum.Strict && fd.NameOf(v) == "" {
			n.problem(d.p.Experts.Invalid, "%s is %s, not a value of %s", fd.Label, n.Show(), t.Enum.Name)
		}
		return pos + w, 0, nil
	case schema.KindFloat:
		w := t.Bits / 8
		if end-pos < w {
			return pos, 0, short(f.Name, w, end-pos)
		}
		x := t.Order.Uint(d.b[pos:], w)
		v := math.Float64frombits(x)
		if w == 4 {
			v = float64(math.Float32frombits(uint32(x)))
		}
		parent.add(&Node{Field: fd, Offset: pos, Len: w, Value: v})
		return pos + w, 0, nil
	case schema.KindVarint:
		var v uint64
		var n int
		var err error
		switch t.Varint {
		case schema.Uvarint:
			v, n, err = wire.Uvarint(d.b[pos:end])
		case schema.Svarint:
			var x int64
			x, n, err = wire.Varint(d.b[pos:end])
			v = uint64(x)
		default:
			var x int64
			x, n, err = wire.Zigzag(d.b[pos:end])
			v = uint64(x)
		}
		if err != nil {
			return pos, 0, malformed(f.Name + ": " + strings.TrimPrefix(err.Error(), "wire: "))
		}
		parent.add(&Node{Field: fd, Offset: pos, Len: n, Value: typed(fd, v)})
		if depth == 0 {
			sc.vals[f] = v
			if f.LengthOf != nil {
				sc.lens[f.LengthOf] = v
			}
		}
		return pos + n, 0, nil
	case schema.KindBytes, schema.KindString:
		size, pos, err := d.size(t, f, depth, parent, pos, end, sc)
		if err != nil {
			return pos, 0, err
		}
		if size > uint64(end-pos) {
			return pos, 0, short(f.Name, int(min(size, math.MaxInt32)), end-pos)
		}
		data := d.b[pos : pos+int(size)]
		n := parent.add(&Node{Field: fd, Offset: pos, Len: len(data), Value: data})
		if t.Kind == schema.KindString {
			n.Value = string(data)
			if !utf8.Valid(data) {
				n.problem(d.p.Experts.Invalid, "%s is not UTF-8", fd.Label)
			}
		}
		if depth == 0 && f.Const != nil && string(data) != string(f.Const.Bytes) {
			e := d.p.Experts.Invalid
			if f.Role == schema.RoleMagic {
				e = d.p.Experts.BadMagic
			}
			n.problem(e, "%s is %s, want %s", fd.Label, n.Show(), (&Node{Field: fd, Value: f.Const.Bytes}).Show())
		}
		return pos + len(data), 0, nil
	case schema.KindMessage:
		n := parent.add(&Node{Field: fd, Offset: pos})
		end, err := d.fields(t.Message.Fields, n, pos, end, newScope(), nil)
		n.Len = end - pos
		return end, 0, err
	case schema.KindArray:
		count, pos, err := d.size(t, f, depth, parent, pos, end, sc)
		if err != nil {
			return pos, 0, err
		}
		least := max(t.Elem.MinBits()/8, 1) // bytes an element takes at least
		if t.Size.Kind != schema.SizeRest && count > uint64(end-pos)/uint64(least) {
			return pos, 0, malformed(fmt.Sprintf("truncated: %s has %d elements of at least %d bytes, %d bytes left", f.Name, count, least, end-pos))
		}
		rest := t.Size.Kind == schema.SizeRest
		i := 0
		for ; rest && pos < end || !rest && uint64(i) < count; i++ {
			into := parent
			if t.Elem.Kind == schema.KindArray {
				into = parent.add(&Node{Label: fmt.Sprintf("%s[%d]", fd.Label, i), Offset: pos})
			}
			next, _, err := d.value(t.Elem, f, depth+1, into, pos, end, sc)
			if into != parent {
				into.Len = next - into.Offset
			}
			if err != nil {
				return next, i, err
			}
			pos = next
		}
		return pos, i, nil
	}
	return pos, 0, malformed(fmt.Sprintf("%s: type %s cannot be decoded here", f.Name, t))
}

// size reads the length of t (bytes or string) or its count (array) and
// returns it with the position after any prefix. For rest it returns the
// bytes left, which an array reads elements from until none are.
func (d *decoder) size(t *schema.Type, f *schema.Field, depth int, parent *Node, pos, end int, sc *scope) (uint64, int, error) {
	s := t.Size
	var n uint64
	switch s.Kind {
	case schema.SizeFixed:
		return s.N, pos, nil
	case schema.SizeRest:
		return uint64(end - pos), pos, nil
	case schema.SizeField:
		n = sc.lens[f]
	case schema.SizePrefix:
		pf := d.p.prefix[t]
		w := 0
		if s.Prefix.Kind == schema.KindVarint {
			var err error
			if n, w, err = wire.Uvarint(d.b[pos:end]); err != nil {
				return 0, pos, malformed(pf.Label + ": " + strings.TrimPrefix(err.Error(), "wire: "))
			}
		} else {
			w = s.Prefix.Bits / 8
			if end-pos < w {
				return 0, pos, short(pf.Label, w, end-pos)
			}
			n = s.Prefix.Order.Uint(d.b[pos:], w)
		}
		parent.add(&Node{Field: pf, Offset: pos, Len: w, Value: n})
		pos += w
	}
	if depth == 0 && n > f.Max {
		return 0, pos, malformed(fmt.Sprintf("%s: %d is over the maximum %d", f.Name, n, f.Max))
	}
	return n, pos, nil
}

// IntType returns the integer type a value of an Int, Bool or Enum type
// is stored as: t itself, a one-bit unsigned Int, the enum's type.
func IntType(t *schema.Type) *schema.Type {
	switch t.Kind {
	case schema.KindEnum:
		return t.Enum.Type
	case schema.KindBool:
		return &schema.Type{Kind: schema.KindInt, Bits: 1}
	}
	return t
}

// typed returns v, an integer as the model keeps it, as fd's value.
func typed(fd *Field, v uint64) any {
	switch fd.Kind {
	case Bool:
		return v != 0
	case Int:
		return int64(v)
	}
	return v
}

// bitsAt returns width bits of the integer held in g, starting shift bits
// above its least significant bit; le says g holds the integer least
// significant byte first. It reads a bit at a time, so groups of any size
// (more than 64 bits too) read the same way.
func bitsAt(g []byte, le bool, shift, width int) uint64 {
	var v uint64
	for i := width - 1; i >= 0; i-- {
		s := shift + i
		k := s / 8
		if !le {
			k = len(g) - 1 - k
		}
		v = v<<1 | uint64(g[k]>>(s%8)&1)
	}
	return v
}

func mask(bits int) uint64 { return math.MaxUint64 >> (64 - bits) }

// signExtend extends the sign of a bits-wide two's complement value.
func signExtend(v uint64, bits int) uint64 {
	return uint64(int64(v<<(64-bits)) >> (64 - bits))
}

func signExtendIf(t *schema.Type, v uint64) uint64 {
	if t.Signed {
		return signExtend(v, t.Bits)
	}
	return v
}

// inRanges reports whether v is in one of rs, compared as signed if signed.
func inRanges(rs []schema.Range, v uint64, signed bool) bool {
	for _, r := range rs {
		if signed && int64(v) >= int64(r.Lo) && int64(v) <= int64(r.Hi) || !signed && v >= r.Lo && v <= r.Hi {
			return true
		}
	}
	return false
}

// holds reports whether condition c holds for v, the value of the field it
// tests.
func holds(c *schema.Cond, v uint64) bool {
	return inRanges(c.Ranges, v, IntType(c.Field.Type).Signed) != c.Negate
}
