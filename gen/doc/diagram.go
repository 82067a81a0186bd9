package doc

import (
	"fmt"
	"strings"

	"github.com/wirekit/wirekit/schema"
)

// A diagram is the layout of a message or frame as RFC packet diagrams draw
// it: rows of 32 bits, each field a cell of its width, split where it
// crosses a row. A field whose size varies (or that is present only
// sometimes) ends its row, and the fields after it start a new one, since
// their position depends on the values.
type diagram struct {
	Title string
	Rows  []row
}

// A row is one line of 32 bits, or fewer if the message ends inside it.
type row struct {
	Cells []cell
}

// A cell is a field, or the part of a field that falls in one row.
type cell struct {
	Start, Bits int    // in the row, in bits
	Label       string // the field's name; = value for a constant; ... for a size that varies
	Open        bool   // the field's size varies: it runs on past the row
}

// end returns the bit the row's last cell ends at.
func (r row) end() int {
	if len(r.Cells) == 0 {
		return 0
	}
	c := r.Cells[len(r.Cells)-1]
	return c.Start + c.Bits
}

const rowBits = 32

// layout lays out fields, the fields of a message or frame.
func layout(title string, fields []*schema.Field) *diagram {
	d := &diagram{Title: title}
	pos := 0 // bits into the rows of the current run of fixed positions
	base := 0
	place := func(label string, bits int) {
		first := true
		for bits > 0 {
			i := base + pos/rowBits
			for len(d.Rows) <= i {
				d.Rows = append(d.Rows, row{})
			}
			take := min(bits, rowBits-pos%rowBits)
			l := label
			if !first {
				l += " (cont.)"
			}
			d.Rows[i].Cells = append(d.Rows[i].Cells, cell{Start: pos % rowBits, Bits: take, Label: l})
			pos, bits, first = pos+take, bits-take, false
		}
	}
	// open ends the current run with a cell whose size varies.
	open := func(label string) {
		i := base + pos/rowBits
		for len(d.Rows) <= i {
			d.Rows = append(d.Rows, row{})
		}
		start := pos % rowBits
		d.Rows[i].Cells = append(d.Rows[i].Cells, cell{Start: start, Bits: rowBits - start, Label: label + " ...", Open: true})
		base, pos = i+1, 0
	}
	// restart begins a new run on a new row, after a field present only
	// sometimes.
	restart := func() {
		if pos > 0 {
			base += (pos + rowBits - 1) / rowBits
			pos = 0
		}
	}
	for _, f := range fields {
		label := f.Name
		if f.Reserved {
			label = "reserved"
		}
		t := f.Type
		switch {
		case f.Const != nil && f.Const.Bytes != nil:
			label += fmt.Sprintf(" = %q", f.Const.Bytes)
		case f.Const != nil:
			label += " = " + constText(f)
		}
		name := f.Name
		if f.Cond != nil {
			name += "?"
			label += "?"
		}
		if t.Kind == schema.KindBytes || t.Kind == schema.KindString || t.Kind == schema.KindArray {
			if s := t.Size; s.Kind == schema.SizePrefix {
				word := " length"
				if t.Kind == schema.KindArray {
					word = " count"
				}
				if bits := s.Prefix.FixedBits(); bits > 0 {
					place(name+word, bits)
				} else {
					open(name + word + " (uvarint)")
				}
			}
		}
		switch bits := t.FixedBits(); {
		case t.Kind == schema.KindBody:
			open(f.Name + ": message(" + t.Disc.Name + ")")
		case bits < 0:
			open(label)
		default:
			if t.Kind == schema.KindMessage {
				label += ": " + t.Message.Name
			}
			place(label, bits)
			if f.Cond != nil {
				restart()
			}
		}
	}
	return d
}

// constText writes a constant integer field's value: hexadecimal for a
// magic number, decimal otherwise, an enum's value by name.
func constText(f *schema.Field) string {
	t := f.Type
	if t.Kind == schema.KindEnum {
		for _, v := range t.Enum.Values {
			if v.Value == f.Const.Int {
				return v.Name
			}
		}
		t = t.Enum.Type
	}
	if f.Role == schema.RoleMagic {
		return fmt.Sprintf("0x%X", f.Const.Int)
	}
	if t.Kind == schema.KindBool {
		return fmt.Sprint(f.Const.Int != 0)
	}
	return t.Format(f.Const.Int)
}

// lines wraps a label into a cell w characters wide.
func lines(label string, w int) []string {
	if len(label) <= w {
		return []string{label}
	}
	var out []string
	for len(label) > w {
		cut := strings.LastIndexByte(label[:w+1], ' ')
		if cut <= 0 {
			out, label = append(out, label[:w]), label[w:]
			continue
		}
		out, label = append(out, label[:cut]), label[cut+1:]
	}
	return append(out, label)
}

// Text draws the diagram in ASCII, two characters a bit:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-------------------------------+---------------+---------------+
//	|         magic = 0x574B        |  version = 1  |      type     |
//	+-------------------------------+---------------+---------------+
func (d *diagram) Text() string {
	var b strings.Builder
	b.WriteString(" 0                   1                   2                   3\n")
	b.WriteString(" 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1\n")
	var prev row
	for _, r := range d.Rows {
		b.WriteString(border(prev, r))
		height := 1
		for _, c := range r.Cells {
			height = max(height, len(lines(c.Label, 2*c.Bits-1)))
		}
		for i := range height {
			line := []byte("|")
			for _, c := range r.Cells {
				w := 2*c.Bits - 1
				text := ""
				if ls := lines(c.Label, w); i < len(ls) {
					text = ls[i]
				}
				pad := (w - len(text)) / 2
				line = fmt.Appendf(line, "%s%s%s", strings.Repeat(" ", pad), text, strings.Repeat(" ", w-pad-len(text)))
				if c.Open {
					line = append(line, '/')
				} else {
					line = append(line, '|')
				}
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		prev = r
	}
	b.WriteString(border(prev, row{}))
	return b.String()
}

// border draws the line between two rows: a + where a cell of either
// starts or ends.
func border(above, below row) string {
	end := max(above.end(), below.end())
	if end == 0 {
		return ""
	}
	line := []byte(strings.Repeat("-", 2*end+1))
	for _, r := range []row{above, below} {
		for _, c := range r.Cells {
			line[2*c.Start] = '+'
			line[2*(c.Start+c.Bits)] = '+'
		}
	}
	return string(line) + "\n"
}

// SVG draws the diagram as an SVG image: the same cells, a bit 20 pixels
// wide, with the bit numbers above.
func (d *diagram) SVG() string {
	const (
		bitW   = 20
		lineH  = 16
		margin = 10
		top    = margin + 2*lineH
	)
	var body strings.Builder
	y := top
	for i := range rowBits {
		x := margin + i*bitW + bitW/2
		if i%10 == 0 {
			fmt.Fprintf(&body, "  <text x=\"%d\" y=\"%d\">%d</text>\n", x, margin+lineH-4, i/10)
		}
		fmt.Fprintf(&body, "  <text x=\"%d\" y=\"%d\">%d</text>\n", x, margin+2*lineH-4, i%10)
	}
	for _, r := range d.Rows {
		height := 1
		for _, c := range r.Cells {
			height = max(height, len(lines(c.Label, 2*c.Bits-1)))
		}
		h := height*lineH + 8
		for _, c := range r.Cells {
			x, w := margin+c.Start*bitW, c.Bits*bitW
			style := ""
			if c.Open {
				style = ` stroke-dasharray="4 3"`
			}
			fmt.Fprintf(&body, "  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"%s/>\n", x, y, w, h, style)
			for j, l := range lines(c.Label, 2*c.Bits-1) {
				fmt.Fprintf(&body, "  <text x=\"%d\" y=\"%d\">%s</text>\n", x+w/2, y+4+(j+1)*lineH-4, xmlEscape(l))
			}
		}
		y += h
	}
	width, height := 2*margin+rowBits*bitW, y+margin
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">
  <title>%s</title>
  <style>text { font: 12px monospace; text-anchor: middle; } rect { fill: #fff; stroke: #000; }</style>
  <rect x="0" y="0" width="%d" height="%d" style="stroke: none"/>
%s</svg>
`, width, height, width, height, xmlEscape(d.Title), width, height, body.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
