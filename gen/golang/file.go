package golang

import (
	"sort"
	"strings"

	"github.com/wirekit/wirekit/schema"
)

// codeFile generates NAME.wire.go.
func (g *generator) codeFile() (*goFile, error) {
	hdr := g.header()
	if g.file.Doc != "" {
		var b strings.Builder
		for _, line := range strings.Split(g.file.Doc, "\n") {
			b.WriteString(strings.TrimRight("// "+line, " ") + "\n")
		}
		hdr += b.String()
	}
	f := newGoFile(g.opts.Package, hdr)
	for _, e := range g.file.Enums {
		g.enum(f, e)
	}
	if g.file.Frame != nil {
		if err := g.frame(f); err != nil {
			return nil, err
		}
	}
	for _, m := range g.file.Messages {
		g.message(f, m)
	}
	for _, s := range g.file.Services {
		g.service(f, s)
	}
	g.errors(f)
	if len(g.file.Services) > 0 {
		g.serviceErrors(f)
	}
	g.helpers(f)
	return f, nil
}

func (g *generator) enum(f *goFile, e *schema.Enum) {
	name := goName(e.Name)
	f.comment(e.Doc)
	if e.Doc != "" {
		f.P("//")
	}
	f.comment("On the wire it is " + e.Type.Name + ". " + map[bool]string{
		false: "Decode keeps a value not declared here as it is, so that a newer peer's values pass through; Valid reports false for it.",
		true:  "Decode refuses a value not declared here: the enum is strict.",
	}[e.Strict])
	f.Pf("type %s %s", name, intType(e.Type.Bits, e.Type.Signed))
	f.P()
	f.P("const (")
	for _, v := range e.Values {
		f.comment(v.Doc)
		f.Pf("%s %s = %s", enumValueName(e, v), name, literal(e.Type, v.Value))
	}
	f.P(")")
	f.P()
	f.Pf("// String returns the value's name in the schema, or %s(n) for a value without one.", name)
	f.Pf("func (x %s) String() string {", name)
	f.P("switch x {")
	for _, v := range e.Values {
		f.Pf("case %s: return %q", enumValueName(e, v), v.Name)
	}
	f.P("}")
	conv := "strconv.FormatUint(uint64(x), 10)"
	if e.Type.Signed {
		conv = "strconv.FormatInt(int64(x), 10)"
	}
	f.imp("strconv")
	f.Pf("return %q + %s + \")\"", name+"(", conv)
	f.P("}")
	f.P()
	f.Pf("// Valid reports whether x is a value declared in the schema.")
	f.Pf("func (x %s) Valid() bool {", name)
	if len(e.Values) == 0 {
		f.P("return false")
	} else {
		var names []string
		for _, v := range e.Values {
			names = append(names, enumValueName(e, v))
		}
		f.P("switch x {")
		f.Pf("case %s: return true", strings.Join(names, ", "))
		f.P("}")
		f.P("return false")
	}
	f.P("}")
	f.P()
}

// errors writes the error type every decoder and validator returns.
func (g *generator) errors(f *goFile) {
	f.imp("errors")
	f.imp("strconv")
	f.P(`// FieldError reports a message that does not decode or validate: which
// message and field, where, and why. Err is one of the Err values of this
// package, or, for input that ends too soon or a malformed varint, the
// wire.ErrShort, wire.ErrOverflow or wire.ErrNonCanonical of package wire;
// test it with errors.Is.
type FieldError struct {
	Message string // the message, as named in the schema
	Field   string // the field, as named in the schema (inner.field for a nested message); empty for the message as a whole
	Offset  int    // byte offset of the field in the input; -1 for an error from Validate
	Err     error
}

func (e *FieldError) Error() string {
	s := "` + g.opts.Package + `: " + e.Message
	if e.Field != "" {
		s += "." + e.Field
	}
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// The causes of a FieldError, besides those of package wire.
var (
	ErrTrailing  = errors.New("bytes left after the message")
	ErrConstant  = errors.New("constant or reserved field holds another value")
	ErrRange     = errors.New("value outside the field's range")
	ErrEnum      = errors.New("value not declared in the strict enum")
	ErrUTF8      = errors.New("text is not UTF-8")
	ErrTooLong   = errors.New("length or count over the field's max")
	ErrSize      = errors.New("value not the field's fixed size")
	ErrCondition = errors.New("field set while its condition does not hold")
)

func errAt(msg, field string, off int, err error) error {
	return &FieldError{Message: msg, Field: field, Offset: off, Err: err}
}
`)
}

// helperSource holds the helper functions generated code may use; each is
// written only if used.
var helperSource = map[string]string{
	"cutUTF8": `// cutUTF8 returns the length of the longest prefix of s that has at most n
// bytes and does not end inside a UTF-8 sequence.
func cutUTF8[T ~string | ~[]byte](s T, n int) int {
	if len(s) <= n {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}
`,
	"b2u": `func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
`,
	"appendPadded": `// appendPadded appends exactly n bytes: s cut or padded with zeros.
func appendPadded[T ~string | ~[]byte](dst []byte, s T, n int) []byte {
	if len(s) > n {
		s = s[:n]
	}
	dst = append(dst, s...)
	return append(dst, make([]byte, n-len(s))...)
}
`,
	"varintLen": `// varintLen is the length of v as a signed LEB128 varint.
func varintLen(v int64) int {
	var b [wire.MaxVarintLen]byte
	return len(wire.AppendVarint(b[:0], v))
}
`,
	"errWire": `// errWire reports a varint that does not decode, by the kind of its *wire.Error.
func errWire(msg, field string, off int, err error) error {
	if we, ok := err.(*wire.Error); ok {
		err = we.Kind
	}
	return errAt(msg, field, off, err)
}
`,
	"nest": `// nest turns the error of a message held in field of msg at off into
// msg's error.
func nest(err error, msg, field string, off int) error {
	fe, ok := err.(*FieldError)
	if !ok {
		return err
	}
	if fe.Field != "" {
		field += "." + fe.Field
	}
	fe.Message, fe.Field = msg, field
	if off >= 0 && fe.Offset >= 0 {
		fe.Offset += off
	}
	return fe
}
`,
}

var helperImports = map[string]string{"cutUTF8": "unicode/utf8", "varintLen": wirePkg, "errWire": wirePkg}

func (g *generator) helpers(f *goFile) {
	var names []string
	for n := range f.helpers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if p, ok := helperImports[n]; ok {
			f.imp(p)
		}
		f.P(helperSource[n])
	}
}
