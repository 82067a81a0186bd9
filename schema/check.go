package schema

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/wire"
)

// Parse parses and checks the schema src, read from the file filename
// (used only in positions), and returns its model. If the schema has
// problems the error is an Errors listing each of them.
func Parse(filename string, src []byte) (*File, error) {
	diags := &diagList{src: string(src)}
	tree := parse(filename, src, diags)
	if tree == nil || len(diags.diags) > 0 {
		return nil, diags.err()
	}
	c := &checker{diags: diags, decls: map[string]Pos{}, enums: map[string]*Enum{}, messages: map[string]*Message{}}
	f := c.checkFile(tree)
	if err := diags.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// ParseFile reads and parses the schema in the named file.
func ParseFile(name string) (*File, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(name, src)
}

// maxFixed is the largest fixed size of bytes, a string or an array: a
// bound that keeps sizes in bits far from overflowing.
const maxFixed = 16 << 20

// DefaultMaxLength is the frame length limit of a length field that does not
// declare one, unless the field is too narrow to count that far.
const DefaultMaxLength = 1 << 20

type checker struct {
	diags    *diagList
	file     *File
	decls    map[string]Pos // every declared name, for duplicates
	enums    map[string]*Enum
	messages map[string]*Message
	nodes    map[*Message]*messageNode
	frame    *Message // the frame's fields, laid out as a message's
	// explicitOrder records the types written with le or be.
	explicitOrder map[*Type]bool
	layout        map[*Message]int // 0 not done, 1 in progress, 2 done
}

func (c *checker) errorf(p Pos, n int, hint, format string, args ...any) {
	c.diags.add(p, n, format, hint, args...)
}

func (c *checker) errAt(id ident, hint, format string, args ...any) {
	c.errorf(id.pos, len(id.name), hint, format, args...)
}

func (c *checker) checkFile(t *fileNode) *File {
	f := &File{Name: t.pkg.pos.File, Package: t.pkg.name, Doc: docText(t.doc)}
	c.file = f
	c.nodes = map[*Message]*messageNode{}
	c.explicitOrder = map[*Type]bool{}
	c.layout = map[*Message]int{}
	c.options(t.options)

	// Declare every name first: types may be used before they are declared.
	for _, e := range t.enums {
		if c.declare(e.name) {
			en := &Enum{Name: e.name.name, Doc: docText(e.doc), Pos: e.name.pos, Strict: e.strict}
			c.enums[en.Name] = en
			f.Enums = append(f.Enums, en)
		}
	}
	var frameNode *messageNode
	for _, m := range t.messages {
		if !c.declare(m.name) {
			continue
		}
		msg := &Message{Name: m.name.name, Doc: docText(m.doc), Pos: m.name.pos}
		c.nodes[msg] = m
		if m.isFrame {
			if frameNode != nil {
				c.errAt(m.name, "a file describes one protocol, framed one way", "second frame %s: %s was declared at %s", m.name.name, frameNode.name.name, frameNode.name.pos)
				continue
			}
			frameNode, c.frame = m, msg
			continue
		}
		c.messages[msg.Name] = msg
		f.Messages = append(f.Messages, msg)
	}

	for _, e := range t.enums {
		if en := c.enums[e.name.name]; en != nil && en.Pos == e.name.pos {
			c.enum(en, e)
		}
	}
	for _, m := range f.Messages {
		c.fields(m, c.nodes[m])
	}
	if c.frame != nil {
		c.fields(c.frame, frameNode)
	}
	for _, m := range f.Messages {
		c.computeLayout(m, nil)
	}
	if c.frame != nil {
		c.computeLayout(c.frame, nil)
		f.Frame = c.frameRoles(c.frame, frameNode)
	}
	for _, m := range f.Messages {
		c.afterLayout(m)
	}
	c.typeIDs()
	for _, s := range t.services {
		c.service(s)
	}
	return f
}

func (c *checker) declare(id ident) bool {
	if _, err := c.builtin(id.name); err == nil || id.name == "bytes" || id.name == "string" {
		c.errAt(id, "choose another name", "%s is the name of a built-in type", id.name)
		return false
	}
	if p, ok := c.decls[id.name]; ok {
		c.errAt(id, "the first is at "+p.String()+"; rename one of them", "%s is declared twice", id.name)
		return false
	}
	c.decls[id.name] = id.pos
	return true
}

func (c *checker) options(opts []*optionNode) {
	f := c.file
	seen := map[string]Pos{}
	for _, o := range opts {
		if p, ok := seen[o.key.name]; ok {
			c.errAt(o.key, "the first is at "+p.String(), "%s is set twice", o.key.name)
			continue
		}
		seen[o.key.name] = o.key.pos
		switch o.key.name + " " + o.value.name {
		case "byte_order big":
			f.ByteOrder = wire.BigEndian
		case "byte_order little":
			f.ByteOrder = wire.LittleEndian
		case "bit_order msb":
			f.BitOrder = wire.MSBFirst
		case "bit_order lsb":
			f.BitOrder = wire.LSBFirst
		default:
			hint := "byte_order is big or little"
			if o.key.name == "bit_order" {
				hint = "bit_order is msb (most significant bit first) or lsb"
			}
			c.errAt(o.value, hint, "unknown %s %s", o.key.name, o.value.name)
		}
	}
}

var intTypeRE = regexp.MustCompile(`^([ui])([0-9]+)(le|be)?$`)
var floatTypeRE = regexp.MustCompile(`^f(32|64)(le|be)?$`)

// builtin resolves the name of a built-in type.
func (c *checker) builtin(name string) (*Type, error) {
	t := &Type{Name: name, Order: c.file.ByteOrder}
	var order string
	if m := intTypeRE.FindStringSubmatch(name); m != nil {
		bits, _ := strconv.Atoi(m[2])
		if bits < 1 || bits > 64 {
			return nil, &typeError{fmt.Sprintf("integer width %d is not in 1..64", bits), "integers are u1..u64 and i1..i64"}
		}
		t.Kind, t.Bits, t.Signed, order = KindInt, bits, m[1] == "i", m[3]
	} else if m := floatTypeRE.FindStringSubmatch(name); m != nil {
		t.Kind, order = KindFloat, m[2]
		t.Bits, _ = strconv.Atoi(m[1])
	} else {
		switch name {
		case "bool":
			t.Kind, t.Bits = KindBool, 1
		case "uvarint":
			t.Kind, t.Varint = KindVarint, Uvarint
		case "varint":
			t.Kind, t.Varint, t.Signed = KindVarint, Svarint, true
		case "zigzag":
			t.Kind, t.Varint, t.Signed = KindVarint, Zigzag, true
		default:
			return nil, errUnknown
		}
	}
	if order != "" {
		if t.Bits%8 != 0 {
			return nil, &typeError{fmt.Sprintf("byte order %s needs whole bytes, and %s is %d bits", order, name, t.Bits), "write " + strings.TrimSuffix(name, order) + ": fields of less than whole bytes follow the bit order"}
		}
		t.Order = wire.BigEndian
		if order == "le" {
			t.Order = wire.LittleEndian
		}
		c.explicitOrder[t] = true
	}
	return t, nil
}

var errUnknown = fmt.Errorf("unknown type")

// typeError is a malformed built-in type name, with a hint.
type typeError struct{ msg, hint string }

func (e *typeError) Error() string { return e.msg }

// typeErr reports err, an error of builtin, at id.
func (c *checker) typeErr(id ident, err error) {
	hint := ""
	if te, ok := err.(*typeError); ok {
		hint = te.hint
	}
	c.errAt(id, hint, "%v", err)
}

const typeHint = "types are u1..u64, i1..i64 (le or be for whole bytes), bool, f32, f64, uvarint, varint, zigzag, bytes(size), string(size), [count]type, or a declared enum or message"

// named resolves a type name: built-in, enum or message.
func (c *checker) named(id ident) *Type {
	t, err := c.builtin(id.name)
	switch {
	case err == nil:
		return t
	case err != errUnknown:
		c.typeErr(id, err)
		return nil
	}
	if e, ok := c.enums[id.name]; ok {
		return &Type{Kind: KindEnum, Name: id.name, Enum: e}
	}
	if m, ok := c.messages[id.name]; ok {
		m.Nested = true
		return &Type{Kind: KindMessage, Name: id.name, Message: m}
	}
	switch id.name {
	case "bytes", "string":
		c.errAt(id, id.name+"(16) is 16 bytes, "+id.name+"(u8) has a u8 length prefix, "+id.name+"(n) takes its length from field n, "+id.name+"(rest) runs to the end", "%s needs a size", id.name)
	case "message":
		c.errAt(id, "message(type) is a frame's body, selected by the field type", "message needs the name of the type field")
	default:
		hint := typeHint
		if c.frame != nil && id.name == c.frame.Name {
			hint = "a frame is not a type: messages travel in it as its body"
		}
		c.errAt(id, hint, "unknown type %s", id.name)
	}
	return nil
}

func (c *checker) enum(e *Enum, n *enumNode) {
	t := c.typ(n.base, nil, nil)
	if t == nil {
		return
	}
	if t.Kind != KindInt {
		c.errorf(n.base.pos, len(n.base.name.name), "enum Name : u8 { ... }", "an enum's type is an integer type, not %s", t.Name)
		return
	}
	e.Type = t
	names := map[string]Pos{}
	values := map[uint64]string{}
	for _, v := range n.values {
		if p, ok := names[v.name.name]; ok {
			c.errAt(v.name, "the first is at "+p.String(), "enum value %s is declared twice", v.name.name)
			continue
		}
		names[v.name.name] = v.name.pos
		x, ok := c.intValue(v.value, t)
		if !ok {
			continue
		}
		if other, ok := values[x]; ok {
			c.errorf(v.value.pos, len(v.value.text), "give each value its own number", "enum values %s and %s are both %s", other, v.name.name, v.value.text)
			continue
		}
		values[x] = v.name.name
		e.Values = append(e.Values, &EnumValue{Name: v.name.name, Doc: docText(v.doc), Pos: v.name.pos, Value: x})
	}
}

// intRange returns the smallest and largest value of an Int of t's width.
func intRange(t *Type) (lo int64, hi uint64) {
	if t.Signed {
		return -1 << (t.Bits - 1), 1<<(t.Bits-1) - 1
	}
	return 0, math.MaxUint64 >> (64 - t.Bits)
}

func rangeText(t *Type) string {
	lo, hi := intRange(t)
	return strconv.FormatInt(lo, 10) + ".." + strconv.FormatUint(hi, 10)
}

// intValue checks that the literal fits t (an Int, Bool or an Enum's Int)
// and returns its bits.
func (c *checker) intValue(l intLit, t *Type) (uint64, bool) {
	lo, hi := intRange(t)
	fits := l.val <= hi
	if l.neg {
		fits = t.Signed && l.val <= uint64(-lo)
	}
	if !fits {
		c.errorf(l.pos, len(l.text), t.Name+" holds "+rangeText(t), "%s does not fit in %s", l.text, t.Name)
		return 0, false
	}
	if l.neg {
		return -l.val, true
	}
	return l.val, true
}

// scope is what a field's type and options may refer to: the fields of its
// message so far, and the names of all of them, to tell a later field from
// an unknown name.
type scope struct {
	msg     *Message
	fields  map[string]*Field
	all     map[string]ident
	current *Field
}

func (c *checker) typ(n *typeNode, sc *scope, f *Field) *Type {
	switch n.kind {
	case tyNamed:
		return c.named(n.name)
	case tyBytes, tyString:
		size := c.size(n.size, sc, f, n.kind == tyString)
		if size == nil {
			return nil
		}
		t := &Type{Kind: KindBytes, Name: n.name.name, Size: size}
		if n.kind == tyString {
			t.Kind, t.ZeroCopy = KindString, n.zerocopy
		}
		return t
	case tyArray:
		size := c.size(n.size, sc, f, false)
		elem := c.typ(n.elem, nil, nil)
		if size == nil || elem == nil {
			return nil
		}
		switch {
		case elem.Kind == KindBool || elem.Kind == KindInt && elem.Bits%8 != 0 || elem.Kind == KindEnum && elem.Enum.Type != nil && elem.Enum.Type.Bits%8 != 0:
			c.errorf(n.elem.pos, len(n.elem.name.name), "array elements are whole bytes: use u8 or a wider type, or declare the bits as fields", "array of %s: elements of less than a byte are not supported", n.elem.name.name)
			return nil
		case (elem.Kind == KindBytes || elem.Kind == KindString || elem.Kind == KindArray) && elem.Size.Kind == SizeRest:
			c.errorf(n.elem.pos, 1, "only the last field of a message can run to the end", "an array element cannot run to the end of the input")
			return nil
		}
		return &Type{Kind: KindArray, Name: "array", Size: size, Elem: elem}
	case tyBody:
		if sc == nil || sc.msg != c.frame {
			c.errorf(n.pos, len("message"), "a message holds other messages as fields of their type: inner Inner", "message(...) is a frame's body; it has no place in a message")
			return nil
		}
		d := c.ref(n.name, sc, "the body's type field")
		if d == nil {
			return nil
		}
		if d.Type == nil || d.Type.Kind != KindInt || d.Type.Signed {
			c.errAt(n.name, "the type field is an unsigned integer, as in type u8", "the type field %s is not an unsigned integer", d.Name)
			return nil
		}
		return &Type{Kind: KindBody, Name: "message", Disc: d}
	}
	panic("unreachable")
}

// ref resolves a reference to an earlier field of the same message.
func (c *checker) ref(id ident, sc *scope, what string) *Field {
	if sc == nil {
		c.errAt(id, "an array's count is a number, a prefix type such as u8, or rest", "%s cannot refer to a field here", what)
		return nil
	}
	if f, ok := sc.fields[id.name]; ok {
		return f
	}
	if later, ok := sc.all[id.name]; ok {
		if sc.current != nil && id.name == sc.current.Name {
			c.errAt(id, "name an earlier field", "field %s refers to itself", id.name)
		} else {
			c.errAt(id, "fields are decoded in order, so a field can depend only on earlier ones: move "+id.name+" (line "+strconv.Itoa(later.pos.Line)+") before this field", "%s refers to the later field %s", what, id.name)
		}
		return nil
	}
	c.errAt(id, "name a field declared earlier in "+sc.msg.Name, "%s: unknown field %s", what, id.name)
	return nil
}

// size resolves the size of bytes, string or an array; text says whether it
// counts the bytes of a string.
func (c *checker) size(n *sizeNode, sc *scope, f *Field, text bool) *Size {
	if n.lit != nil {
		if n.lit.val == 0 || n.lit.neg {
			c.errorf(n.pos, len(n.lit.text), "a field of no bytes carries nothing: remove it", "size %s: a fixed size is at least 1", n.lit.text)
			return nil
		}
		if n.lit.val > maxFixed {
			c.errorf(n.pos, len(n.lit.text), "give it a length prefix instead: bytes(u32)", "size %s: a fixed size is at most 16MiB", n.lit.text)
			return nil
		}
		return &Size{Kind: SizeFixed, N: n.lit.val}
	}
	if n.name.name == "rest" {
		return &Size{Kind: SizeRest}
	}
	t, err := c.builtin(n.name.name)
	if err == nil {
		if t.Kind == KindVarint && t.Varint == Uvarint || t.Kind == KindInt && !t.Signed && t.Bits%8 == 0 {
			return &Size{Kind: SizePrefix, Prefix: t}
		}
		c.errAt(n.name, "a length prefix is an unsigned integer of whole bytes (u8, u16, u32le, ...) or uvarint", "%s cannot be a length prefix", n.name.name)
		return nil
	}
	if err != errUnknown {
		c.typeErr(n.name, err)
		return nil
	}
	ref := c.ref(n.name, sc, "size")
	if ref == nil {
		return nil
	}
	switch {
	case ref.Type == nil:
		return nil
	case !(ref.Type.Kind == KindInt && !ref.Type.Signed || ref.Type.Kind == KindVarint && ref.Type.Varint == Uvarint):
		c.errAt(n.name, "a length or count is an unsigned integer or a uvarint", "size field %s is %s, not an unsigned integer", ref.Name, ref.Type.Name)
	case ref.LengthOf != nil:
		c.errAt(n.name, "each field needs its own length field", "field %s is already the size of %s", ref.Name, ref.LengthOf.Name)
	case ref.Const != nil || ref.Reserved || ref.Cond != nil || ref.Rule != nil || ref.Role != RoleNone:
		c.errAt(n.name, "a size field is a plain integer field, present in every encoding: its value is computed when encoding", "field %s cannot be a size: it is constant, reserved, conditional, restricted or has a frame role", ref.Name)
	default:
		ref.LengthOf = f
		return &Size{Kind: SizeField, Field: ref}
	}
	return nil
}

// capacity is the largest length or count a size can say.
func capacity(s *Size) uint64 {
	switch s.Kind {
	case SizeFixed:
		return s.N
	case SizePrefix:
		return typeCapacity(s.Prefix)
	case SizeField:
		return typeCapacity(s.Field.Type)
	}
	return math.MaxUint64
}

func typeCapacity(t *Type) uint64 {
	if t.Kind == KindVarint {
		return math.MaxUint64
	}
	return math.MaxUint64 >> (64 - t.Bits)
}

// fields resolves the fields of m.
func (c *checker) fields(m *Message, n *messageNode) {
	sc := &scope{msg: m, fields: map[string]*Field{}, all: map[string]ident{}}
	for _, fn := range n.fields {
		if _, ok := sc.all[fn.name.name]; !ok && fn.name.name != "_" {
			sc.all[fn.name.name] = fn.name
		}
	}
	for i, fn := range n.fields {
		f := &Field{Name: fn.name.name, Doc: docText(fn.doc), Pos: fn.name.pos, Index: i, Reserved: fn.name.name == "_"}
		if f.Name != "_" {
			if prev, ok := sc.fields[f.Name]; ok {
				c.errAt(fn.name, "the first is at "+prev.Pos.String()+"; rename one of them", "duplicate field %s in %s", f.Name, m.Name)
			}
		}
		sc.current = f
		f.Type = c.typ(fn.typ, sc, f)
		m.Fields = append(m.Fields, f)
		if f.Type == nil {
			continue // reported; the rest of the field would only add noise
		}
		c.fieldOptions(m, f, fn, sc)
		if f.Name != "_" {
			sc.fields[f.Name] = f
		}
	}
	// A condition may not read a field that a later field made a size:
	// encoders compute sizes, so the condition would depend on the data.
	for i, fn := range n.fields {
		if f := m.Fields[i]; f.Cond != nil && f.Cond.Field.LengthOf != nil {
			c.errAt(fn.cond.field, "test a field that holds a value of its own", "condition on %s, which is the size of %s", f.Cond.Field.Name, f.Cond.Field.LengthOf.Name)
		}
	}
}

func (c *checker) fieldOptions(m *Message, f *Field, fn *fieldNode, sc *scope) {
	t := f.Type
	intLike := t.Kind == KindInt || t.Kind == KindBool || t.Kind == KindEnum
	isFrame := m == c.frame
	if fn.value != nil {
		c.value(m, f, fn.value, sc)
	}
	if f.Reserved && f.Const == nil && !(intLike || t.Kind == KindBytes && t.Size.Kind == SizeFixed) {
		c.errAt(fn.name, "reserved fields are integers or bytes(n): _ u5, _ bytes(3)", "reserved field of type %s", t.Name)
	}
	if fn.max != nil {
		switch {
		case f.Role == RoleLength:
			// checked with the frame's roles
		case (t.Kind == KindBytes || t.Kind == KindString || t.Kind == KindArray) && t.Size.Kind != SizeFixed:
			if lim := capacity(t.Size); fn.max.val > lim {
				c.errorf(fn.max.pos, len(fn.max.text), "raise the size's width or lower max", "max %s does not fit the size of %s, which holds at most %d", fn.max.text, f.Name, lim)
			}
			f.Max = fn.max.val
		default:
			c.errorf(fn.max.pos, len(fn.max.text), "max bounds the length of bytes, string or an array whose size varies; for integers use in lo..hi", "max on %s %s", t.Name, f.Name)
		}
	}
	if f.Max == 0 && (t.Kind == KindBytes || t.Kind == KindString || t.Kind == KindArray) {
		f.Max = capacity(t.Size)
	}
	if fn.rule != nil {
		if t.Kind != KindInt {
			c.errorf(fn.rule.pos, 1, "in lists the integers a field accepts; an enum that accepts only its values is declared strict", "in on %s %s: rules apply to integers", t.Name, f.Name)
		} else if r := c.ranges(fn.rule, t); r != nil {
			f.Rule = &Rule{Ranges: r, Text: setText(fn.rule)}
		}
	}
	for _, role := range fn.roles {
		switch {
		case !isFrame:
			c.errAt(role, "roles name the parts of a frame's header", "@%s outside a frame", role.name)
		case role.name != "version" && role.name != "id":
			c.errAt(role, "frame roles are @version and @id; the others follow from the field: a constant is magic, = len(...) a length, message(type) the body", "unknown role @%s", role.name)
		case f.Role != RoleNone:
			c.errAt(role, "", "field %s has two roles", f.Name)
		case t.Kind != KindInt || t.Signed:
			c.errAt(role, "", "@%s field %s is not an unsigned integer", role.name, f.Name)
		default:
			f.Role = RoleVersion
			if role.name == "id" {
				f.Role = RoleID
			}
		}
	}
	if fn.cond != nil {
		if isFrame {
			c.errAt(fn.cond.field, "every frame field is present in every frame", "condition on frame field %s", f.Name)
		} else if f.Const != nil || f.Reserved {
			c.errAt(fn.cond.field, "a field present only sometimes holds a value", "condition on a constant or reserved field")
		} else {
			c.cond(f, fn.cond, sc)
		}
	}
	if f.Role == RoleVersion && f.Const == nil && f.Rule == nil {
		c.errAt(fn.name, "list the versions: version u8 = 1 @version, or version u8 in {1, 2} @version", "version field %s accepts any value", f.Name)
	}
	if f.Role == RoleVersion && f.Rule != nil {
		n := uint64(0)
		for _, r := range f.Rule.Ranges {
			n += r.Hi - r.Lo + 1
		}
		if n == 0 || n > 256 {
			c.errAt(fn.name, "list the versions a reader accepts, at most 256 of them", "version field %s accepts too many versions", f.Name)
		}
	}
}

// value checks the = value of field f.
func (c *checker) value(m *Message, f *Field, v *valueNode, sc *scope) {
	t := f.Type
	isFrame := m == c.frame
	switch v.kind {
	case valInt, valName:
		var lit intLit
		et := t
		switch {
		case v.kind == valName && t.Kind == KindEnum:
			ev := t.Enum.Lookup(v.fn.name)
			if ev == nil {
				c.errAt(v.fn, "", "enum %s has no value %s", t.Enum.Name, v.fn.name)
				return
			}
			f.Const = &Const{Int: ev.Value}
			return
		case v.kind == valName:
			c.errAt(v.fn, "a constant is a number, a \"string\" for bytes, or an enum value", "unknown value %s", v.fn.name)
			return
		case t.Kind == KindEnum:
			et = t.Enum.Type
		case t.Kind == KindBool:
			et = &Type{Kind: KindInt, Bits: 1, Name: "bool"}
		case t.Kind != KindInt:
			c.errorf(v.pos, 1, "a constant of this type is written as a \"string\"", "%s %s cannot be a number", t.Name, f.Name)
			return
		}
		lit = v.lit
		if et == nil {
			return
		}
		if x, ok := c.intValue(lit, et); ok {
			f.Const = &Const{Int: x}
		}
	case valString:
		if !(t.Kind == KindBytes || t.Kind == KindString) || t.Size.Kind != SizeFixed {
			c.errorf(v.pos, 1, "strings are constants of bytes(n) and string(n)", "%s %s cannot be a string", t.Name, f.Name)
			return
		}
		if uint64(len(v.str)) != t.Size.N {
			c.errorf(v.pos, len(v.str)+2, "", "constant of %d bytes for %s, which has %d", len(v.str), f.Name, t.Size.N)
			return
		}
		f.Const = &Const{Bytes: []byte(v.str)}
	case valLen, valSum:
		if !isFrame {
			hint := "a message's sizes are written on the field they measure: data bytes(n) makes n the length of data, items [n]Item its count"
			if v.kind == valSum {
				hint = "checksums belong to the frame"
			}
			c.errAt(v.fn, hint, "%s(...) in a message", v.fn.name)
			return
		}
		if t.Kind != KindInt || t.Signed {
			c.errorf(v.pos, 1, "", "%s field %s is not an unsigned integer", v.fn.name, f.Name)
			return
		}
		if v.kind == valLen {
			f.Role = RoleLength
			return
		}
		if v.fn.name != "crc32c" && v.fn.name != "crc32" {
			c.errAt(v.fn, "checksums are crc32c (Castagnoli) and crc32 (IEEE)", "unknown checksum %s", v.fn.name)
			return
		}
		if t.Bits != 32 {
			c.errorf(v.pos, 1, "declare it u32", "a %s is 32 bits; %s is %s", v.fn.name, f.Name, t.Name)
			return
		}
		f.Role = RoleChecksum
	}
}

func (c *checker) ranges(s *setNode, t *Type) []Range {
	var rs []Range
	for _, e := range s.elems {
		lo, ok1 := c.intValue(e.lo, t)
		hi, ok2 := c.intValue(e.hi, t)
		if !ok1 || !ok2 {
			return nil
		}
		if less(t, hi, lo) {
			c.errorf(e.lo.pos, len(e.lo.text), "write the smaller bound first", "empty range %s..%s", e.lo.text, e.hi.text)
			return nil
		}
		rs = append(rs, Range{Lo: lo, Hi: hi})
	}
	return rs
}

// less compares two values of type t.
func less(t *Type, a, b uint64) bool {
	if t.Signed {
		return int64(a) < int64(b)
	}
	return a < b
}

func setText(s *setNode) string {
	var parts []string
	for _, e := range s.elems {
		if e.lo.text == e.hi.text {
			parts = append(parts, e.lo.text)
		} else {
			parts = append(parts, e.lo.text+".."+e.hi.text)
		}
	}
	if len(s.elems) == 1 && len(parts[0]) > 0 && strings.Contains(parts[0], "..") {
		return parts[0]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (c *checker) cond(f *Field, n *condNode, sc *scope) {
	ref := c.ref(n.field, sc, "condition")
	if ref == nil || ref.Type == nil {
		return
	}
	if ref.LengthOf != nil {
		c.errAt(n.field, "test a field that holds a value of its own", "condition on %s, which is the size of %s", ref.Name, ref.LengthOf.Name)
		return
	}
	t := ref.Type
	if t.Kind == KindEnum {
		t = t.Enum.Type
	}
	if t == nil || !(t.Kind == KindInt || t.Kind == KindBool) || !ref.Stored() {
		c.errAt(n.field, "a condition tests a bool, integer or enum field that holds a value of its own", "condition on %s %s", ref.Type.Name, ref.Name)
		return
	}
	if t.Kind == KindBool {
		t = &Type{Kind: KindInt, Bits: 1, Name: "bool"}
	}
	cond := &Cond{Field: ref, Text: n.field.name}
	switch n.op {
	case "":
		cond.Negate, cond.Ranges = true, []Range{{0, 0}}
	case "==", "!=":
		v := n.value
		var x uint64
		if v.kind == valName {
			if ref.Type.Kind != KindEnum || ref.Type.Enum.Lookup(v.fn.name) == nil {
				c.errAt(v.fn, "compare with a number, or with a value of the field's enum", "unknown value %s", v.fn.name)
				return
			}
			x = ref.Type.Enum.Lookup(v.fn.name).Value
			cond.Text += " " + n.op + " " + v.fn.name
		} else {
			var ok bool
			if x, ok = c.intValue(v.lit, t); !ok {
				return
			}
			cond.Text += " " + n.op + " " + v.lit.text
		}
		cond.Negate, cond.Ranges = n.op == "!=", []Range{{x, x}}
	case "in":
		if cond.Ranges = c.ranges(n.set, t); cond.Ranges == nil {
			return
		}
		cond.Text += " in " + setText(n.set)
	}
	f.Cond = cond
}

// computeLayout computes the offsets, groups and sizes of m, after those of
// the messages it holds by value. path is the chain of messages being laid
// out, for reporting a message that holds itself.
func (c *checker) computeLayout(m *Message, path []*Message) {
	switch c.layout[m] {
	case 2:
		return
	case 1:
		var names []string
		start := 0
		for i, p := range path {
			if p == m {
				start = i
			}
		}
		for _, p := range path[start:] {
			names = append(names, p.Name)
		}
		names = append(names, m.Name)
		c.errorf(m.Pos, len(m.Name), "a message can hold itself only through an array whose count varies, such as [u8]"+m.Name, "message %s holds itself: %s", m.Name, strings.Join(names, " → "))
		m.Bits, m.MinBits = -1, 8 // any nonzero size keeps later checks quiet
		c.layout[m] = 2
		return
	}
	c.layout[m] = 1
	path = append(path, m)
	for _, f := range m.Fields {
		if f.Type != nil {
			c.layoutDeps(f.Type, path)
		}
	}
	c.layout[m] = 2

	var (
		anchor *Field
		pos    int
		group  *Group
		minB   int
	)
	// One alignment problem shifts every bit after it: report the first
	// only, and none in a message with a field whose type is broken.
	before := len(c.diags.diags)
	quiet := func() bool { return len(c.diags.diags) > before }
	for _, f := range m.Fields {
		if f.Type == nil || f.Type.Kind == KindEnum && f.Type.Enum.Type == nil {
			before = -1
		}
	}
	for i, f := range m.Fields {
		f.Offset = Offset{After: anchor, Bits: pos}
		t := f.Type
		if t == nil {
			f.Bits = -1
			anchor, pos, group = f, 0, nil
			continue
		}
		fixed := t.FixedBits()
		intLike := t.Kind == KindInt || t.Kind == KindBool || t.Kind == KindEnum
		if t.Kind == KindEnum && t.Enum.Type == nil {
			fixed = -1 // its enum is broken, and reported
		}
		switch {
		case f.Cond != nil:
			if pos%8 != 0 {
				if !quiet() {
					c.unaligned(m, f, group, pos)
				}
			} else if fixed >= 0 && fixed%8 != 0 {
				c.errAt(ident{f.Name, f.Pos}, "declare it with whole bytes, or make it always present", "field %s is present only sometimes, and its %d bits are not whole bytes", f.Name, fixed)
			}
			if intLike && fixed >= 0 {
				f.Group = &Group{Fields: []*Field{f}, Bits: fixed, Order: c.file.BitOrder}
			}
			group = nil
		case intLike && fixed >= 0:
			if group == nil {
				group = &Group{Order: c.file.BitOrder}
			}
			group.Fields = append(group.Fields, f)
			group.Bits += fixed
			f.Group = group
			if (pos+fixed)%8 == 0 {
				if group.Packed() {
					for _, g := range group.Fields {
						if c.explicitOrder[g.Type] || g.Type.Kind == KindEnum && c.explicitOrder[g.Type.Enum.Type] {
							c.errAt(ident{g.Name, g.Pos}, "bit fields sharing bytes follow the bit order; write "+strings.TrimRight(g.Type.Name, "lbe")+" or move the field onto bytes of its own", "field %s has a byte order but shares its bytes with other fields", g.Name)
						}
					}
				}
				group = nil
			}
		default:
			if pos%8 != 0 && !quiet() {
				c.unaligned(m, f, group, pos)
			}
			group = nil
		}
		if f.Cond != nil || fixed < 0 {
			f.Bits = -1
			anchor, pos = f, 0
		} else {
			f.Bits = fixed
			pos += fixed
		}
		if f.Cond == nil {
			minB += t.MinBits()
		}
		if t.Kind == KindBody && i != len(m.Fields)-1 {
			continue
		}
		if t.Size != nil && t.Size.Kind == SizeRest || t.Kind == KindMessage && hasRest(t.Message) {
			if i != len(m.Fields)-1 {
				c.errAt(ident{f.Name, f.Pos}, "put it last, or give it a length: bytes(u16), [u8]Item", "field %s runs to the end of the input, but fields follow it", f.Name)
			}
		}
	}
	if pos%8 != 0 && !quiet() {
		last := m.Fields[len(m.Fields)-1]
		c.errAt(ident{last.Name, last.Pos}, fmt.Sprintf("pad it to a byte boundary: _ u%d", 8-pos%8), "%s ends %s into a byte", m.Name, bitsText(pos%8))
	}
	m.Bits = pos
	if anchor != nil {
		m.Bits = -1
	}
	m.MinBits = minB
}

// layoutDeps lays out the messages a type holds by value.
func (c *checker) layoutDeps(t *Type, path []*Message) {
	switch {
	case t.Kind == KindMessage:
		c.computeLayout(t.Message, path)
	case t.Kind == KindArray && t.Size.Kind == SizeFixed:
		c.layoutDeps(t.Elem, path)
	}
}

// hasRest reports whether m ends with a field that runs to the end of the
// input, itself or through its last field's message.
func hasRest(m *Message) bool {
	seen := map[*Message]bool{}
	for !seen[m] && len(m.Fields) > 0 {
		seen[m] = true // a message that holds itself is reported elsewhere
		t := m.Fields[len(m.Fields)-1].Type
		switch {
		case t == nil:
			return false
		case t.Size != nil && t.Size.Kind == SizeRest:
			return true
		case t.Kind != KindMessage:
			return false
		}
		m = t.Message
	}
	return false
}

// unaligned reports a field that must start on a byte boundary but does not.
func (c *checker) unaligned(m *Message, f *Field, g *Group, pos int) {
	var before []string
	if g != nil {
		for _, b := range g.Fields {
			before = append(before, b.Name+" "+b.Type.Name)
		}
	}
	used := pos % 8
	c.errAt(ident{f.Name, f.Pos},
		fmt.Sprintf("the bit fields before it (%s) fill %s of their last byte; pad the byte with _ u%d before %s", strings.Join(before, ", "), bitsText(used), 8-used, f.Name),
		"field %s starts %s into a byte, but %s fields start on a byte boundary", f.Name, bitsText(used), kindText(f))
}

func bitsText(n int) string {
	if n == 1 {
		return "1 bit"
	}
	return strconv.Itoa(n) + " bits"
}

func kindText(f *Field) string {
	if f.Cond != nil {
		return "conditional"
	}
	return f.Type.Name
}

// afterLayout checks what needs the layout of other messages.
func (c *checker) afterLayout(m *Message) {
	for _, f := range m.Fields {
		for t := f.Type; t != nil && t.Kind == KindArray; t = t.Elem {
			e := t.Elem
			if e.Kind == KindMessage && e.MinBits() == 0 {
				c.errAt(ident{f.Name, f.Pos}, "give "+e.Message.Name+" at least one byte, or use a fixed count", "array %s of %s, which can take no bytes: its count could not be checked against the input", f.Name, e.Message.Name)
			}
			if e.Kind == KindMessage && e.FixedBits() >= 0 && e.FixedBits()%8 != 0 {
				c.errAt(ident{f.Name, f.Pos}, "", "array %s of %s, which is not whole bytes", f.Name, e.Message.Name)
			}
			if e.Kind == KindMessage && hasRest(e.Message) {
				c.errAt(ident{f.Name, f.Pos}, "give the last field of "+e.Message.Name+" a length", "array %s of %s, which runs to the end of the input", f.Name, e.Message.Name)
			}
		}
	}
}

// frameRoles assigns and checks the roles of the frame's fields.
func (c *checker) frameRoles(m *Message, n *messageNode) *Frame {
	fr := &Frame{Name: m.Name, Doc: m.Doc, Pos: m.Pos, Fields: m.Fields}
	seen := map[Role]*Field{}
	set := func(f *Field, slot **Field) {
		if prev := seen[f.Role]; prev != nil {
			c.errAt(ident{f.Name, f.Pos}, "the first is "+prev.Name+" at "+prev.Pos.String(), "a frame has one %s field", f.Role)
			return
		}
		seen[f.Role] = f
		*slot = f
	}
	for i, f := range m.Fields {
		if f.Type == nil || f.Type.Kind != KindBody {
			continue
		}
		f.Role = RoleBody
		set(f, &fr.Body)
		if d := f.Type.Disc; d.Role == RoleNone {
			d.Role = RoleType
			fr.Type = d
		} else {
			c.errAt(n.fields[i].typ.name, "", "type field %s already has the role %s", d.Name, d.Role)
		}
	}
	magic := true
	for i, f := range m.Fields {
		if f.Type == nil {
			continue
		}
		fn := n.fields[i]
		switch {
		case f.Role == RoleBody || f.Role == RoleType:
		case f.Role == RoleVersion:
			set(f, &fr.Version)
		case f.Role == RoleID:
			set(f, &fr.ID)
		case f.Role == RoleLength:
			set(f, &fr.Length)
			c.lengthRole(fr, f, fn)
		case f.Role == RoleChecksum:
			if fr.Checksum != nil {
				c.errAt(ident{f.Name, f.Pos}, "", "a frame has one checksum")
				continue
			}
			fr.Checksum = c.checksum(m, f, fn.value)
		case f.Const != nil && magic:
			f.Role = RoleMagic
		}
		if f.Role != RoleMagic {
			magic = false
		}
	}
	if fr.Body == nil {
		c.errAt(n.name, "add body message(type), where type is the field that selects the message", "frame %s has no body", m.Name)
	}
	if fr.Length == nil {
		c.errAt(n.name, "add a length field: length u32 = len(body) max 1MiB", "frame %s has no length field: a reader could not tell where a frame ends", m.Name)
	}
	if fr.Body != nil && fr.Length != nil && fr.Length.Index > fr.Body.Index {
		c.errAt(ident{fr.Length.Name, fr.Length.Pos}, "move the length before the body", "the length field %s comes after the body it measures", fr.Length.Name)
	}
	return fr
}

func (c *checker) lengthRole(fr *Frame, f *Field, fn *fieldNode) {
	what := fn.value.from
	switch {
	case what.name == "frame":
		fr.LengthCountsFrame = true
	case fr.Body == nil || what.name != fr.Body.Name:
		c.errAt(what, "the length counts the body, len(body), or the whole frame, len(frame)", "len(%s): not the body", what.name)
	}
	lim := typeCapacity(f.Type)
	fr.Max = min(DefaultMaxLength, lim)
	if fn.max != nil {
		fr.Max = fn.max.val
		if fn.max.val > lim {
			c.errorf(fn.max.pos, len(fn.max.text), fmt.Sprintf("widen %s or lower max", f.Name), "length field %s is too narrow for max %s: %s holds at most %d", f.Name, fn.max.text, f.Type.Name, lim)
		}
	}
}

func (c *checker) checksum(m *Message, f *Field, v *valueNode) *Checksum {
	cs := &Checksum{Field: f, Algo: v.fn.name}
	find := func(id ident) *Field {
		for _, g := range m.Fields {
			if g.Name == id.name {
				return g
			}
		}
		c.errAt(id, "", "checksum over unknown field %s", id.name)
		return nil
	}
	cs.From = find(v.from)
	cs.To = cs.From
	if v.to.name != "" {
		cs.To = find(v.to)
	}
	switch {
	case cs.From == nil || cs.To == nil:
		return nil
	case cs.From.Index > cs.To.Index:
		c.errAt(v.to, "write the first field covered first", "checksum span %s .. %s runs backwards", cs.From.Name, cs.To.Name)
		return nil
	case cs.To.Index >= f.Index:
		c.errAt(v.to, "a checksum covers fields before it", "checksum %s covers itself or later fields", f.Name)
		return nil
	}
	return cs
}

// typeIDs checks the messages' type ids against the frame.
func (c *checker) typeIDs() {
	seen := map[uint64]*Message{}
	for _, m := range c.file.Messages {
		n := c.nodes[m]
		if n.id == nil {
			continue
		}
		id := *n.id
		if c.file.Frame == nil {
			c.errorf(id.pos, len(id.text), "declare a frame whose body the type id selects, or remove = "+id.text, "message %s has a type id but the file declares no frame", m.Name)
			continue
		}
		disc := c.file.Frame.Type
		if disc == nil {
			continue
		}
		if _, hi := intRange(disc.Type); id.neg || id.val > hi {
			c.errorf(id.pos, len(id.text), fmt.Sprintf("type ids of frame %s are 0..%d; widen %s", c.file.Frame.Name, hi, disc.Name), "type id %s of %s does not fit the type field %s %s", id.text, m.Name, disc.Name, disc.Type.Name)
			continue
		}
		x := id.val
		if prev := seen[x]; prev != nil {
			c.errorf(id.pos, len(id.text), "each message needs its own type id", "type id %s of %s is already %s's (%s)", id.text, m.Name, prev.Name, prev.Pos)
			continue
		}
		seen[x] = m
		m.ID, m.HasID = x, true
	}
}

func (c *checker) service(n *serviceNode) {
	if !c.declare(n.name) {
		return
	}
	s := &Service{Name: n.name.name, Doc: docText(n.doc), Pos: n.name.pos}
	names := map[string]Pos{}
	for _, r := range n.rpcs {
		if p, ok := names[r.name.name]; ok {
			c.errAt(r.name, "the first is at "+p.String(), "method %s is declared twice", r.name.name)
			continue
		}
		names[r.name.name] = r.name.pos
		meth := &Method{Name: r.name.name, Doc: docText(r.doc), Pos: r.name.pos}
		meth.Request = c.rpcMessage(r.req)
		meth.Response = c.rpcMessage(r.resp)
		if meth.Request != nil && meth.Response != nil {
			s.Methods = append(s.Methods, meth)
		}
	}
	c.file.Services = append(c.file.Services, s)
}

func (c *checker) rpcMessage(id ident) *Message {
	m := c.messages[id.name]
	switch {
	case m == nil:
		c.errAt(id, "requests and responses are messages declared in this file", "unknown message %s", id.name)
	case !m.HasID:
		c.errAt(id, "give it a type id: message "+m.Name+" = 5 { ... }", "message %s has no type id, so it cannot travel in a frame", m.Name)
	default:
		return m
	}
	return nil
}
