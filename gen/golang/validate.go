package golang

import (
	"strconv"

	"github.com/wirekit/wirekit/schema"
)

// validateMethod writes Validate, which reports what Append would write
// differently from the value: anything Decode would not have produced.
func (g *msgGen) validateMethod() {
	name := goName(g.m.Name)
	g.Pf("// Validate reports the first field of m that Append cannot write as it is,")
	g.Pf("// or that Decode would refuse: an integer too wide for its bits, a value")
	g.Pf("// outside its rule or strict enum, a length over its max or its prefix, a")
	g.Pf("// fixed-size field of another size, text that is not UTF-8, or a field set")
	g.Pf("// while its condition does not hold. The error is a *FieldError with Offset -1.")
	g.Pf("// A message Decode returns without error passes Validate.")
	g.Pf("func (m *%s) Validate() error {", name)
	g.tmp = 0
	v := &validator{msgGen: g}
	for _, f := range g.m.Fields {
		if !f.Stored() {
			continue
		}
		lv := "m." + fieldName(f)
		checks := g.capture(func() {
			v.value(lv, f.Type, f.Name, f.Max, f.Bits)
			if f.Rule != nil {
				g.Pf("if !(%s) { return %s }", inRanges(lv, f.Type, f.Rule.Ranges, false), v.err(f.Name, "ErrRange"))
			}
		})
		if f.Cond == nil {
			g.body.WriteString(checks)
			continue
		}
		present := condExpr("m", f.Cond)
		nz := nonZero(lv, f.Type)
		switch {
		case checks != "" && nz != "":
			g.Pf("if %s {", present)
			g.body.WriteString(checks)
			g.Pf("} else if %s { return %s }", nz, v.err(f.Name, "ErrCondition"))
		case checks != "":
			g.Pf("if %s {", present)
			g.body.WriteString(checks)
			g.P("}")
		case nz != "":
			g.Pf("if !(%s) && %s { return %s }", present, nz, v.err(f.Name, "ErrCondition"))
		}
	}
	g.P("return nil")
	g.P("}")
	g.P()
}

type validator struct{ *msgGen }

func (v *validator) err(field, kind string) string {
	return "errAt(" + strconv.Quote(v.m.Name) + ", " + strconv.Quote(field) + ", -1, " + kind + ")"
}

// value checks lv, a value of t; bits is its width in a bit group, or -1.
func (v *validator) value(lv string, t *schema.Type, name string, max uint64, bits int) {
	switch t.Kind {
	case schema.KindInt, schema.KindEnum:
		it := intOf(t)
		w := it.Bits
		if bits > 0 {
			w = bits
		}
		if t.Kind == schema.KindEnum && t.Enum.Strict {
			v.Pf("if !%s.Valid() { return %s }", lv, v.err(name, "ErrEnum"))
		}
		if goBits := rawBits((w + 7) / 8); w != goBits && w < 64 {
			if it.Signed {
				lo, hi := -(int64(1) << (w - 1)), int64(1)<<(w-1)-1
				v.Pf("if %s < %d || %s > %d { return %s }", lv, lo, lv, hi, v.err(name, "ErrRange"))
			} else {
				v.Pf("if %s > %s { return %s }", lv, hex(mask(w)), v.err(name, "ErrRange"))
			}
		}
	case schema.KindMessage:
		v.Pf("if err := %s.Validate(); err != nil { return nest(err, %q, %q, -1) }", lv, v.m.Name, name)
		v.helpers["nest"] = true
	case schema.KindBytes, schema.KindString:
		switch {
		case t.Size.Kind == schema.SizeFixed:
			v.Pf("if len(%s) != %d { return %s }", lv, t.Size.N, v.err(name, "ErrSize"))
		case clamped(max):
			v.Pf("if len(%s) > %d { return %s }", lv, max, v.err(name, "ErrTooLong"))
		}
		if t.Kind == schema.KindString {
			fn := "ValidString"
			if t.ZeroCopy {
				fn = "Valid"
			}
			v.Pf("if !%s.%s(%s) { return %s }", v.imp("unicode/utf8"), fn, lv, v.err(name, "ErrUTF8"))
		}
	case schema.KindArray:
		if t.Size.Kind != schema.SizeFixed && clamped(max) {
			v.Pf("if len(%s) > %d { return %s }", lv, max, v.err(name, "ErrTooLong"))
		}
		if needsValidation(t.Elem) {
			i := v.fresh("i")
			v.Pf("for %s := range %s {", i, lv)
			v.value(lv+"["+i+"]", t.Elem, name, elemMax(t.Elem), -1)
			v.P("}")
		}
	}
}

// needsValidation reports whether a value of t can be invalid.
func needsValidation(t *schema.Type) bool {
	switch t.Kind {
	case schema.KindInt:
		return t.Bits != rawBits((t.Bits+7)/8)
	case schema.KindEnum:
		return t.Enum.Strict || needsValidation(t.Enum.Type)
	case schema.KindFloat, schema.KindVarint, schema.KindBool:
		return false
	case schema.KindBytes:
		return t.Size.Kind != schema.SizeRest
	case schema.KindArray:
		return t.Size.Kind != schema.SizeFixed || needsValidation(t.Elem)
	}
	return true
}
