package golang

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/wirekit/wirekit/schema"
)

// msgGen writes the code of one message.
type msgGen struct {
	*goFile
	m   *schema.Message
	tmp int // numbers the temporaries of nested loops
}

// fresh returns a temporary name unique in the function being written.
func (g *msgGen) fresh(prefix string) string {
	g.tmp++
	return prefix + strconv.Itoa(g.tmp)
}

func (g *msgGen) wire() string { return g.imp(wirePkg) }

func (gen *generator) message(f *goFile, m *schema.Message) {
	g := &msgGen{goFile: f, m: m}
	g.structType()
	if m.HasID {
		g.Pf("// FrameType returns %s, the frame type of %s %s.", typeConst(m), article(m.Name), m.Name)
		g.Pf("func (*%s) FrameType() uint32 { return %s }", goName(m.Name), typeConst(m))
		g.P()
	}
	g.sizeMethod()
	g.appendMethod()
	g.decodeMethods()
	g.validateMethod()
}

// structType writes the message's struct, with the schema's documentation
// and a table of where each field sits.
func (g *msgGen) structType() {
	m := g.m
	g.comment(m.Doc)
	if m.Doc != "" {
		g.P("//")
	}
	g.Pf("// Layout (offsets in bytes.bits; after a field whose size varies, counted from its end):")
	g.P("//")
	var tab strings.Builder
	tw := tabwriter.NewWriter(&tab, 0, 4, 2, ' ', 0)
	for _, f := range m.Fields {
		fmt.Fprintf(tw, "//\t%s\t%s\t%s\n", f.Offset, f.Name, fieldSummary(f))
	}
	tw.Flush()
	g.body.WriteString(tab.String())
	g.Pf("type %s struct {", goName(m.Name))
	for _, f := range m.Fields {
		if !f.Stored() {
			continue
		}
		g.comment(fieldDoc(f))
		g.Pf("%s %s", fieldName(f), goType(f.Type))
	}
	g.P("}")
	g.P()
}

// fieldSummary describes a field's type and derivation for the layout table.
func fieldSummary(f *schema.Field) string {
	s := f.Type.String()
	if f.Type.Kind == schema.KindEnum {
		s += " (" + f.Type.Enum.Type.Name + ")"
	}
	switch {
	case f.Const != nil && f.Const.Bytes != nil:
		s += " = " + strconv.Quote(string(f.Const.Bytes))
	case f.Const != nil:
		s += " = " + literal(f.Type, f.Const.Int)
	case f.Reserved:
		s += ", reserved"
	case f.LengthOf != nil && f.LengthOf.Type.Kind == schema.KindArray:
		s += ", count of " + f.LengthOf.Name
	case f.LengthOf != nil:
		s += ", length of " + f.LengthOf.Name
	}
	if f.Rule != nil {
		s += " in " + f.Rule.Text
	}
	if f.Cond != nil {
		s += " if " + f.Cond.Text
	}
	return s
}

// fieldDoc is the doc comment of a field in the struct.
func fieldDoc(f *schema.Field) string {
	var notes []string
	t := f.Type
	if f.Cond != nil {
		notes = append(notes, "Present on the wire only if "+f.Cond.Text+"; otherwise it must be zero, and decodes as zero.")
	}
	if f.Rule != nil {
		notes = append(notes, "Decode accepts only values in "+f.Rule.Text+".")
	}
	switch {
	case t.Kind == schema.KindBytes:
		notes = append(notes, "Decode makes it alias the input: it is valid as long as the input is.")
	case t.Kind == schema.KindString && t.ZeroCopy:
		notes = append(notes, "UTF-8; zero-copy: Decode makes it alias the input, so it is valid as long as the input is.")
	case t.Kind == schema.KindString:
		notes = append(notes, "UTF-8; Decode copies it.")
	}
	if (t.Kind == schema.KindBytes || t.Kind == schema.KindString || t.Kind == schema.KindArray) && t.Size.Kind != schema.SizeFixed && clamped(f.Max) {
		unit := "bytes"
		if t.Kind == schema.KindArray {
			unit = "elements"
		}
		cut := "Append writes at most " + strconv.FormatUint(f.Max, 10) + " " + unit
		if t.Kind == schema.KindString {
			cut += ", cut on a character boundary"
		}
		notes = append(notes, cut+".")
	}
	if (t.Kind == schema.KindBytes || t.Kind == schema.KindString) && t.Size.Kind == schema.SizeFixed {
		notes = append(notes, "Exactly "+strconv.FormatUint(t.Size.N, 10)+" bytes: Append cuts or zero-pads it.")
	}
	doc := f.Doc
	if doc != "" && len(notes) > 0 {
		doc += "\n"
	}
	return doc + strings.Join(notes, " ")
}

// clampLocals declares, for each field whose size is in an earlier field,
// a local holding the value as it will be written: cut to the field's Max.
// The earlier field's value is the local's length.
func (g *msgGen) clampLocals() {
	for _, f := range g.m.Fields {
		if f.Stored() && f.Type.Size != nil && f.Type.Size.Kind == schema.SizeField {
			g.clamp(localName(f), "m."+fieldName(f), f.Type, f.Max, true)
		}
	}
}

func localName(f *schema.Field) string { return "v" + fieldName(f) }

// clamp declares v as expr cut to max elements or bytes.
func (g *msgGen) clamp(v, expr string, t *schema.Type, max uint64, declare bool) {
	op := "="
	if declare {
		op = ":="
	}
	if !clamped(max) {
		g.Pf("%s %s %s", v, op, expr)
		return
	}
	if t.Kind == schema.KindString {
		g.helpers["cutUTF8"] = true
		g.Pf("%s %s %s[:cutUTF8(%s, %d)]", v, op, expr, expr, max)
		return
	}
	g.Pf("%s %s %s", v, op, expr)
	g.Pf("if len(%s) > %d { %s = %s[:%d] }", v, max, v, v, max)
}

// ret writes a return of err from the function being written; prefix
// functions also return a count.
type retFunc func(err string) string

// condExpr is a Go expression true when f's condition holds.
func condExpr(recv string, c *schema.Cond) string {
	return inRanges(recv+"."+fieldName(c.Field), c.Field.Type, c.Ranges, c.Negate)
}

// inRanges is a Go expression true when expr, of type t, is in the ranges
// (or, with negate, outside them).
func inRanges(expr string, t *schema.Type, rs []schema.Range, negate bool) string {
	if t.Kind == schema.KindBool {
		var has [2]bool
		for _, r := range rs {
			for v := r.Lo; v <= r.Hi && v <= 1; v++ {
				has[v] = true
			}
		}
		if negate {
			has[0], has[1] = !has[0], !has[1]
		}
		switch {
		case has[0] && has[1]:
			return "true"
		case has[1]:
			return expr
		case has[0]:
			return "!" + expr
		}
		return "false"
	}
	var parts []string
	for _, r := range rs {
		lo, hi := literal(t, r.Lo), literal(t, r.Hi)
		switch {
		case r.Lo == r.Hi && negate:
			parts = append(parts, expr+" != "+lo)
		case r.Lo == r.Hi:
			parts = append(parts, expr+" == "+lo)
		case r.Lo == 0 && !intOf(t).Signed && negate:
			parts = append(parts, expr+" > "+hi)
		case r.Lo == 0 && !intOf(t).Signed:
			parts = append(parts, expr+" <= "+hi)
		case negate:
			parts = append(parts, "("+expr+" < "+lo+" || "+expr+" > "+hi+")")
		default:
			parts = append(parts, expr+" >= "+lo+" && "+expr+" <= "+hi)
		}
	}
	if negate {
		return strings.Join(parts, " && ")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, ") || (") + ")"
}
