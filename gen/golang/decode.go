package golang

import (
	"strconv"

	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/wire"
)

// pos is where a value sits while decoding: at base[k], with off the
// expression of that position in the message's input, for errors.
type pos struct {
	base, k, off string
}

func (p pos) slice() string {
	if p.k == "0" {
		return p.base
	}
	return p.base + "[" + p.k + ":]"
}

func (p pos) index() string { return p.base + "[" + p.k + "]" }

// sub is the n bytes at p, with their capacity cut to n so that appending
// to them copies instead of overwriting what follows.
func (p pos) sub(n string) string {
	end := add(p.k, n)
	return p.base + "[" + p.k + ":" + end + ":" + end + "]"
}

func (p pos) plus(d string) pos { return pos{p.base, add(p.k, d), add(p.off, d)} }

// add is the Go expression a+b, folded when both are numbers.
func add(a, b string) string {
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	switch {
	case err1 == nil && err2 == nil:
		return strconv.Itoa(x + y)
	case err2 == nil && y == 0:
		return a
	case err1 == nil && x == 0:
		return b
	}
	return a + "+" + b
}

// decoder writes one message's decode function.
type decoder struct {
	*msgGen
	prefix bool // decode(b) (int, error) rather than Decode(b) error
	name   string
}

// ret returns err from the function being written.
func (d *decoder) ret(err string) string {
	if d.prefix {
		return "return 0, " + err
	}
	return "return " + err
}

func (d *decoder) fail(err string) { d.Pf("if %s", err) }

// errAt is the expression of a *FieldError for field at off with cause err.
func (d *decoder) errAt(field, off, err string) string {
	return "errAt(" + strconv.Quote(d.m.Name) + ", " + strconv.Quote(field) + ", " + off + ", " + err + ")"
}

func (d *decoder) short(field, off string) string { return d.errAt(field, off, d.wire()+".ErrShort") }

// decodeMethods writes Decode and, for messages held in others, decode,
// which decodes a prefix of its input.
func (g *msgGen) decodeMethods() {
	name := goName(g.m.Name)
	g.Pf("// Decode decodes b, which must hold one encoding and nothing more, into m.")
	g.Pf("// Bytes and zero-copy strings in m alias b. Constant fields, rules and")
	g.Pf("// strict enums are checked; an error is a *FieldError, and leaves m")
	g.Pf("// partly decoded.")
	d := &decoder{msgGen: g}
	if !g.m.Nested {
		g.Pf("func (m *%s) Decode(b []byte) error {", name)
		d.body()
		g.P("}")
		g.P()
		return
	}
	g.Pf("func (m *%s) Decode(b []byte) error {", name)
	g.P("n, err := m.decode(b)")
	g.P("if err != nil { return err }")
	g.Pf("if n != len(b) { return %s }", d.errAt("", "n", "ErrTrailing"))
	g.P("return nil")
	g.P("}")
	g.P()
	g.Pf("// decode decodes an encoding of m at the start of b and returns its length.")
	g.Pf("func (m *%s) decode(b []byte) (int, error) {", name)
	d.prefix = true
	d.body()
	g.P("}")
	g.P()
}

// body writes the decoding of every field. Runs of fields of fixed size are
// read after one bounds check each, at constant offsets: from b while the
// position is known, from s = b[off:] after a field whose size varies.
func (d *decoder) body() {
	d.tmp = 0
	fields := d.m.Fields
	dyn, at, sDeclared := false, 0, false
	pre := map[*schema.Field]string{} // length prefixes read with the run before their field
	for i := 0; i < len(fields); {
		f := fields[i]
		if !isStatic(f) {
			if !dyn {
				d.Pf("off := %d", at)
				dyn = true
			}
			d.dynField(f, pre[f])
			i++
			continue
		}
		j, bits := i, 0
		for ; j < len(fields) && isStatic(fields[j]); j++ {
			bits += fields[j].Bits
		}
		n, extra := bits/8, 0
		var next *schema.Field
		if j < len(fields) && fields[j].Cond == nil {
			if p := fields[j].Type.Size; p != nil && p.Kind == schema.SizePrefix && p.Prefix.Kind == schema.KindInt {
				next, extra = fields[j], p.Prefix.Bits/8
			}
		}
		var p pos
		if dyn {
			if sDeclared {
				d.P("s = b[off:]")
			} else {
				d.P("s := b[off:]")
				sDeclared = true
			}
			p = pos{base: "s", k: "0", off: "off"}
			d.Pf("if len(s) < %d { %s }", n+extra, d.ret(d.short(f.Name, "off")))
		} else {
			p = pos{base: "b", k: strconv.Itoa(at), off: strconv.Itoa(at)}
			d.Pf("if len(b) < %d { %s }", at+n+extra, d.ret(d.short(f.Name, strconv.Itoa(at))))
		}
		start := f.Offset.Bits
		for _, sf := range fields[i:j] {
			fp := p.plus(strconv.Itoa((sf.Offset.Bits - start) / 8))
			switch {
			case sf.Group != nil:
				if sf.Group.Fields[0] == sf {
					d.group(sf.Group, fp)
				}
			case sf.Const != nil:
				d.Pf("if string(%s) != %q { %s }", fp.sub(strconv.Itoa(len(sf.Const.Bytes))), sf.Const.Bytes, d.ret(d.errAt(sf.Name, fp.off, "ErrConstant")))
			case sf.Reserved:
			default:
				d.fixedValue("m."+fieldName(sf), sf.Type, sf.Name, fp)
			}
		}
		if next != nil {
			local := "n" + fieldName(next)
			pre[next] = local
			pt := next.Type.Size.Prefix
			d.Pf("%s := uint64(%s)", local, d.readUint(p.plus(strconv.Itoa(n)), pt.Bits/8, pt.Order))
		}
		if dyn {
			d.Pf("off += %d", n+extra)
		} else {
			at += n + extra
		}
		i = j
	}
	switch {
	case d.prefix && dyn:
		d.P("return off, nil")
	case d.prefix:
		d.Pf("return %d, nil", at)
	case dyn:
		d.Pf("if off != len(b) { return %s }", d.errAt("", "off", "ErrTrailing"))
		d.P("return nil")
	default:
		d.Pf("if len(b) != %d { return %s }", at, d.errAt("", strconv.Itoa(at), "ErrTrailing"))
		d.P("return nil")
	}
}

// readUint is the expression reading a w-byte unsigned integer at p.
func (d *decoder) readUint(p pos, w int, o wire.ByteOrder) string {
	order := d.wire() + "." + o.String()
	switch w {
	case 1:
		return p.index()
	case 2:
		return order + ".Uint16(" + p.slice() + ")"
	case 3:
		return order + ".Uint24(" + p.slice() + ")"
	case 4:
		return order + ".Uint32(" + p.slice() + ")"
	case 8:
		return order + ".Uint64(" + p.slice() + ")"
	}
	return order + ".Uint(" + p.slice() + ", " + strconv.Itoa(w) + ")"
}

// rawBits is the width of the Go type readUint returns for w bytes.
func rawBits(w int) int {
	switch {
	case w == 1:
		return 8
	case w == 2:
		return 16
	case w <= 4:
		return 32
	}
	return 64
}

// convert is the expression turning raw, an unsigned Go integer of
// rawBits bits holding a bits-bit value, into Go type typ, extending the
// sign if signed.
func convert(raw string, rawBits, bits int, typ string, signed bool) string {
	if !signed || bits == rawBits {
		return conv(typ, raw, "uint"+strconv.Itoa(rawBits))
	}
	s := strconv.Itoa(64 - bits)
	return typ + "(int64(uint64(" + raw + ")<<" + s + ")>>" + s + ")"
}

// needsValue reports whether decoding reads f's bits at all.
func needsValue(f *schema.Field) bool { return !f.Reserved || f.Const != nil }

// group reads a group of bit fields, or a single integer, at p.
func (d *decoder) group(gr *schema.Group, p pos) {
	w := gr.Bits / 8
	used := false
	for _, f := range gr.Fields {
		used = used || needsValue(f)
	}
	if !used {
		return
	}
	if !gr.Packed() {
		f := gr.Fields[0]
		d.bits(f, d.readUint(p, w, byteOrderOf(f.Type)), rawBits(w), p.off)
		return
	}
	if gr.Bits > 64 {
		br := d.fresh("br")
		d.Pf("%s := %s.NewBitReader(%s, %s.%s)", br, d.wire(), p.sub(strconv.Itoa(w)), d.wire(), bitOrderName(gr.Order))
		for _, f := range gr.Fields {
			call := br + ".ReadBits(" + strconv.Itoa(f.Bits) + ")"
			if !needsValue(f) {
				d.Pf("_ = %s", call)
				continue
			}
			d.bits(f, call, 64, p.off)
		}
		return
	}
	v := d.fresh("g")
	d.Pf("%s := %s", v, d.readUint(p, w, groupOrder(gr)))
	for _, f := range gr.Fields {
		if !needsValue(f) {
			continue
		}
		expr := v
		if s := gr.Shift(f); s > 0 {
			expr += ">>" + strconv.Itoa(s)
		}
		if gr.Shift(f)+f.Bits < gr.Bits {
			expr += "&" + hex(mask(f.Bits))
		}
		d.bits(f, expr, rawBits(w), p.off)
	}
}

// bits handles the value of field f, the unsigned expression raw of
// rawBits bits: checks a constant, keeps a length, or stores a value.
func (d *decoder) bits(f *schema.Field, raw string, rawBits int, off string) {
	switch {
	case f.Const != nil:
		d.Pf("if %s != %s { %s }", raw, literalBits(f, f.Const.Int), d.ret(d.errAt(f.Name, off, "ErrConstant")))
	case f.LengthOf != nil:
		d.Pf("n%s := uint64(%s)", fieldName(f.LengthOf), raw)
	case f.Type.Kind == schema.KindBool:
		d.Pf("m.%s = %s != 0", fieldName(f), raw)
	default:
		it := intOf(f.Type)
		d.Pf("m.%s = %s", fieldName(f), convert(raw, rawBits, f.Bits, goType(f.Type), it.Signed))
		d.valueChecks("m."+fieldName(f), f.Type, f.Name, off)
		d.ruleCheck(f, off)
	}
}

// valueChecks checks what a value of t must satisfy wherever it is.
func (d *decoder) valueChecks(lv string, t *schema.Type, name, off string) {
	if t.Kind == schema.KindEnum && t.Enum.Strict {
		d.Pf("if !%s.Valid() { %s }", lv, d.ret(d.errAt(name, off, "ErrEnum")))
	}
}

func (d *decoder) ruleCheck(f *schema.Field, off string) {
	if f.Rule != nil {
		d.Pf("if !(%s) { %s }", inRanges("m."+fieldName(f), f.Type, f.Rule.Ranges, false), d.ret(d.errAt(f.Name, off, "ErrRange")))
	}
}

// fixedValue decodes into lv a value of t, whose size is fixed, at p; the
// bytes are known to be there.
func (d *decoder) fixedValue(lv string, t *schema.Type, name string, p pos) {
	switch t.Kind {
	case schema.KindInt, schema.KindEnum:
		it := intOf(t)
		w := it.Bits / 8
		d.Pf("%s = %s", lv, convert(d.readUint(p, w, it.Order), rawBits(w), it.Bits, goType(t), it.Signed))
		d.valueChecks(lv, t, name, p.off)
	case schema.KindFloat:
		d.Pf("%s = %s.Float%dfrombits(%s)", lv, d.imp("math"), t.Bits, d.readUint(p, t.Bits/8, t.Order))
	case schema.KindBytes:
		d.Pf("%s = %s", lv, p.sub(strconv.FormatUint(t.Size.N, 10)))
	case schema.KindString:
		d.text(lv, t, name, p.sub(strconv.FormatUint(t.Size.N, 10)), p.off)
	case schema.KindArray:
		if isByteArray(t) {
			d.Pf("copy(%s[:], %s)", lv, p.slice())
			return
		}
		i := d.fresh("i")
		eb := t.Elem.FixedBits() / 8
		d.Pf("for %s := range %s {", i, lv)
		step := i
		if eb > 1 {
			step = strconv.Itoa(eb) + "*" + i
		}
		d.fixedValue(lv+"["+i+"]", t.Elem, name, p.plus(step))
		d.P("}")
	case schema.KindMessage:
		d.Pf("if _, err := %s.decode(%s); err != nil { %s }", lv, p.slice(), d.ret("nest(err, "+strconv.Quote(d.m.Name)+", "+strconv.Quote(name)+", "+p.off+")"))
		d.helpers["nest"] = true
	default:
		panic("gen: no fixed decoding for " + t.Kind.String())
	}
}

// text stores the bytes expr into lv, a string of type t, after checking
// they are UTF-8.
func (d *decoder) text(lv string, t *schema.Type, name, expr, off string) {
	v := d.fresh("t")
	d.Pf("%s := %s", v, expr)
	d.Pf("if !%s.Valid(%s) { %s }", d.imp("unicode/utf8"), v, d.ret(d.errAt(name, off, "ErrUTF8")))
	if t.ZeroCopy {
		d.Pf("%s = %s", lv, v)
	} else {
		d.Pf("%s = string(%s)", lv, v)
	}
}

// dynField decodes a field whose position or size is known only from the
// input, at b[off:]; pre names the local holding its length prefix if the
// run before it read it.
func (d *decoder) dynField(f *schema.Field, pre string) {
	lv := "m." + fieldName(f)
	if f.LengthOf != nil {
		lv = "n" + fieldName(f.LengthOf)
		d.Pf("var %s uint64", lv)
	}
	if f.Cond != nil {
		d.Pf("if %s {", condExpr("m", f.Cond))
	}
	d.dynValue(lv, f.Type, f.Name, f.Max, pre)
	if f.Stored() {
		d.ruleCheck(f, "off-"+strconv.Itoa(f.Type.FixedBits()/8)) // rules are on integers, of fixed size
	}
	if f.Cond != nil {
		d.Pf("} else { %s = %s }", lv, zeroValue(lv, f.Type))
	}
}

// zeroValue is the zero of t, keeping a slice's capacity.
func zeroValue(lv string, t *schema.Type) string {
	switch t.Kind {
	case schema.KindBool:
		return "false"
	case schema.KindBytes:
		return "nil"
	case schema.KindString:
		if t.ZeroCopy {
			return "nil"
		}
		return `""`
	case schema.KindArray:
		if t.Size.Kind != schema.SizeFixed {
			return lv + "[:0]"
		}
		return goType(t) + "{}"
	case schema.KindMessage:
		return goType(t) + "{}"
	}
	return "0"
}

// zeroLit is the zero of t as a literal.
func zeroLit(t *schema.Type) string {
	if t.Kind == schema.KindArray && t.Size.Kind != schema.SizeFixed {
		return "nil"
	}
	return zeroValue("", t)
}

// dynValue decodes into lv a value of t at b[off:], checking the bounds,
// and advances off.
func (d *decoder) dynValue(lv string, t *schema.Type, name string, max uint64, pre string) {
	if b := t.FixedBits(); b >= 0 {
		d.Pf("if len(b)-off < %d { %s }", b/8, d.ret(d.short(name, "off")))
		d.fixedValue(lv, t, name, pos{base: "b", k: "off", off: "off"})
		d.Pf("off += %d", b/8)
		return
	}
	switch t.Kind {
	case schema.KindVarint:
		fn := map[schema.VarintKind]string{schema.Uvarint: "Uvarint", schema.Svarint: "Varint", schema.Zigzag: "Zigzag"}[t.Varint]
		v, n, err := d.fresh("v"), d.fresh("n"), d.fresh("err")
		d.Pf("%s, %s, %s := %s.%s(b[off:])", v, n, err, d.wire(), fn)
		d.Pf("if %s != nil { %s }", err, d.ret("errWire("+strconv.Quote(d.m.Name)+", "+strconv.Quote(name)+", off, "+err+")"))
		d.helpers["errWire"] = true
		d.Pf("%s = %s", lv, v)
		d.Pf("off += %s", n)
	case schema.KindMessage:
		n, err := d.fresh("n"), d.fresh("err")
		d.Pf("%s, %s := %s.decode(b[off:])", n, err, lv)
		d.Pf("if %s != nil { %s }", err, d.ret("nest("+err+", "+strconv.Quote(d.m.Name)+", "+strconv.Quote(name)+", off)"))
		d.helpers["nest"] = true
		d.Pf("off += %s", n)
	case schema.KindBytes, schema.KindString:
		var v string
		if t.Size.Kind == schema.SizeRest {
			v = "b[off:len(b):len(b)]"
		} else {
			n := d.count(t.Size, name, max, pre)
			d.Pf("if uint64(len(b)-off) < %s { %s }", n, d.ret(d.short(name, "off")))
			v = "b[off : off+int(" + n + ") : off+int(" + n + ")]"
		}
		if t.Kind == schema.KindString {
			d.text(lv, t, name, v, "off")
		} else {
			d.Pf("%s = %s", lv, v)
		}
		d.Pf("off += len(%s)", lv)
	case schema.KindArray:
		d.array(lv, t, name, max, pre)
	default:
		panic("gen: no decoding for " + t.Kind.String())
	}
}

// count reads the length or count of size, checks it against max, and
// returns the local holding it.
func (d *decoder) count(s *schema.Size, name string, max uint64, pre string) string {
	var n string
	var limit uint64
	switch s.Kind {
	case schema.SizeFixed:
		return strconv.FormatUint(s.N, 10)
	case schema.SizeField:
		n, limit = "n"+fieldName(s.Field.LengthOf), capacityOf(s.Field.Type)
	case schema.SizePrefix:
		limit = capacityOf(s.Prefix)
		if pre != "" {
			n = pre
			break
		}
		n = d.fresh("c")
		if p := s.Prefix; p.Kind == schema.KindInt {
			w := p.Bits / 8
			d.Pf("if len(b)-off < %d { %s }", w, d.ret(d.short(name, "off")))
			d.Pf("%s := uint64(%s)", n, d.readUint(pos{base: "b", k: "off"}, w, p.Order))
			d.Pf("off += %d", w)
			break
		}
		d.Pf("var %s uint64", n)
		d.dynValue(n, s.Prefix, name, 0, "")
	}
	if max < limit {
		d.Pf("if %s > %d { %s }", n, max, d.ret(d.errAt(name, "off", "ErrTooLong")))
	}
	return n
}

func capacityOf(t *schema.Type) uint64 {
	if t.Kind == schema.KindVarint {
		return 1<<64 - 1
	}
	return mask(t.Bits)
}

// array decodes an array whose size or elements vary.
func (d *decoder) array(lv string, t *schema.Type, name string, max uint64, pre string) {
	i := d.fresh("i")
	switch t.Size.Kind {
	case schema.SizeFixed:
	case schema.SizeRest:
		d.Pf("%s = %s[:0]", lv, lv)
		d.Pf("for %s := 0; off < len(b); %s++ {", i, i)
		d.Pf("%s = append(%s, %s)", lv, lv, zeroLit(t.Elem))
		d.dynValue(lv+"["+i+"]", t.Elem, name, elemMax(t.Elem), "")
		d.P("}")
		return
	default:
		n := d.count(t.Size, name, max, pre)
		// Every element takes at least a byte: a count larger than the
		// bytes left is refused before anything is allocated for it.
		left := "uint64(len(b)-off)"
		if mb := t.Elem.MinBits() / 8; mb > 1 {
			left += "/" + strconv.Itoa(mb)
		}
		d.Pf("if %s > %s { %s }", n, left, d.ret(d.short(name, "off")))
		d.Pf("if uint64(cap(%s)) < %s { %s = make(%s, %s) } else { %s = %s[:%s] }", lv, n, lv, goType(t), n, lv, lv, n)
	}
	d.Pf("for %s := range %s {", i, lv)
	d.dynValue(lv+"["+i+"]", t.Elem, name, elemMax(t.Elem), "")
	d.P("}")
}
