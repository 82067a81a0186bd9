package schema

import (
	"strings"
)

// The syntax tree: what the source says, before names are resolved and
// layouts computed. check turns it into the model.

type ident struct {
	name string
	pos  Pos
}

type fileNode struct {
	doc      []string
	pkg      ident
	options  []*optionNode
	enums    []*enumNode
	messages []*messageNode // messages and frames, in source order
	services []*serviceNode
}

type optionNode struct{ key, value ident }

type enumNode struct {
	doc    []string
	name   ident
	base   *typeNode
	strict bool
	values []*enumValueNode
}

type enumValueNode struct {
	doc   []string
	name  ident
	value intLit
}

type intLit struct {
	pos  Pos
	text string
	neg  bool
	val  uint64
}

type messageNode struct {
	doc     []string
	kw      ident // "message" or "frame"
	name    ident
	id      *intLit
	fields  []*fieldNode
	isFrame bool
}

type fieldNode struct {
	doc   []string
	name  ident
	typ   *typeNode
	value *valueNode
	max   *intLit
	rule  *setNode
	roles []ident
	cond  *condNode
}

type typeKind uint8

const (
	tyNamed typeKind = iota // u8, bool, an enum or a message
	tyBytes
	tyString
	tyArray
	tyBody // message(discriminator)
)

type typeNode struct {
	kind     typeKind
	pos      Pos
	name     ident // tyNamed: the type name; tyBody: the discriminator field
	size     *sizeNode
	elem     *typeNode
	zerocopy bool
}

// sizeNode is what goes in bytes(...), string(...) and [...]: a number, an
// integer type or uvarint (a prefix), rest, or the name of an earlier field.
type sizeNode struct {
	pos  Pos
	lit  *intLit
	name ident
}

type valueKind uint8

const (
	valInt valueKind = iota
	valString
	valName // an enum value's name
	valLen  // len(field)
	valSum  // checksum(from .. to)
)

type valueNode struct {
	kind     valueKind
	pos      Pos
	lit      intLit
	str      string
	fn       ident // valSum: the algorithm
	from, to ident // valLen: from; valSum: from and to (to may be empty)
}

type setNode struct {
	pos   Pos
	elems []rangeNode
}

type rangeNode struct {
	lo, hi intLit // hi == lo for a single value
}

type condNode struct {
	field ident
	op    string // "", "==", "!=" or "in"
	value *valueNode
	set   *setNode
}

type serviceNode struct {
	doc  []string
	name ident
	rpcs []*rpcNode
}

type rpcNode struct {
	doc       []string
	name      ident
	req, resp ident
}

// parser is a recursive-descent parser. It stops at the first syntax error:
// what follows a syntax error is rarely worth reporting.
type parser struct {
	lx    *lexer
	tok   token
	diags *diagList
}

// bailout unwinds the parser after a syntax error has been recorded.
type bailout struct{}

func parse(file string, src []byte, diags *diagList) (f *fileNode) {
	p := &parser{lx: newLexer(file, src, diags), diags: diags}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			f = nil
		}
	}()
	p.next()
	return p.file()
}

// next moves to the next token. A character the lexer could not read is
// reported already, and what the parser would say next would only repeat
// it: stop there.
func (p *parser) next() {
	p.tok = p.lx.next()
	if len(p.diags.diags) > 0 {
		panic(bailout{})
	}
}

func (p *parser) fail(pos Pos, n int, hint, format string, args ...any) {
	p.diags.add(pos, n, format, hint, args...)
	panic(bailout{})
}

// unexpected reports the current token where something else was wanted.
func (p *parser) unexpected(want, hint string) {
	p.fail(p.tok.pos, len(p.tok.text), hint, "expected %s, found %s", want, p.tok)
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }
func (p *parser) isIdent(s string) bool { return p.tok.kind == tIdent && p.tok.text == s }

func (p *parser) skipNewlines() {
	for p.tok.kind == tNewline || p.isPunct(";") {
		p.next()
	}
}

func (p *parser) expect(punct, hint string) Pos {
	if !p.isPunct(punct) {
		p.unexpected(`"`+punct+`"`, hint)
	}
	pos := p.tok.pos
	p.next()
	return pos
}

func (p *parser) ident(what, hint string) ident {
	if p.tok.kind != tIdent {
		p.unexpected(what, hint)
	}
	id := ident{name: p.tok.text, pos: p.tok.pos}
	p.next()
	return id
}

func (p *parser) keyword(kw string) ident {
	if !p.isIdent(kw) {
		p.unexpected(`"`+kw+`"`, "")
	}
	return p.ident(kw, "")
}

// endOfItem consumes the end of a field or declaration line.
func (p *parser) endOfItem(hint string) {
	switch {
	case p.tok.kind == tNewline || p.isPunct(";"):
		p.next()
	case p.tok.kind == tEOF || p.isPunct("}"):
	default:
		p.unexpected("end of line", hint)
	}
}

// trail is the comment at the end of line, if any.
func (p *parser) trail(line int) []string {
	if s, ok := p.lx.trails[line]; ok {
		return []string{s}
	}
	return nil
}

func (p *parser) file() *fileNode {
	f := &fileNode{}
	p.skipNewlines()
	if !p.isIdent("package") {
		p.unexpected(`"package"`, "a schema starts with its package name: package orders")
	}
	f.doc = p.tok.doc
	p.next()
	f.pkg = p.ident("a package name", "a package name is a Go identifier: package orders")
	p.endOfItem("")
	for {
		p.skipNewlines()
		if p.tok.kind == tEOF {
			return f
		}
		doc := p.tok.doc
		switch {
		case p.isIdent("byte_order") || p.isIdent("bit_order"):
			o := &optionNode{key: p.ident("", "")}
			o.value = p.ident("a value", "byte_order big, byte_order little, bit_order msb or bit_order lsb")
			f.options = append(f.options, o)
			p.endOfItem("")
		case p.isIdent("enum"):
			f.enums = append(f.enums, p.enum(doc))
		case p.isIdent("message") || p.isIdent("frame"):
			f.messages = append(f.messages, p.message(doc))
		case p.isIdent("service"):
			f.services = append(f.services, p.service(doc))
		default:
			p.unexpected("a declaration", "declarations start with enum, message, frame, service, byte_order or bit_order")
		}
	}
}

func (p *parser) enum(doc []string) *enumNode {
	kw := p.keyword("enum")
	e := &enumNode{doc: doc, name: p.ident("an enum name", "enum Side : u1 { buy = 0  sell = 1 }")}
	p.expect(":", "an enum names its integer type: enum Side : u1 { ... }")
	e.base = p.typ()
	if p.isIdent("strict") {
		e.strict = true
		p.next()
	}
	p.expect("{", "")
	for {
		for p.tok.kind == tNewline || p.isPunct(",") || p.isPunct(";") {
			p.next()
		}
		if p.isPunct("}") {
			p.next()
			break
		}
		v := &enumValueNode{doc: p.tok.doc}
		v.name = p.ident("a value name or }", "enum values are written name = number")
		p.expect("=", "enum values are written name = number")
		v.value = p.intLit()
		e.values = append(e.values, v)
	}
	// A comment ending a line documents the last value declared on it, or
	// the enum if no value is on the enum's first line.
	if len(e.values) == 0 || e.values[0].name.pos.Line != kw.pos.Line {
		e.doc = append(e.doc, p.trail(kw.pos.Line)...)
	}
	for i, v := range e.values {
		if i+1 == len(e.values) || e.values[i+1].name.pos.Line != v.name.pos.Line {
			v.doc = append(v.doc, p.trail(v.name.pos.Line)...)
		}
	}
	p.endOfItem("")
	return e
}

func (p *parser) message(doc []string) *messageNode {
	m := &messageNode{kw: p.ident("", "")}
	m.isFrame = m.kw.name == "frame"
	m.name = p.ident("a name", "")
	if !m.isFrame && p.isPunct("=") {
		p.next()
		id := p.intLit()
		m.id = &id
	}
	p.expect("{", "")
	m.doc = append(doc, p.trail(m.kw.pos.Line)...) // the line is lexed now
	for {
		p.skipNewlines()
		if p.isPunct("}") {
			p.next()
			break
		}
		if p.tok.kind == tEOF {
			p.unexpected(`"}"`, "close the "+m.kw.name+" body")
		}
		m.fields = append(m.fields, p.field())
	}
	p.endOfItem("")
	return m
}

func (p *parser) field() *fieldNode {
	f := &fieldNode{doc: p.tok.doc}
	f.name = p.ident("a field name", "a field is written name type, as in qty u32")
	if p.tok.kind == tNewline || p.isPunct("}") {
		p.fail(f.name.pos, len(f.name.name), "a field is written name type, as in qty u32", "field %s has no type", f.name.name)
	}
	f.typ = p.typ()
	for p.tok.kind != tNewline && p.tok.kind != tEOF && !p.isPunct(";") && !p.isPunct("}") {
		pos := p.tok.pos
		var dup bool
		switch {
		case p.isPunct("="):
			p.next()
			dup = f.value != nil
			f.value = p.value()
		case p.isIdent("max"):
			p.next()
			dup = f.max != nil
			v := p.intLit()
			f.max = &v
		case p.isIdent("in"):
			p.next()
			dup = f.rule != nil
			f.rule = p.set()
		case p.isPunct("@"):
			p.next()
			f.roles = append(f.roles, p.ident("a role", "frame roles are @version and @id"))
		case p.isIdent("if"):
			p.next()
			dup = f.cond != nil
			f.cond = p.cond()
		default:
			p.unexpected("= value, max, in, @role, if or end of line", "")
		}
		if dup {
			p.fail(pos, 1, "", "field %s says this twice", f.name.name)
		}
	}
	f.doc = append(f.doc, p.trail(f.name.pos.Line)...)
	p.endOfItem("")
	return f
}

func (p *parser) typ() *typeNode {
	t := &typeNode{pos: p.tok.pos}
	if p.isPunct("[") {
		p.next()
		t.kind = tyArray
		t.size = p.size("[", "]")
		p.expect("]", "")
		t.elem = p.typ()
		return t
	}
	t.name = p.ident("a type", "types are u1..u64, i1..i64, bool, f32, f64, uvarint, varint, zigzag, bytes(...), string(...), [n]type or a declared enum or message")
	if !p.isPunct("(") {
		return t
	}
	switch t.name.name {
	case "bytes", "string":
		t.kind = tyBytes
		if t.name.name == "string" {
			t.kind = tyString
		}
		p.next()
		t.size = p.size("(", ")")
		p.expect(")", "")
		if t.kind == tyString && p.isIdent("zerocopy") {
			t.zerocopy = true
			p.next()
		}
	case "message":
		t.kind = tyBody
		p.next()
		t.name = p.ident("the type field's name", "a frame body is message(type), naming the field that selects the message")
		p.expect(")", "")
	default:
		p.unexpected("a field option or end of line", "only bytes, string and message take arguments")
	}
	return t
}

func (p *parser) size(open, close string) *sizeNode {
	s := &sizeNode{pos: p.tok.pos}
	switch p.tok.kind {
	case tInt:
		v := p.intLit()
		s.lit = &v
	case tIdent:
		s.name = p.ident("", "")
	default:
		p.unexpected("a size", "a size is a number ("+open+"16"+close+"), a prefix type ("+open+"u8"+close+", "+open+"uvarint"+close+"), "+open+"rest"+close+" or an earlier field's name")
	}
	return s
}

func (p *parser) intLit() intLit {
	l := intLit{pos: p.tok.pos}
	if p.isPunct("-") {
		l.neg = true
		p.next()
	}
	if p.tok.kind != tInt {
		p.unexpected("a number", "")
	}
	l.text, l.val = p.tok.text, p.tok.val
	if l.neg {
		l.text = "-" + l.text
	}
	p.next()
	return l
}

func (p *parser) value() *valueNode {
	v := &valueNode{pos: p.tok.pos}
	switch {
	case p.tok.kind == tInt || p.isPunct("-"):
		v.kind = valInt
		v.lit = p.intLit()
	case p.tok.kind == tString:
		v.kind = valString
		v.str = p.tok.text
		p.next()
	case p.tok.kind == tIdent:
		name := p.ident("", "")
		if !p.isPunct("(") {
			v.kind = valName
			v.fn = name
			return v
		}
		p.next()
		v.fn = name
		v.kind = valSum
		if name.name == "len" {
			v.kind = valLen
		}
		v.from = p.ident("a field name", "")
		if v.kind == valSum && p.isPunct("..") {
			p.next()
			v.to = p.ident("a field name", "a checksum covers first .. last field")
		}
		p.expect(")", "")
	default:
		p.unexpected("a value", "a value is a number, a \"string\", an enum value, len(field) or a checksum such as crc32c(magic .. body)")
	}
	return v
}

func (p *parser) set() *setNode {
	s := &setNode{pos: p.tok.pos}
	if !p.isPunct("{") {
		s.elems = append(s.elems, p.rangeElem())
		return s
	}
	p.next()
	for {
		s.elems = append(s.elems, p.rangeElem())
		if p.isPunct("}") {
			p.next()
			return s
		}
		p.expect(",", "a set is written {1, 2, 10..20}")
	}
}

func (p *parser) rangeElem() rangeNode {
	r := rangeNode{lo: p.intLit()}
	r.hi = r.lo
	if p.isPunct("..") {
		p.next()
		r.hi = p.intLit()
	}
	return r
}

func (p *parser) cond() *condNode {
	c := &condNode{field: p.ident("a field name", "a condition is if flag, if field == value, if field != value or if field in {...}")}
	switch {
	case p.isPunct("==") || p.isPunct("!="):
		c.op = p.tok.text
		p.next()
		c.value = p.value()
		if c.value.kind != valInt && c.value.kind != valName {
			p.fail(c.value.pos, 1, "compare with a number or an enum value's name", "a condition compares with a constant")
		}
	case p.isIdent("in"):
		c.op = "in"
		p.next()
		c.set = p.set()
	}
	return c
}

func (p *parser) service(doc []string) *serviceNode {
	kw := p.keyword("service")
	s := &serviceNode{name: p.ident("a service name", "")}
	p.expect("{", "")
	s.doc = append(doc, p.trail(kw.pos.Line)...)
	const form = "a method is written rpc Name(Request) returns (Response)"
	for {
		p.skipNewlines()
		if p.isPunct("}") {
			p.next()
			break
		}
		r := &rpcNode{doc: p.tok.doc}
		if !p.isIdent("rpc") {
			p.unexpected(`"rpc" or "}"`, form)
		}
		line := p.tok.pos.Line
		p.next()
		r.name = p.ident("a method name", form)
		p.expect("(", form)
		r.req = p.ident("a request message", form)
		p.expect(")", form)
		if !p.isIdent("returns") {
			p.unexpected(`"returns"`, form)
		}
		p.next()
		p.expect("(", form)
		r.resp = p.ident("a response message", form)
		p.expect(")", form)
		r.doc = append(r.doc, p.trail(line)...)
		p.endOfItem("")
		s.rpcs = append(s.rpcs, r)
	}
	p.endOfItem("")
	return s
}

// docText joins comment lines into documentation text.
func docText(lines []string) string {
	return strings.TrimSpace(strings.Join(lines, "\n"))
}
