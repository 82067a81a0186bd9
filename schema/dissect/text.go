package dissect

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the tree under n for people, one item a line: its
// offset in the input, its filter name indented by its depth, and its
// value, with the name of a named value and the problems found below it:
//
//	0     orders                         WK (orders.wire)
//	0       orders.magic                 0x574b
//	3       orders.type                  3 (NewOrder)
//	12      orders.new_order             NewOrder
//	24        orders.new_order.side      1 (sell)
//	41      orders.crc                   0xe6b5c778
//	          ! orders.crc.bad: bad checksum: 0xe6b5c778, computed 0xe6b5c777
//	41        orders.crc.status          0 (Bad)
func (n *Node) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	width := 0
	n.walk(0, func(m *Node, depth int) {
		width = max(width, 2*depth+len(m.name()))
	})
	n.walk(0, func(m *Node, depth int) {
		name := strings.Repeat("  ", depth) + m.name()
		line := fmt.Sprintf("%-5d %-*s  %s", m.Offset, width, name, m.text())
		bw.WriteString(strings.TrimRight(line, " ") + "\n")
		for _, pr := range m.Problems {
			fmt.Fprintf(bw, "%s! %s: %s\n", strings.Repeat(" ", 8+2*depth), pr.Expert.Name, pr.Text)
		}
	})
	return bw.Flush()
}

func (n *Node) walk(depth int, fn func(*Node, int)) {
	fn(n, depth)
	for _, c := range n.Children {
		c.walk(depth+1, fn)
	}
}

func (n *Node) name() string {
	if n.Field == nil {
		return n.Label
	}
	return n.Field.Name
}

// text is the value column of WriteText.
func (n *Node) text() string {
	switch v := n.Value.(type) {
	case nil:
		if n.Field == nil {
			return ""
		}
		return n.Field.Label
	case string:
		return strconv.Quote(v)
	case []byte:
		return fmt.Sprintf("%x (%d bytes)", v, len(v))
	}
	s := n.Show()
	if name := n.Field.NameOf(uintOf(n.Value)); name != "" {
		s += " (" + name + ")"
	}
	return s
}
