package golang

// testFile generates NAME.wire_test.go: a fuzz target per message, checking
// that decoding never panics and that whatever decodes re-encodes to bytes
// that decode to the same encoding again.
func (g *generator) testFile() *goFile {
	f := newGoFile(g.opts.Package, g.header())
	f.imp("bytes")
	f.imp("testing")
	for _, m := range g.file.Messages {
		name := goName(m.Name)
		f.Pf("// Fuzz%s checks that any input either fails to decode or decodes to a", name)
		f.P("// value that validates and re-encodes to bytes that decode to the same encoding.")
		f.Pf("func Fuzz%s(f *testing.F) {", name)
		f.Pf("var zero %s", name)
		f.P("f.Add(zero.Append(nil))")
		f.P("f.Fuzz(func(t *testing.T, b []byte) {")
		f.Pf("var m %s", name)
		f.P("if m.Decode(b) != nil { return }")
		f.P("if err := m.Validate(); err != nil { t.Fatalf(\"decoded %x, then Validate: %v\", b, err) }")
		f.P("enc := m.Append(nil)")
		f.P("if len(enc) != m.Size() { t.Fatalf(\"Size %d, Append wrote %d bytes\", m.Size(), len(enc)) }")
		f.Pf("var m2 %s", name)
		f.P("if err := m2.Decode(enc); err != nil { t.Fatalf(\"decoded %x, encoded %x, which does not decode: %v\", b, enc, err) }")
		f.P("if enc2 := m2.Append(nil); !bytes.Equal(enc, enc2) { t.Fatalf(\"encodings differ:\\n%x\\n%x\", enc, enc2) }")
		f.P("})")
		f.P("}")
		f.P()
	}
	if g.file.Frame != nil {
		fp := f.imp(framePkg)
		f.P("// FuzzFraming splits any input into frames and decodes their bodies:")
		f.P("// nothing panics, and whatever decodes can be written as a frame again.")
		f.P("func FuzzFraming(f *testing.F) {")
		for _, m := range g.file.Bodies() {
			f.Pf("if b, err := AppendFrame(nil, %s.Meta{ID: 1}, new(%s)); err == nil { f.Add(b) }", fp, goName(m.Name))
		}
		f.P("f.Fuzz(func(t *testing.T, b []byte) {")
		f.P("var ms Messages")
		f.P("for len(b) > 0 {")
		f.Pf("var fr %s.Frame", fp)
		f.P("n, err := Framing().Split(b, &fr)")
		f.P("if n == 0 || err != nil { return }")
		f.P("if msg, err := ms.Decode(&fr); err == nil {")
		f.P("if _, err := AppendFrame(nil, fr.Meta, msg); err != nil { t.Fatalf(\"re-encoding %T: %v\", msg, err) }")
		f.P("}")
		f.P("b = b[n:]")
		f.P("}")
		f.P("})")
		f.P("}")
		f.P()
	}
	return f
}
