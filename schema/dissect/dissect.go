// Package dissect reads frames and messages of a schema by interpreting its
// model at run time, into the tree of named fields that wirekit's Wireshark
// dissector (package gen/lua) shows: the same filter names, the same values,
// the same checks. wirekit decode prints the tree; tests hold it against
// what tshark shows for the same bytes.
//
// A Protocol names every item of the tree once, from the schema alone:
//
//	orders                          the protocol: one item per frame
//	├── orders.magic                frame fields: PROTO.FIELD
//	├── orders.type                 (valued with the body messages' names)
//	├── orders.new_order            the body: PROTO.MESSAGE, a subtree
//	│   ├── orders.new_order.side   message fields: PROTO.MESSAGE.FIELD
//	│   ├── orders.new_order.tag.length   a length prefix: FIELD.length (an array's: FIELD.count)
//	│   └── orders.new_order.tag
//	├── orders.crc
//	│   └── orders.crc.status       the checksum's verdict: 0 bad, 1 good
//	└── orders.body                 the body's bytes, when its type is unknown
//
// Names are lower case; a message's name becomes snake_case (NewOrder is
// new_order), a reserved field (_) is "reserved", or reserved_N if the
// message has several. A message's fields have the same names wherever it
// appears: as a body, nested in another message or as an array element.
//
// Decoding never panics, whatever the input, and allocates no more than the
// input can describe: counts are checked against the bytes left before
// anything is built. Problems are not errors but Problems on the nodes they
// concern, each with its Expert, as Wireshark's expert info: a bad checksum,
// an unknown type, a truncated body.
package dissect

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/wirekit/wirekit/schema"
)

// Options tune how a Protocol names things.
type Options struct {
	// Name is the protocol's filter name, the first part of every field's
	// name. Empty means the schema file's base name without its extension:
	// orders for orders.wire.
	Name string
}

// A Protocol is a schema as a dissector sees it: every item of the tree it
// builds, named, and the experts it may raise.
type Protocol struct {
	Schema *schema.File
	// Name is the filter name of the protocol, such as orders.
	Name string
	// Title describes the protocol in one line, as Wireshark's protocol
	// list and the tree's top item do.
	Title string
	// Root is the protocol's own item, the parent of a frame's fields.
	Root *Field
	// Fields lists every field, Root first, in a fixed order: the frame's,
	// then each message's, in schema order.
	Fields []*Field
	// Experts are the problems a dissection can report.
	Experts Experts

	byField map[*schema.Field]*Field   // a schema field's own item
	prefix  map[*schema.Type]*Field    // the length or count prefix of a type
	message map[*schema.Message]*Field // a message's subtree, as a body or read alone
	status  *Field                     // the checksum's verdict
	byName  map[string]*Field

	// The frame's fixed parts: bytes before the body and after it.
	header, trailer int
}

// Kind is the type of a field's value.
type Kind uint8

const (
	None   Kind = iota // no value: a subtree (the protocol, a message)
	Uint               // uint64
	Int                // int64
	Bool               // bool
	Float              // float64
	Bytes              // []byte
	String             // string
)

// A Field is one named item of the tree: Wireshark's header field.
type Field struct {
	Name  string // the filter name: orders.new_order.price
	Label string // the short name shown in the tree: price
	Doc   string // the schema's comment, on one line
	Kind  Kind
	Bits  int  // Uint, Int, Float: the width of the value in bits
	Hex   bool // shown in hexadecimal: magic numbers and checksums
	// Names name some values: an enum's, the body messages of the type
	// field, the checksum verdicts.
	Names []Name
	// Source is the schema field this item shows, if any: nil for the
	// protocol, a message's subtree and the checksum status. The length
	// prefix of a field has its field as Source too.
	Source *schema.Field
}

// Name is the name of one value of a field.
type Name struct {
	Value uint64 // as the model keeps it: signed values as their uint64
	Name  string
}

// NameOf returns the name of v, or "".
func (f *Field) NameOf(v uint64) string {
	for _, n := range f.Names {
		if n.Value == v {
			return n.Name
		}
	}
	return ""
}

// Checksum verdicts, the values of a checksum's status field. They are
// Wireshark's (proto_checksum_status), so that filters read the same:
// orders.crc.status == 0 finds the bad ones, as tcp.checksum.status does.
const (
	ChecksumBad        = 0
	ChecksumGood       = 1
	ChecksumUnverified = 2 // a dissector told not to check
)

// Experts are the problems a dissection reports. Each is named under the
// field it concerns: orders.crc.bad, orders.type.unknown.
type Experts struct {
	BadMagic    *Expert // a magic number that does not match: the stream cannot be trusted
	BadVersion  *Expert // a version the schema does not accept
	BadLength   *Expert // a length over the frame's maximum, or too short for the header: the stream cannot be trusted
	BadChecksum *Expert // a checksum that does not match
	UnknownType *Expert // a type no message has: the body is shown as bytes
	Malformed   *Expert // a body that does not decode: truncated, bytes left over, a bad varint
	Invalid     *Expert // a value the schema does not allow: a constant, a range, a strict enum, UTF-8
}

// All returns the experts in a fixed order, leaving out those the schema
// cannot raise.
func (e *Experts) All() []*Expert {
	var all []*Expert
	for _, x := range []*Expert{e.BadMagic, e.BadVersion, e.BadLength, e.BadChecksum, e.UnknownType, e.Malformed, e.Invalid} {
		if x != nil {
			all = append(all, x)
		}
	}
	return all
}

// An Expert is a kind of problem: Wireshark's expert info field.
type Expert struct {
	Name     string // orders.crc.bad
	Summary  string // "Bad checksum"
	Flag     string // a frame's summary ends with this in brackets: "bad checksum"
	Severity Severity
	Group    Group
}

// Severity is how bad a problem is; the values are Wireshark's.
type Severity uint32

const (
	Note  Severity = 0x00400000
	Warn  Severity = 0x00600000
	Error Severity = 0x00800000
)

func (s Severity) String() string {
	switch s {
	case Note:
		return "note"
	case Warn:
		return "warning"
	}
	return "error"
}

// Group is what a problem is about; the values are Wireshark's.
type Group uint32

const (
	GroupChecksum  Group = 0x01000000
	GroupMalformed Group = 0x07000000
	GroupProtocol  Group = 0x09000000
)

func (g Group) String() string {
	switch g {
	case GroupChecksum:
		return "checksum"
	case GroupMalformed:
		return "malformed"
	}
	return "protocol"
}

// New names the items of f's tree. It fails if the schema would give two
// items one name, or if f's frame has fields of varying size around its
// body, whose end a dissector could then not find from the header alone.
func New(f *schema.File, opts Options) (*Protocol, error) {
	name := opts.Name
	if name == "" {
		name = strings.ToLower(strings.TrimSuffix(path.Base(f.Name), path.Ext(f.Name)))
	}
	if !validName(name) {
		return nil, fmt.Errorf("dissect: protocol name %q: want a lower-case letter, then letters, digits or _", name)
	}
	p := &Protocol{
		Schema:  f,
		Name:    name,
		byField: map[*schema.Field]*Field{},
		prefix:  map[*schema.Type]*Field{},
		message: map[*schema.Message]*Field{},
		byName:  map[string]*Field{},
	}
	p.Title = name
	if f.Frame != nil {
		p.Title = f.Frame.Name + " (" + path.Base(f.Name) + ")"
	}
	var err error
	declare := func(fd *Field) *Field {
		if prev, ok := p.byName[fd.Name]; ok && err == nil {
			err = fmt.Errorf("dissect: %s names both %s and %s; rename one of them", fd.Name, describe(prev), describe(fd))
		}
		p.byName[fd.Name] = fd
		p.Fields = append(p.Fields, fd)
		return fd
	}
	p.Root = declare(&Field{Name: name, Label: p.Title, Doc: oneLine(f.Doc)})
	if fr := f.Frame; fr != nil {
		if err := p.frameLayout(); err != nil {
			return nil, err
		}
		p.fields(fr.Fields, name, declare)
		p.Experts.BadMagic = p.expert(fr, schema.RoleMagic, "bad", "bad magic", "Bad magic number: the stream cannot be trusted", Error, GroupProtocol)
		p.Experts.BadVersion = p.expert(fr, schema.RoleVersion, "bad", "bad version", "Unsupported version", Error, GroupProtocol)
		p.Experts.BadLength = p.expert(fr, schema.RoleLength, "bad", "bad length", "Bad length: the stream cannot be trusted", Error, GroupProtocol)
		p.Experts.BadChecksum = p.expert(fr, schema.RoleChecksum, "bad", "bad checksum", "Bad checksum", Error, GroupChecksum)
		p.Experts.UnknownType = p.expert(fr, schema.RoleType, "unknown", "unknown type", "Unknown message type", Warn, GroupProtocol)
	}
	for _, m := range f.Messages {
		prefix := name + "." + snake(m.Name)
		p.message[m] = declare(&Field{Name: prefix, Label: m.Name, Doc: oneLine(m.Doc)})
		p.fields(m.Fields, prefix, declare)
	}
	p.Experts.Malformed = &Expert{Name: name + ".malformed", Summary: "Malformed", Flag: "malformed", Severity: Error, Group: GroupMalformed}
	p.Experts.Invalid = &Expert{Name: name + ".invalid", Summary: "Value not allowed by the schema", Flag: "invalid", Severity: Warn, Group: GroupProtocol}
	for _, e := range p.Experts.All() {
		if fd, ok := p.byName[e.Name]; ok && err == nil {
			err = fmt.Errorf("dissect: %s names both %s and an expert; rename the field", e.Name, describe(fd))
		}
	}
	return p, err
}

// expert makes the expert of the frame field with role r, if the frame has
// one, named after the field: orders.crc.bad.
func (p *Protocol) expert(fr *schema.Frame, r schema.Role, suffix, flag, summary string, sev Severity, g Group) *Expert {
	for _, f := range fr.Fields {
		if f.Role == r {
			return &Expert{Name: p.byField[f].Name + "." + suffix, Summary: summary, Flag: flag, Severity: sev, Group: g}
		}
	}
	return nil
}

// frameLayout finds the frame's header and trailer sizes, which must not
// depend on the values: a dissector finds a frame's end from its header.
func (p *Protocol) frameLayout() error {
	fr := p.Schema.Frame
	for _, f := range fr.Fields {
		if f != fr.Body && f.Bits < 0 {
			return fmt.Errorf("%s: dissect: frame field %s has no fixed size; a dissector finds where a frame ends from fields of fixed size around the body", f.Pos, f.Name)
		}
	}
	p.header = fr.Body.Offset.Bits / 8
	for _, f := range fr.Fields[fr.Body.Index+1:] {
		p.trailer += f.Bits
	}
	p.trailer /= 8
	return nil
}

// fields declares the items of a message's or the frame's fields, named
// under prefix.
func (p *Protocol) fields(fs []*schema.Field, prefix string, declare func(*Field) *Field) {
	// Reserved fields are "reserved", or reserved_1, reserved_2, ... if
	// there are several or a field is called reserved.
	reserved, numbered := 0, false
	for _, f := range fs {
		if f.Reserved {
			reserved++
		}
		numbered = numbered || f.Name == "reserved"
	}
	numbered = numbered || reserved > 1
	nth := 0
	for _, f := range fs {
		label := f.Name
		if f.Reserved {
			nth++
			label = "reserved"
			if numbered {
				label += "_" + strconv.Itoa(nth)
			}
		}
		fd := &Field{Name: prefix + "." + label, Label: label, Doc: oneLine(f.Doc), Source: f}
		t := f.Type
		if t.Kind == schema.KindBody {
			fd.Kind, fd.Doc = Bytes, "the body, as bytes: its type is unknown"
		} else {
			p.leafType(fd, t)
		}
		if f.Role == schema.RoleType {
			for _, m := range p.Schema.Bodies() {
				fd.Names = append(fd.Names, Name{m.ID, m.Name})
			}
		}
		fd.Hex = f.Role == schema.RoleMagic || f.Role == schema.RoleChecksum
		// A prefix is declared before its field, as it comes first on
		// the wire: FIELD.length or FIELD.count; arrays of arrays have one
		// per level, the second count being FIELD.count2.
		seen := map[string]int{}
		for lt := t; lt.Kind == schema.KindArray || lt.Kind == schema.KindBytes || lt.Kind == schema.KindString; lt = lt.Elem {
			if lt.Size.Kind == schema.SizePrefix {
				word := "count"
				if lt.Kind != schema.KindArray {
					word = "length"
				}
				if seen[word]++; seen[word] > 1 {
					word += strconv.Itoa(seen[word])
				}
				pf := &Field{Name: fd.Name + "." + word, Label: label + " " + word, Source: f, Kind: Uint, Bits: 64}
				if lt.Size.Prefix.Kind == schema.KindInt {
					pf.Bits = lt.Size.Prefix.Bits
				}
				p.prefix[lt] = declare(pf)
			}
			if lt.Kind != schema.KindArray {
				break
			}
		}
		p.byField[f] = declare(fd)
		if f.Role == schema.RoleChecksum {
			p.status = declare(&Field{Name: fd.Name + ".status", Label: label + " status", Kind: Uint, Bits: 8,
				Doc:   "whether the checksum matches the bytes it covers",
				Names: []Name{{ChecksumBad, "Bad"}, {ChecksumGood, "Good"}, {ChecksumUnverified, "Unverified"}}})
		}
	}
}

// leafType sets fd's kind from t, or from the type of its elements if t is
// an array: each element of an array is an item of the array's field.
func (p *Protocol) leafType(fd *Field, t *schema.Type) {
	for t.Kind == schema.KindArray {
		t = t.Elem
	}
	switch t.Kind {
	case schema.KindInt:
		fd.Kind, fd.Bits = Uint, t.Bits
		if t.Signed {
			fd.Kind = Int
		}
	case schema.KindBool:
		fd.Kind, fd.Bits = Bool, 1
	case schema.KindEnum:
		fd.Kind, fd.Bits = Uint, t.Enum.Type.Bits
		if t.Enum.Type.Signed {
			fd.Kind = Int
		}
		for _, v := range t.Enum.Values {
			fd.Names = append(fd.Names, Name{v.Value, v.Name})
		}
	case schema.KindFloat:
		fd.Kind, fd.Bits = Float, t.Bits
	case schema.KindVarint:
		fd.Kind, fd.Bits = Uint, 64
		if t.Varint != schema.Uvarint {
			fd.Kind = Int
		}
	case schema.KindBytes:
		fd.Kind = Bytes
	case schema.KindString:
		fd.Kind = String
	case schema.KindMessage:
		fd.Kind = None
		if fd.Doc == "" {
			fd.Doc = oneLine(t.Message.Doc)
		}
	}
}

// FieldOf returns the item that shows f: the field itself, each element
// of it if it is an array, or for the frame's body the body's bytes when
// its type is unknown.
func (p *Protocol) FieldOf(f *schema.Field) *Field { return p.byField[f] }

// PrefixOf returns the item that shows the length or count prefix of t, a
// type of a field or of an array's elements, or nil if t has none.
func (p *Protocol) PrefixOf(t *schema.Type) *Field { return p.prefix[t] }

// MessageOf returns the subtree item of m, as a frame's body or decoded
// alone; as a field or array element, m shows under that field's item.
func (p *Protocol) MessageOf(m *schema.Message) *Field { return p.message[m] }

// Status returns the item of the checksum's verdict, or nil if the frame
// has no checksum.
func (p *Protocol) Status() *Field { return p.status }

// Magic returns the bytes every frame starts with: its leading constants of
// whole bytes, the magic number, or nil. A dissector's heuristic looks for
// them at the start of a stream.
func (p *Protocol) Magic() []byte {
	var magic []byte
	for _, f := range p.Schema.Frame.Fields {
		if f.Role != schema.RoleMagic || f.Bits%8 != 0 || f.Group != nil && f.Group.Packed() {
			break
		}
		if f.Const.Bytes != nil {
			magic = append(magic, f.Const.Bytes...)
		} else {
			magic = IntType(f.Type).Order.AppendUint(magic, f.Const.Int, f.Bits/8)
		}
	}
	return magic
}

// Header returns the size of the frame's fields before the body, in bytes.
func (p *Protocol) Header() int { return p.header }

// Trailer returns the size of the frame's fields after the body, in bytes.
func (p *Protocol) Trailer() int { return p.trailer }

func describe(f *Field) string {
	if f.Source != nil {
		return "field " + f.Source.Name + " at " + f.Source.Pos.String()
	}
	return f.Label
}

// snake writes a CamelCase name in snake_case: NewOrder is new_order,
// HTTPRequest http_request.
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func validName(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '_')) {
			return false
		}
	}
	return s != ""
}

// oneLine joins a comment's lines, as a tooltip shows it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
