package schema

import (
	"strconv"

	"github.com/wirekit/wirekit/wire"
)

// File is a checked schema: every name resolved, every layout computed.
// Generators read it and nothing else; it never changes after Parse.
type File struct {
	Name      string // the file name given to Parse
	Package   string
	Doc       string
	ByteOrder wire.ByteOrder // of integers and floats that do not say theirs
	BitOrder  wire.BitOrder  // of bit fields packed into shared bytes
	Enums     []*Enum
	Messages  []*Message // in source order; the frame is not among them
	Frame     *Frame     // nil if the file declares none
	Services  []*Service
}

// Message looks up a message by name.
func (f *File) Message(name string) *Message {
	for _, m := range f.Messages {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Bodies returns the messages with a type id, the ones that can be a frame's
// body, in source order.
func (f *File) Bodies() []*Message {
	var ms []*Message
	for _, m := range f.Messages {
		if m.HasID {
			ms = append(ms, m)
		}
	}
	return ms
}

// An Enum is a named set of values of an integer type.
//
// A decoder keeps a value that is not in the set as it is, so that a newer
// peer's values pass through an older program, unless the enum is Strict:
// then such a value is a decode error.
type Enum struct {
	Name   string
	Doc    string
	Pos    Pos
	Type   *Type // an Int
	Strict bool
	Values []*EnumValue
}

// Lookup returns the value named name, or nil.
func (e *Enum) Lookup(name string) *EnumValue {
	for _, v := range e.Values {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// EnumValue is one named value of an Enum.
type EnumValue struct {
	Name  string
	Doc   string
	Pos   Pos
	Value uint64 // the value; see Type.Format
}

// A Message is a sequence of fields.
type Message struct {
	Name   string
	Doc    string
	Pos    Pos
	ID     uint64 // the frame's type field for this message, if HasID
	HasID  bool
	Fields []*Field
	// Bits is the size of every encoding in bits, or -1 if the size depends
	// on the values. MinBits is the size of the smallest encoding.
	Bits    int
	MinBits int
	// Nested reports whether the message appears inside another message,
	// as a field or an array element.
	Nested bool
}

// A Frame is the envelope of every message on a stream: the fields around
// the body, each with a Role. Its fields are laid out as a message's are.
type Frame struct {
	Name   string
	Doc    string
	Pos    Pos
	Fields []*Field
	// The fields with a role; Version, ID and Checksum may be nil.
	Type, Length, Body, Version, ID *Field
	Checksum                        *Checksum
	// LengthCountsFrame: the length field counts the whole frame, header
	// and trailer; otherwise it counts the body alone.
	LengthCountsFrame bool
	// Max is the largest value the length field may hold: longer frames
	// are refused before they are buffered.
	Max uint64
}

// Versions returns the values the version field accepts, smallest first,
// or nil if the frame has no version field.
func (fr *Frame) Versions() []uint64 {
	v := fr.Version
	if v == nil {
		return nil
	}
	if v.Const != nil {
		return []uint64{v.Const.Int}
	}
	var vs []uint64
	for _, r := range v.Rule.Ranges {
		for x := r.Lo; ; x++ {
			vs = append(vs, x)
			if x == r.Hi {
				break
			}
		}
	}
	return vs
}

// Checksum is a field computed over a span of the frame's fields.
type Checksum struct {
	Field    *Field
	Algo     string // "crc32c" (Castagnoli) or "crc32" (IEEE)
	From, To *Field // first and last field covered, inclusive
}

// Role is what a frame field is for.
type Role uint8

const (
	RoleNone     Role = iota // a field of a message, or a frame field without a role
	RoleMagic                // a constant that starts the frame
	RoleVersion              // the protocol version: @version
	RoleType                 // the discriminator that selects the body
	RoleID                   // the request id: @id
	RoleLength               // = len(body) or len(frame)
	RoleBody                 // message(type)
	RoleChecksum             // = crc32c(from .. to)
)

var roleNames = [...]string{"", "magic", "version", "type", "id", "length", "body", "checksum"}

func (r Role) String() string { return roleNames[r] }

// A Field is one field of a message or frame.
type Field struct {
	Name  string // "_" for a reserved field
	Doc   string
	Pos   Pos
	Index int // position in its message
	Type  *Type
	// Offset is where the field starts.
	Offset Offset
	// Bits is the field's width in bits, or -1 if it depends on the
	// values: a variable-size type, or a field present only sometimes.
	Bits int
	// Group is the bit group holding an Int, Bool or Enum field of fixed
	// width; nil for others.
	Group *Group
	// Const is the value of a constant field: written by encoders, checked
	// by decoders, not part of the message's values.
	Const *Const
	// Reserved is a field named "_": written as zeros (or its Const) and
	// not part of the message's values. Without a Const, decoders ignore it.
	Reserved bool
	// Cond, if set, says when the field is present; when absent it takes
	// no bits and decodes as the zero value.
	Cond *Cond
	// Rule, if set, lists the values a decoder accepts.
	Rule *Rule
	// Max bounds the length or count of a variable-size Bytes, String or
	// Array: the most its prefix or length field can say, or less if the
	// schema says so with max. Decoders refuse more; encoders write at most
	// Max (strings cut on a character boundary).
	Max uint64
	// LengthOf is the field whose length (Bytes, String) or count (Array)
	// this field holds. Encoders compute it; it is not part of the values.
	LengthOf *Field
	// Role is set on frame fields.
	Role Role
}

// Stored reports whether the field is one of the message's values, as
// opposed to one an encoder derives (constants, reserved bits, lengths,
// counts) or a frame's structure.
func (f *Field) Stored() bool {
	return f.Const == nil && !f.Reserved && f.LengthOf == nil && f.Role == RoleNone
}

// Offset is where a field starts: Bits bits after the end of the field
// After, or after the start of the message if After is nil. After is the
// last field before this one whose size depends on the values, so a field
// with a nil After is at a fixed position.
type Offset struct {
	After *Field
	Bits  int
}

// Fixed reports whether the offset is the same in every encoding.
func (o Offset) Fixed() bool { return o.After == nil }

func (o Offset) String() string {
	s := strconv.Itoa(o.Bits / 8)
	if o.Bits%8 != 0 {
		s += "." + strconv.Itoa(o.Bits%8)
	}
	if o.After != nil {
		return o.After.Name + "+" + s
	}
	return s
}

// A Group is a run of Int, Bool and Enum fields that starts and ends on a
// byte boundary and has no boundary inside it: the fields share bytes.
//
// A group of one field is an integer of whole bytes, read and written in
// its Type's byte order. A Packed group of several fields is read as one
// integer of Bits bits, big-endian for the MSB-first bit order and
// little-endian for LSB-first, and each field is Shift bits up from its
// least significant bit.
type Group struct {
	Fields []*Field
	Bits   int // a multiple of 8
	Order  wire.BitOrder
}

// Packed reports whether the group holds several fields.
func (g *Group) Packed() bool { return len(g.Fields) > 1 }

// Shift returns how far f's least significant bit is from the group
// integer's.
func (g *Group) Shift(f *Field) int {
	in := f.Offset.Bits - g.Fields[0].Offset.Bits
	if g.Order == wire.LSBFirst {
		return in
	}
	return g.Bits - in - f.Bits
}

// Const is the value of a constant field: Int for an Int, Bool or Enum,
// Bytes for Bytes or String.
type Const struct {
	Int   uint64
	Bytes []byte
}

// Cond is the condition of a field that is present only sometimes: the
// field Field holds a value in Ranges, or, if Negate, one outside them.
// "if flag" is Negate of {0}.
type Cond struct {
	Field  *Field
	Negate bool
	Ranges []Range
	Text   string // as written, for documentation
}

// Rule lists the values a field accepts.
type Rule struct {
	Ranges []Range
	Text   string // as written
}

// Range is the values from Lo to Hi inclusive, compared as signed if the
// field's type is signed.
type Range struct{ Lo, Hi uint64 }

// Kind is the kind of a Type.
type Kind uint8

const (
	KindInt     Kind = iota // Bits wide, Signed or not, in Order when whole bytes
	KindBool                // one bit
	KindFloat               // IEEE 754, 32 or 64 Bits, in Order
	KindVarint              // LEB128: see VarintKind
	KindEnum                // the Enum's Type on the wire
	KindMessage             // a nested Message
	KindBytes               // Size bytes, kept as they are
	KindString              // Size bytes of UTF-8
	KindArray               // Size elements of Elem
	KindBody                // a frame's body: the message Disc selects
)

var kindNames = [...]string{"int", "bool", "float", "varint", "enum", "message", "bytes", "string", "array", "body"}

func (k Kind) String() string { return kindNames[k] }

// VarintKind distinguishes the LEB128 encodings of package wire.
type VarintKind uint8

const (
	Uvarint VarintKind = iota // unsigned LEB128
	Svarint                   // signed LEB128 (varint in a schema)
	Zigzag                    // zigzag, then unsigned LEB128
)

// Type is the type of a field, an array element or a size prefix.
type Type struct {
	Kind     Kind
	Name     string // as written in the schema, for documentation
	Bits     int    // Int, Bool, Float, Enum: width on the wire
	Signed   bool   // Int, Enum: two's complement; Varint: Svarint or Zigzag
	Order    wire.ByteOrder
	Varint   VarintKind
	Enum     *Enum
	Message  *Message
	Size     *Size // Bytes, String: the length; Array: the count
	ZeroCopy bool  // String: decoded as bytes aliasing the input
	Elem     *Type // Array
	Disc     *Field
}

// Format writes v, a value of type t, in decimal. Values of signed types
// are kept in the model as the uint64 of their int64, so -1 is 1<<64-1.
func (t *Type) Format(v uint64) string {
	if t.Signed {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(v, 10)
}

// FixedBits returns the size of every value of t in bits, or -1 if it
// depends on the value.
func (t *Type) FixedBits() int {
	switch t.Kind {
	case KindInt, KindBool, KindFloat:
		return t.Bits
	case KindEnum:
		if t.Enum.Type != nil {
			return t.Enum.Type.Bits
		}
	case KindMessage:
		return t.Message.Bits
	case KindBytes, KindString:
		if t.Size.Kind == SizeFixed {
			return 8 * int(t.Size.N)
		}
	case KindArray:
		if e := t.Elem.FixedBits(); t.Size.Kind == SizeFixed && e >= 0 {
			return int(t.Size.N) * e
		}
	}
	return -1
}

// MinBits returns the size of the smallest value of t in bits.
func (t *Type) MinBits() int {
	if b := t.FixedBits(); b >= 0 {
		return b
	}
	switch t.Kind {
	case KindVarint:
		return 8
	case KindMessage:
		return t.Message.MinBits
	case KindBytes, KindString, KindArray:
		switch t.Size.Kind {
		case SizePrefix:
			return t.Size.Prefix.MinBits()
		case SizeFixed: // an array of variable-size elements
			return int(t.Size.N) * t.Elem.MinBits()
		}
	}
	return 0
}

// SizeKind says how the length of a Bytes or String, or the count of an
// Array, is known.
type SizeKind uint8

const (
	SizeFixed  SizeKind = iota // always N
	SizePrefix                 // in a Prefix right before the data
	SizeField                  // in an earlier Field
	SizeRest                   // whatever is left of the input
)

// Size is the length of a Bytes or String, or the count of an Array.
type Size struct {
	Kind   SizeKind
	N      uint64 // SizeFixed
	Prefix *Type  // SizePrefix: an unsigned Int of whole bytes, or a Uvarint
	Field  *Field // SizeField
}

// Service is a set of request/response pairs.
type Service struct {
	Name    string
	Doc     string
	Pos     Pos
	Methods []*Method
}

// Method is one request/response pair of a Service.
type Method struct {
	Name              string
	Doc               string
	Pos               Pos
	Request, Response *Message
}

// String writes t as a schema would: u16le, Side, string(u8) zerocopy,
// [count]Item.
func (t *Type) String() string {
	switch t.Kind {
	case KindBytes, KindString:
		s := t.Name + "(" + t.Size.String() + ")"
		if t.ZeroCopy {
			s += " zerocopy"
		}
		return s
	case KindArray:
		return "[" + t.Size.String() + "]" + t.Elem.String()
	case KindBody:
		return "message(" + t.Disc.Name + ")"
	}
	return t.Name
}

// String writes s as a schema would: 16, u8, uvarint, rest or a field name.
func (s *Size) String() string {
	switch s.Kind {
	case SizeFixed:
		return strconv.FormatUint(s.N, 10)
	case SizePrefix:
		return s.Prefix.Name
	case SizeField:
		return s.Field.Name
	}
	return "rest"
}
