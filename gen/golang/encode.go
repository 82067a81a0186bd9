package golang

import (
	"strconv"
	"strings"

	"github.com/wirekit/wirekit/schema"
)

// appendMethod writes Append: the fields in order, each group of bit
// fields as one integer, lengths and counts from the values they measure.
func (g *msgGen) appendMethod() {
	name := goName(g.m.Name)
	g.Pf("// Append appends the encoding of m to dst and returns the extended slice.")
	g.Pf("// It writes the constant, reserved, length and count fields itself, and")
	g.Pf("// writes each field as its schema type: values wider than their field")
	g.Pf("// lose their high bits, and values that do not fit their length are cut.")
	g.Pf("// Validate reports both.")
	g.Pf("func (m *%s) Append(dst []byte) []byte {", name)
	g.tmp = 0
	g.clampLocals()
	for _, f := range g.m.Fields {
		if f.Group != nil && f.Group.Fields[0] != f {
			continue // written with its group
		}
		if f.Cond != nil {
			g.Pf("if %s {", condExpr("m", f.Cond))
		}
		switch {
		case f.Group != nil:
			g.writeGroup(f.Group)
		case f.Const != nil && f.Const.Bytes != nil:
			g.Pf("dst = append(dst, %q...)", f.Const.Bytes)
		case f.Reserved:
			g.Pf("dst = append(dst, make([]byte, %d)...)", f.Bits/8)
		case f.Type.Size != nil && f.Type.Size.Kind == schema.SizeField:
			g.writeItems(localName(f), f.Type)
		default:
			g.writeValue("m."+fieldName(f), f.Type, f.Max)
		}
		if f.Cond != nil {
			g.P("}")
		}
	}
	g.P("return dst")
	g.P("}")
	g.P()
}

// groupValue is the Go expression of f's bits for writing its group, of
// the Go type typ.
func (g *msgGen) groupValue(f *schema.Field, typ string) string {
	switch {
	case f.Const != nil:
		return literalBits(f, f.Const.Int)
	case f.Reserved:
		return ""
	case f.LengthOf != nil:
		return typ + "(len(" + localName(f.LengthOf) + "))"
	case f.Type.Kind == schema.KindBool:
		g.helpers["b2u"] = true
		return conv(typ, "b2u(m."+fieldName(f)+")", "uint8")
	}
	return conv(typ, "m."+fieldName(f), goType(f.Type))
}

// conv is expr, of Go type from, converted to Go type to.
func conv(to, expr, from string) string {
	if to == from {
		return expr
	}
	return to + "(" + expr + ")"
}

// literalBits is a constant's bits within its field's width.
func literalBits(f *schema.Field, v uint64) string {
	return hex(v & mask(f.Bits))
}

// writeGroup writes a group of bit fields, or a single integer.
func (g *msgGen) writeGroup(gr *schema.Group) {
	w := gr.Bits / 8
	if !gr.Packed() {
		f := gr.Fields[0]
		typ := appendType(w)
		v := g.groupValue(f, typ)
		if v == "" {
			v = "0"
		}
		g.Pf("dst = %s", appendUint(g.wire(), byteOrderOf(f.Type), w, v))
		return
	}
	if gr.Bits > 64 {
		bw := g.fresh("bw")
		g.Pf("%s := %s.NewBitWriter(dst, %s.%s)", bw, g.wire(), g.wire(), bitOrderName(gr.Order))
		for _, f := range gr.Fields {
			v := g.groupValue(f, "uint64")
			if v == "" {
				v = "0"
			}
			g.Pf("%s.WriteBits(%s, %d)", bw, v, f.Bits)
		}
		g.Pf("dst = %s.Bytes()", bw)
		return
	}
	typ := appendType(w)
	var parts []string
	for _, f := range gr.Fields {
		v := g.groupValue(f, typ)
		if v == "" || v == "0x0" {
			continue
		}
		if f.Const == nil && !(f.Type.Kind == schema.KindBool) {
			v += "&" + hex(mask(f.Bits))
		}
		if s := gr.Shift(f); s > 0 {
			v += "<<" + strconv.Itoa(s)
		}
		parts = append(parts, v)
	}
	if len(parts) == 0 {
		parts = []string{"0"}
	}
	g.Pf("dst = %s", appendUint(g.wire(), groupOrder(gr), w, strings.Join(parts, " | ")))
}

// appendType is the Go type appendUint takes for w bytes.
func appendType(w int) string {
	return "uint" + strconv.Itoa(rawBits(w))
}

// appendUint is an expression appending v, of Go type appendType(w) or an
// untyped constant, to dst as a w-byte integer.
func appendUint(wirePkg string, o interface{ String() string }, w int, v string) string {
	order := wirePkg + "." + o.String()
	switch w {
	case 1:
		return "append(dst, " + v + ")"
	case 2:
		return order + ".AppendUint16(dst, " + v + ")"
	case 3:
		return order + ".AppendUint24(dst, " + v + ")"
	case 4:
		return order + ".AppendUint32(dst, " + v + ")"
	case 8:
		return order + ".AppendUint64(dst, " + v + ")"
	}
	return order + ".AppendUint(dst, " + v + ", " + strconv.Itoa(w) + ")"
}

// writeValue writes expr, a value of t. max bounds a variable length.
func (g *msgGen) writeValue(expr string, t *schema.Type, max uint64) {
	w := g.wire()
	switch t.Kind {
	case schema.KindInt, schema.KindEnum:
		it := intOf(t)
		n := it.Bits / 8
		g.Pf("dst = %s", appendUint(w, it.Order, n, conv(appendType(n), expr, goType(t))))
	case schema.KindFloat:
		g.Pf("dst = %s", appendUint(w, t.Order, t.Bits/8, g.imp("math")+".Float"+strconv.Itoa(t.Bits)+"bits("+expr+")"))
	case schema.KindVarint:
		fn := map[schema.VarintKind]string{schema.Uvarint: "AppendUvarint", schema.Svarint: "AppendVarint", schema.Zigzag: "AppendZigzag"}[t.Varint]
		g.Pf("dst = %s.%s(dst, %s)", w, fn, expr)
	case schema.KindMessage:
		g.Pf("dst = %s.Append(dst)", expr)
	case schema.KindBytes, schema.KindString:
		switch t.Size.Kind {
		case schema.SizeFixed:
			g.helpers["appendPadded"] = true
			g.Pf("dst = appendPadded(dst, %s, %d)", expr, t.Size.N)
		case schema.SizeRest:
			g.Pf("dst = append(dst, %s...)", expr)
		case schema.SizePrefix:
			v := g.fresh("v")
			g.clamp(v, expr, t, max, true)
			g.writeCount(t.Size.Prefix, "len("+v+")")
			g.Pf("dst = append(dst, %s...)", v)
		}
	case schema.KindArray:
		switch t.Size.Kind {
		case schema.SizeFixed, schema.SizeRest:
			g.writeItems(expr, t)
		case schema.SizePrefix:
			v := g.fresh("v")
			g.clamp(v, expr, t, max, true)
			g.writeCount(t.Size.Prefix, "len("+v+")")
			g.writeItems(v, t)
		}
	default:
		panic("gen: cannot write " + t.Kind.String())
	}
}

// writeCount writes a length or count n with the prefix type p.
func (g *msgGen) writeCount(p *schema.Type, n string) {
	if p.Kind == schema.KindVarint {
		g.Pf("dst = %s.AppendUvarint(dst, uint64(%s))", g.wire(), n)
		return
	}
	g.Pf("dst = %s", appendUint(g.wire(), p.Order, p.Bits/8, appendType(p.Bits/8)+"("+n+")"))
}

// writeItems writes the bytes of a Bytes or String, or the elements of an
// Array, held in expr, without a length.
func (g *msgGen) writeItems(expr string, t *schema.Type) {
	if t.Kind != schema.KindArray {
		g.Pf("dst = append(dst, %s...)", expr)
		return
	}
	if isByteArray(t) {
		g.Pf("dst = append(dst, %s[:]...)", expr)
		return
	}
	i := g.fresh("i")
	g.Pf("for %s := range %s {", i, expr)
	g.writeValue(expr+"["+i+"]", t.Elem, elemMax(t.Elem))
	g.P("}")
}

// elemMax is the bound on an array element's variable length: what its
// prefix can say.
func elemMax(t *schema.Type) uint64 {
	if t.Size == nil || t.Size.Kind != schema.SizePrefix {
		return 0
	}
	if t.Size.Prefix.Kind == schema.KindVarint {
		return 1<<64 - 1
	}
	return mask(t.Size.Prefix.Bits)
}

// sizeMethod writes Size, which Append's output always matches.
func (g *msgGen) sizeMethod() {
	name := goName(g.m.Name)
	g.Pf("// Size returns the length of the encoding Append writes.")
	fixed := 0
	for _, f := range g.m.Fields {
		if isStatic(f) {
			fixed += f.Bits
		}
	}
	if g.m.Bits >= 0 {
		g.Pf("func (m *%s) Size() int { return %d }", name, g.m.Bits/8)
		g.P()
		return
	}
	g.Pf("func (m *%s) Size() int {", name)
	g.tmp = 0
	g.clampLocals()
	g.Pf("n := %d", fixed/8)
	for _, f := range g.m.Fields {
		if isStatic(f) {
			continue
		}
		if f.Cond != nil {
			g.Pf("if %s {", condExpr("m", f.Cond))
		}
		switch {
		case f.Type.Size != nil && f.Type.Size.Kind == schema.SizeField:
			g.sizeItems(localName(f), f.Type)
		case f.Bits >= 0:
			g.Pf("n += %d", f.Bits/8)
		default:
			g.sizeValue("m."+fieldName(f), f.Type, f.Max)
		}
		if f.Cond != nil {
			g.P("}")
		}
	}
	g.P("return n")
	g.P("}")
	g.P()
}

// sizeValue adds the encoded size of expr, a value of t, to n.
func (g *msgGen) sizeValue(expr string, t *schema.Type, max uint64) {
	if b := t.FixedBits(); b >= 0 && t.Kind != schema.KindMessage && t.Kind != schema.KindArray {
		g.Pf("n += %d", b/8)
		return
	}
	w := g.wire()
	switch t.Kind {
	case schema.KindVarint:
		switch t.Varint {
		case schema.Uvarint:
			g.Pf("n += %s.UvarintLen(%s)", w, expr)
		case schema.Zigzag:
			g.Pf("n += %s.UvarintLen(uint64(%s<<1) ^ uint64(%s>>63))", w, expr, expr)
		default:
			g.helpers["varintLen"] = true
			g.Pf("n += varintLen(%s)", expr)
		}
	case schema.KindMessage:
		if b := t.FixedBits(); b >= 0 {
			g.Pf("n += %d", b/8)
			return
		}
		g.Pf("n += %s.Size()", expr)
	case schema.KindBytes, schema.KindString, schema.KindArray:
		switch t.Size.Kind {
		case schema.SizeFixed, schema.SizeRest:
			g.sizeItems(expr, t)
		case schema.SizePrefix:
			v := g.fresh("v")
			g.clamp(v, expr, t, max, true)
			if p := t.Size.Prefix; p.Kind == schema.KindVarint {
				g.Pf("n += %s.UvarintLen(uint64(len(%s)))", w, v)
			} else {
				g.Pf("n += %d", p.Bits/8)
			}
			g.sizeItems(v, t)
		}
	default:
		panic("gen: no size for " + t.Kind.String())
	}
}

// sizeItems adds the size of the bytes or elements in expr, without a
// length, to n.
func (g *msgGen) sizeItems(expr string, t *schema.Type) {
	if t.Kind != schema.KindArray {
		g.Pf("n += len(%s)", expr)
		return
	}
	if b := t.Elem.FixedBits(); b >= 0 {
		g.Pf("n += %d * len(%s)", b/8, expr)
		return
	}
	i := g.fresh("i")
	g.Pf("for %s := range %s {", i, expr)
	g.sizeValue(expr+"["+i+"]", t.Elem, elemMax(t.Elem))
	g.P("}")
}
