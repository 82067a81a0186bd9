package golang

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wirekit/wirekit/examples/orders/orderspb"
	"github.com/wirekit/wirekit/gen/golang/internal/testpb/dnspb"
	"github.com/wirekit/wirekit/gen/golang/internal/testpb/featurespb"
	"github.com/wirekit/wirekit/gen/golang/internal/testpb/telemetrypb"
	"github.com/wirekit/wirekit/gen/golang/internal/testpb/websocketpb"
	"github.com/wirekit/wirekit/schema"
	"github.com/wirekit/wirekit/wire"
)

// codec is what every generated message implements.
type codec interface {
	Append([]byte) []byte
	Decode([]byte) error
	Size() int
	Validate() error
}

// generated lists a value of every generated message type, by schema.
var generated = map[string][]codec{
	"../../examples/orders/orders.wire": {&orderspb.EchoRequest{}, &orderspb.EchoResponse{}, &orderspb.NewOrder{}, &orderspb.OrderAck{}, &orderspb.Error{}},
	"testdata/dns.wire":                 {&dnspb.Header{}, &dnspb.Message{}, &dnspb.Label{}, &dnspb.Question{}},
	"testdata/websocket.wire":           {&websocketpb.FrameHeader{}, &websocketpb.Frame{}, &websocketpb.Close{}},
	"testdata/telemetry.wire":           {&telemetrypb.Reading{}, &telemetrypb.Batch{}, &telemetrypb.Ping{}, &telemetrypb.Pong{}},
	"testdata/features.wire":            {&featurespb.Point{}, &featurespb.Wide{}, &featurespb.Everything{}},
}

// TestAgainstReference encodes random values of every message of every test
// schema with the generated code and decodes them with ref, an interpreter
// of the schema written here from its definition, bit by bit; then the
// other way round. Both directions must agree byte for byte and value for
// value.
func TestAgainstReference(t *testing.T) {
	for _, gd := range goldens {
		f, err := schema.ParseFile(gd.schema)
		if err != nil {
			t.Fatal(err)
		}
		values := generated[gd.schema]
		if len(values) != len(f.Messages) {
			t.Fatalf("%s: %d messages, %d generated types listed", gd.schema, len(f.Messages), len(values))
		}
		for i, m := range f.Messages {
			typ := reflect.TypeOf(values[i]).Elem()
			if typ.Name() != goName(m.Name) {
				t.Fatalf("%s: message %s listed as %s", gd.schema, m.Name, typ)
			}
			t.Run(m.Name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(i)))
				r := &ref{file: f}
				for n := 0; n < 300; n++ {
					v := reflect.New(typ)
					r.random(rng, v.Elem(), m)
					msg := v.Interface().(codec)
					if err := msg.Validate(); err != nil {
						t.Fatalf("random value %+v: %v", v.Elem(), err)
					}
					enc := msg.Append(nil)
					if msg.Size() != len(enc) {
						t.Fatalf("Size %d, Append wrote %d", msg.Size(), len(enc))
					}

					got := reflect.New(typ)
					if err := r.decode(got.Elem(), m, enc); err != nil {
						t.Fatalf("reference cannot decode %x: %v\nvalue %+v", enc, err, v.Elem())
					}
					if !equal(got.Elem(), v.Elem()) {
						t.Fatalf("generated Append, reference decode:\n got %+v\nwant %+v\nbytes %x", got.Elem(), v.Elem(), enc)
					}

					want := r.encode(v.Elem(), m)
					if !bytes.Equal(want, enc) {
						t.Fatalf("value %+v\ngenerated %x\nreference %x", v.Elem(), enc, want)
					}
					dec := reflect.New(typ)
					if err := dec.Interface().(codec).Decode(want); err != nil {
						t.Fatalf("generated Decode of %x: %v", want, err)
					}
					if !equal(dec.Elem(), v.Elem()) {
						t.Fatalf("reference encode, generated Decode:\n got %+v\nwant %+v", dec.Elem(), v.Elem())
					}
				}
			})
		}
	}
}

// equal compares two values, taking nil and empty slices as equal: a
// decoder returns empty slices of its input where the value had nil.
func equal(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Interface() == b.Interface()
}

// ref reads and writes messages as the schema language defines them,
// straight from the model, one bit at a time.
type ref struct{ file *schema.File }

// bits is a bit cursor over a byte slice.
type bits struct {
	b   []byte
	pos int // in bits
}

// byteInt reports whether f is read as whole bytes in its byte order,
// rather than bit by bit in the file's bit order.
func byteInt(f *schema.Field) bool {
	return f == nil || f.Group == nil || !f.Group.Packed()
}

func (r *ref) readInt(c *bits, w int, f *schema.Field, order wire.ByteOrder) (uint64, error) {
	if c.pos+w > 8*len(c.b) {
		return 0, fmt.Errorf("short reading %d bits at bit %d", w, c.pos)
	}
	var v uint64
	if byteInt(f) && w%8 == 0 && c.pos%8 == 0 {
		n := w / 8
		for i := range n {
			x := uint64(c.b[c.pos/8+i])
			if order == wire.LittleEndian {
				v |= x << (8 * i)
			} else {
				v = v<<8 | x
			}
		}
		c.pos += w
		return v, nil
	}
	for i := range w {
		p := c.pos + i
		if r.file.BitOrder == wire.LSBFirst {
			v |= uint64(c.b[p/8]>>(p%8)&1) << i
		} else {
			v = v<<1 | uint64(c.b[p/8]>>(7-p%8)&1)
		}
	}
	c.pos += w
	return v, nil
}

func (r *ref) writeInt(out *[]byte, pos *int, v uint64, w int, f *schema.Field, order wire.ByteOrder) {
	for len(*out)*8 < *pos+w {
		*out = append(*out, 0)
	}
	b := *out
	if byteInt(f) && w%8 == 0 && *pos%8 == 0 {
		n := w / 8
		for i := range n {
			shift := 8 * (n - 1 - i)
			if order == wire.LittleEndian {
				shift = 8 * i
			}
			b[*pos/8+i] = byte(v >> shift)
		}
		*pos += w
		return
	}
	for i := range w {
		p := *pos + i
		if r.file.BitOrder == wire.LSBFirst {
			b[p/8] |= byte(v>>i&1) << (p % 8)
		} else {
			b[p/8] |= byte(v>>(w-1-i)&1) << (7 - p%8)
		}
	}
	*pos += w
}

// decode decodes all of b into v, a value of m's generated type.
func (r *ref) decode(v reflect.Value, m *schema.Message, b []byte) error {
	c := &bits{b: b}
	if err := r.decodeFields(v, m, c); err != nil {
		return err
	}
	if c.pos != 8*len(b) {
		return fmt.Errorf("%d bits left", 8*len(b)-c.pos)
	}
	return nil
}

func (r *ref) decodeFields(v reflect.Value, m *schema.Message, c *bits) error {
	lengths := map[*schema.Field]uint64{}
	for _, f := range m.Fields {
		if f.Cond != nil && !condHolds(v, f.Cond) {
			continue
		}
		t := f.Type
		if f.LengthOf != nil {
			n, err := r.readInt(c, f.Bits, f, t.Order)
			if t.Kind == schema.KindVarint {
				n, err = r.uvarint(c)
			}
			if err != nil {
				return err
			}
			lengths[f.LengthOf] = n
			continue
		}
		if f.Const != nil || f.Reserved {
			w := f.Bits
			if t.Kind == schema.KindBytes || t.Kind == schema.KindString {
				got := c.b[c.pos/8 : c.pos/8+w/8]
				if f.Const != nil && !bytes.Equal(got, f.Const.Bytes) {
					return fmt.Errorf("%s: constant %q", f.Name, got)
				}
				c.pos += w
				continue
			}
			x, err := r.readInt(c, w, f, intOf(t).Order)
			if err != nil {
				return err
			}
			if f.Const != nil && x != f.Const.Int&mask(w) {
				return fmt.Errorf("%s: constant %#x", f.Name, x)
			}
			continue
		}
		if err := r.decodeValue(v.FieldByName(fieldName(f)), t, f, c, lengths[f]); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

func condHolds(v reflect.Value, c *schema.Cond) bool {
	x := asUint(v.FieldByName(fieldName(c.Field)))
	in := false
	for _, rg := range c.Ranges {
		if intOf(c.Field.Type).Signed {
			in = in || int64(x) >= int64(rg.Lo) && int64(x) <= int64(rg.Hi)
		} else {
			in = in || x >= rg.Lo && x <= rg.Hi
		}
	}
	return in != c.Negate
}

func asUint(v reflect.Value) uint64 {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return 1
		}
		return 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return uint64(v.Int())
	}
	return v.Uint()
}

func setUint(v reflect.Value, x uint64, bits int, signed bool) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(x != 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s := 64 - bits
		v.SetInt(int64(x<<s) >> s)
	default:
		v.SetUint(x)
	}
}

func (r *ref) uvarint(c *bits) (uint64, error) {
	x, n := binary.Uvarint(c.b[c.pos/8:])
	if n <= 0 {
		return 0, fmt.Errorf("bad uvarint")
	}
	c.pos += 8 * n
	return x, nil
}

// decodeValue decodes a value of t into v; n is its length or count when
// an earlier field holds it.
func (r *ref) decodeValue(v reflect.Value, t *schema.Type, f *schema.Field, c *bits, n uint64) error {
	switch t.Kind {
	case schema.KindInt, schema.KindBool, schema.KindEnum:
		it := intOf(t)
		w := it.Bits
		x, err := r.readInt(c, w, f, it.Order)
		if err != nil {
			return err
		}
		setUint(v, x, w, it.Signed)
	case schema.KindFloat:
		x, err := r.readInt(c, t.Bits, nil, t.Order)
		if err != nil {
			return err
		}
		if t.Bits == 32 {
			v.SetFloat(float64(math.Float32frombits(uint32(x))))
		} else {
			v.SetFloat(math.Float64frombits(x))
		}
	case schema.KindVarint:
		switch t.Varint {
		case schema.Uvarint:
			x, err := r.uvarint(c)
			if err != nil {
				return err
			}
			v.SetUint(x)
		case schema.Zigzag:
			x, k := binary.Varint(c.b[c.pos/8:])
			if k <= 0 {
				return fmt.Errorf("bad zigzag")
			}
			c.pos += 8 * k
			v.SetInt(x)
		case schema.Svarint:
			var x int64
			var shift uint
			for {
				if c.pos/8 >= len(c.b) {
					return fmt.Errorf("short varint")
				}
				b := c.b[c.pos/8]
				c.pos += 8
				x |= int64(b&0x7f) << shift
				shift += 7
				if b < 0x80 {
					if shift < 64 && b&0x40 != 0 {
						x |= -1 << shift
					}
					break
				}
			}
			v.SetInt(x)
		}
	case schema.KindMessage:
		return r.decodeFields(v, t.Message, c)
	case schema.KindBytes, schema.KindString:
		var err error
		if n, err = r.size(t.Size, c, n); err != nil {
			return err
		}
		if uint64(len(c.b)-c.pos/8) < n {
			return fmt.Errorf("short: %d bytes", n)
		}
		b := c.b[c.pos/8 : c.pos/8+int(n)]
		c.pos += 8 * int(n)
		if v.Kind() == reflect.String {
			v.SetString(string(b))
		} else {
			v.SetBytes(b)
		}
	case schema.KindArray:
		if t.Size.Kind == schema.SizeRest {
			for i := 0; c.pos < 8*len(c.b); i++ {
				v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
				if err := r.decodeValue(v.Index(i), t.Elem, nil, c, 0); err != nil {
					return err
				}
			}
			return nil
		}
		n, err := r.size(t.Size, c, n)
		if err != nil {
			return err
		}
		if v.Kind() == reflect.Slice {
			v.Set(reflect.MakeSlice(v.Type(), int(n), int(n)))
		}
		for i := range int(n) {
			if err := r.decodeValue(v.Index(i), t.Elem, nil, c, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *ref) size(s *schema.Size, c *bits, n uint64) (uint64, error) {
	switch s.Kind {
	case schema.SizeFixed:
		return s.N, nil
	case schema.SizeRest:
		return uint64(len(c.b) - c.pos/8), nil
	case schema.SizePrefix:
		if s.Prefix.Kind == schema.KindVarint {
			return r.uvarint(c)
		}
		return r.readInt(c, s.Prefix.Bits, nil, s.Prefix.Order)
	}
	return n, nil
}

// encode writes v, a value of m's generated type.
func (r *ref) encode(v reflect.Value, m *schema.Message) []byte {
	var out []byte
	pos := 0
	r.encodeFields(&out, &pos, v, m)
	return out
}

func (r *ref) encodeFields(out *[]byte, pos *int, v reflect.Value, m *schema.Message) {
	for _, f := range m.Fields {
		if f.Cond != nil && !condHolds(v, f.Cond) {
			continue
		}
		t := f.Type
		switch {
		case f.LengthOf != nil:
			n := uint64(v.FieldByName(fieldName(f.LengthOf)).Len())
			if t.Kind == schema.KindVarint {
				r.writeBytes(out, pos, binary.AppendUvarint(nil, n))
			} else {
				r.writeInt(out, pos, n, f.Bits, f, t.Order)
			}
		case f.Const != nil && f.Const.Bytes != nil:
			r.writeBytes(out, pos, f.Const.Bytes)
		case f.Const != nil:
			r.writeInt(out, pos, f.Const.Int&mask(f.Bits), f.Bits, f, intOf(t).Order)
		case f.Reserved:
			r.writeInt(out, pos, 0, f.Bits, f, intOf(t).Order)
		default:
			r.encodeValue(out, pos, v.FieldByName(fieldName(f)), t, f)
		}
	}
}

func (r *ref) writeBytes(out *[]byte, pos *int, b []byte) {
	*out = append(*out, b...)
	*pos += 8 * len(b)
}

func (r *ref) encodeValue(out *[]byte, pos *int, v reflect.Value, t *schema.Type, f *schema.Field) {
	switch t.Kind {
	case schema.KindInt, schema.KindBool, schema.KindEnum:
		it := intOf(t)
		r.writeInt(out, pos, asUint(v)&mask(it.Bits), it.Bits, f, it.Order)
	case schema.KindFloat:
		x := math.Float64bits(v.Float())
		if t.Bits == 32 {
			x = uint64(math.Float32bits(float32(v.Float())))
		}
		r.writeInt(out, pos, x, t.Bits, nil, t.Order)
	case schema.KindVarint:
		switch t.Varint {
		case schema.Uvarint:
			r.writeBytes(out, pos, binary.AppendUvarint(nil, v.Uint()))
		case schema.Zigzag:
			r.writeBytes(out, pos, binary.AppendVarint(nil, v.Int()))
		case schema.Svarint:
			var b []byte
			x := v.Int()
			for {
				c := byte(x & 0x7f)
				x >>= 7
				if x == 0 && c&0x40 == 0 || x == -1 && c&0x40 != 0 {
					b = append(b, c)
					break
				}
				b = append(b, c|0x80)
			}
			r.writeBytes(out, pos, b)
		}
	case schema.KindMessage:
		r.encodeFields(out, pos, v, t.Message)
	case schema.KindBytes, schema.KindString:
		var b []byte
		if v.Kind() == reflect.String {
			b = []byte(v.String())
		} else {
			b = v.Bytes()
		}
		r.writeSize(out, pos, t.Size, len(b))
		r.writeBytes(out, pos, b)
	case schema.KindArray:
		r.writeSize(out, pos, t.Size, v.Len())
		for i := range v.Len() {
			r.encodeValue(out, pos, v.Index(i), t.Elem, nil)
		}
	}
}

func (r *ref) writeSize(out *[]byte, pos *int, s *schema.Size, n int) {
	if s.Kind != schema.SizePrefix {
		return
	}
	if s.Prefix.Kind == schema.KindVarint {
		r.writeBytes(out, pos, binary.AppendUvarint(nil, uint64(n)))
		return
	}
	r.writeInt(out, pos, uint64(n), s.Prefix.Bits, nil, s.Prefix.Order)
}

// random fills v, a value of m's generated type, with a random value that
// Validate accepts.
func (r *ref) random(rng *rand.Rand, v reflect.Value, m *schema.Message) {
	for _, f := range m.Fields {
		if !f.Stored() || f.Cond != nil && !condHolds(v, f.Cond) {
			continue
		}
		fv := v.FieldByName(fieldName(f))
		if f.Rule != nil {
			rg := f.Rule.Ranges[rng.IntN(len(f.Rule.Ranges))]
			setUint(fv, rg.Lo+rng.Uint64N(rg.Hi-rg.Lo+1), 64, false)
			continue
		}
		r.randomValue(rng, fv, f.Type, f.Max)
	}
}

func (r *ref) randomValue(rng *rand.Rand, v reflect.Value, t *schema.Type, max uint64) {
	switch t.Kind {
	case schema.KindInt, schema.KindBool:
		it := intOf(t)
		setUint(v, rng.Uint64()>>rng.IntN(64)&mask(it.Bits), it.Bits, it.Signed)
	case schema.KindEnum:
		if e := t.Enum; e.Strict || rng.IntN(2) == 0 {
			setUint(v, e.Values[rng.IntN(len(e.Values))].Value, 64, false)
			return
		}
		setUint(v, rng.Uint64()&mask(t.Enum.Type.Bits), t.Enum.Type.Bits, t.Enum.Type.Signed)
	case schema.KindFloat:
		v.SetFloat(float64(float32(rng.NormFloat64() * 1e6)))
	case schema.KindVarint:
		x := rng.Uint64() >> rng.IntN(64)
		if t.Signed {
			v.SetInt(int64(x))
		} else {
			v.SetUint(x)
		}
	case schema.KindMessage:
		r.random(rng, v, t.Message)
	case schema.KindBytes, schema.KindString:
		n := r.randomLen(rng, t.Size, max)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if t.Kind == schema.KindString {
			b = randomText(rng, n, t.Size.Kind == schema.SizeFixed)
		}
		if v.Kind() == reflect.String {
			v.SetString(string(b))
		} else {
			v.SetBytes(b)
		}
	case schema.KindArray:
		n := r.randomLen(rng, t.Size, max)
		if v.Kind() == reflect.Slice {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
		}
		for i := range n {
			r.randomValue(rng, v.Index(i), t.Elem, elemMax(t.Elem))
		}
	}
}

func (r *ref) randomLen(rng *rand.Rand, s *schema.Size, max uint64) int {
	if s.Kind == schema.SizeFixed {
		return int(s.N)
	}
	return rng.IntN(int(min(max, 5)) + 1)
}

// randomText returns UTF-8 text of n bytes or, unless exact, up to n.
func randomText(rng *rand.Rand, n int, exact bool) []byte {
	var b strings.Builder
	for b.Len() < n {
		r := []rune{'a', 'é', '€', '𝄞', 'z'}[rng.IntN(5)]
		if exact && b.Len()+utf8.RuneLen(r) > n {
			r = 'x'
		}
		if b.Len()+utf8.RuneLen(r) > n {
			break
		}
		b.WriteRune(r)
	}
	return []byte(b.String())
}
