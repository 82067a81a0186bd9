package golang

import (
	"math"
	"strconv"

	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/wire"
)

// goType returns the Go type that holds values of t.
func goType(t *schema.Type) string {
	switch t.Kind {
	case schema.KindInt:
		return intType(t.Bits, t.Signed)
	case schema.KindBool:
		return "bool"
	case schema.KindFloat:
		return "float" + strconv.Itoa(t.Bits)
	case schema.KindVarint:
		if t.Signed {
			return "int64"
		}
		return "uint64"
	case schema.KindEnum:
		return goName(t.Enum.Name)
	case schema.KindMessage:
		return goName(t.Message.Name)
	case schema.KindBytes:
		return "[]byte"
	case schema.KindString:
		if t.ZeroCopy {
			return "[]byte"
		}
		return "string"
	case schema.KindArray:
		if t.Size.Kind == schema.SizeFixed {
			return "[" + strconv.FormatUint(t.Size.N, 10) + "]" + goType(t.Elem)
		}
		return "[]" + goType(t.Elem)
	}
	panic("gen: no Go type for " + t.Kind.String())
}

// intType is the smallest Go integer type of at least bits bits.
func intType(bits int, signed bool) string {
	w := 8
	for w < bits {
		w *= 2
	}
	if signed {
		return "int" + strconv.Itoa(w)
	}
	return "uint" + strconv.Itoa(w)
}

// intOf returns the integer type under t: t itself, an enum's type, or a
// one-bit unsigned for a bool.
func intOf(t *schema.Type) *schema.Type {
	switch t.Kind {
	case schema.KindEnum:
		return t.Enum.Type
	case schema.KindBool:
		return &schema.Type{Kind: schema.KindInt, Bits: 1, Name: "bool"}
	}
	return t
}

// literal writes v, a value of t's integer type, as a Go constant.
func literal(t *schema.Type, v uint64) string {
	if intOf(t).Signed {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(v, 10)
}

func mask(bits int) uint64 { return math.MaxUint64 >> (64 - bits) }

func bitOrderName(o wire.BitOrder) string {
	if o == wire.LSBFirst {
		return "LSBFirst"
	}
	return "MSBFirst"
}

// groupOrder is the byte order a packed group is read in.
func groupOrder(g *schema.Group) wire.ByteOrder {
	if g.Order == wire.LSBFirst {
		return wire.LittleEndian
	}
	return wire.BigEndian
}

// byteOrderOf is the byte order of a whole-byte integer, float or enum.
func byteOrderOf(t *schema.Type) wire.ByteOrder {
	return intOf(t).Order
}

// isByteArray reports whether t is a fixed array of u8, copied as a
// whole rather than element by element.
func isByteArray(t *schema.Type) bool {
	return t.Kind == schema.KindArray && t.Size.Kind == schema.SizeFixed &&
		t.Elem.Kind == schema.KindInt && t.Elem.Bits == 8 && !t.Elem.Signed
}

// isStatic reports whether a field sits at a position and takes a size
// known from the schema alone.
func isStatic(f *schema.Field) bool { return f.Bits >= 0 && f.Cond == nil }

// maxClamp is the largest length or count worth checking in code: a limit
// beyond what an int holds on 32-bit platforms is no limit in practice, and
// writing it would not compile there.
const maxClamp = math.MaxInt32

// clamped reports whether encoders must cut a variable-size value to max.
func clamped(max uint64) bool { return max <= maxClamp }

// comparable reports whether values of t can be compared with ==.
func comparable(t *schema.Type) bool {
	switch t.Kind {
	case schema.KindBytes, schema.KindArray:
		return t.Kind == schema.KindArray && t.Size.Kind == schema.SizeFixed && comparable(t.Elem)
	case schema.KindString:
		return !t.ZeroCopy
	case schema.KindMessage:
		for _, f := range t.Message.Fields {
			if f.Stored() && !comparable(f.Type) {
				return false
			}
		}
	}
	return true
}

// nonZero is a Go expression true when expr does not hold t's zero value,
// or "" if there is no cheap one.
func nonZero(expr string, t *schema.Type) string {
	switch t.Kind {
	case schema.KindBool:
		return expr
	case schema.KindBytes:
		return "len(" + expr + ") != 0"
	case schema.KindString:
		if t.ZeroCopy {
			return "len(" + expr + ") != 0"
		}
		return expr + ` != ""`
	case schema.KindArray:
		if t.Size.Kind != schema.SizeFixed {
			return "len(" + expr + ") != 0"
		}
		if comparable(t) {
			return expr + " != (" + goType(t) + "{})"
		}
		return ""
	case schema.KindMessage:
		if comparable(t) {
			return expr + " != (" + goType(t) + "{})"
		}
		return ""
	}
	return expr + " != 0"
}
