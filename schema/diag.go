package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Pos is a place in a schema file. Line and Col count from 1; Col counts
// bytes, as Go's compiler does. Offset is the byte offset in the file.
type Pos struct {
	File   string
	Line   int
	Col    int
	Offset int
}

// String returns "file:line:col", the form editors and terminals link.
func (p Pos) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// A Diagnostic is one problem in a schema: where it is, what is wrong, and
// a hint at what to do about it.
//
// Error renders it as the compiler's message followed by the offending line
// and a caret under the offending text:
//
//	orders.wire:9:5: duplicate field "qty"
//	    qty u16
//	    ^~~
//	hint: the first "qty" is at orders.wire:8:5; rename one of them
type Diagnostic struct {
	Pos  Pos
	Len  int    // bytes of source the problem covers, at least 1
	Msg  string // what is wrong
	Hint string // what to do about it; may be empty
	Line string // the source line holding Pos, without its newline
}

func (d *Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	b.WriteString(d.Msg)
	if d.Line != "" {
		line, col := d.Line, d.Pos.Col-1
		// Show a window of a long line around the problem.
		if len(line) > maxShown {
			from := max(0, min(col-maxShown/2, len(line)-maxShown))
			line, col = line[from:from+maxShown], col-from
		}
		b.WriteString("\n")
		b.WriteString(line)
		b.WriteString("\n")
		// Keep the line's tabs in the caret line so that the caret lands
		// under the text whatever the tab width.
		for i := 0; i < col && i < len(line); i++ {
			if line[i] == '\t' {
				b.WriteByte('\t')
			} else if line[i]&0xc0 != 0x80 { // one space per character
				b.WriteByte(' ')
			}
		}
		b.WriteString("^")
		n := min(d.Len, len(line)-col)
		for i := 1; i < n; i++ {
			b.WriteByte('~')
		}
	}
	if d.Hint != "" {
		b.WriteString("\nhint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// Errors is the error Parse returns for a schema with problems: all of them,
// in source order. Use errors.As to get at each Diagnostic.
type Errors []*Diagnostic

func (e Errors) Error() string {
	parts := make([]string, len(e))
	for i, d := range e {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n\n")
}

// Unwrap returns the diagnostics, so that errors.As finds a *Diagnostic.
func (e Errors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, d := range e {
		errs[i] = d
	}
	return errs
}

// maxShown is the most of a source line a diagnostic shows.
const maxShown = 160

// maxDiags is the most diagnostics Parse reports: past a few dozen, more
// only bury the first, which often cause the rest.
const maxDiags = 50

// diagList collects the diagnostics of one file.
type diagList struct {
	src   string
	diags Errors
}

// add records a problem of n bytes at p. hint is literal text, not a format.
func (l *diagList) add(p Pos, n int, format, hint string, args ...any) {
	if len(l.diags) == maxDiags {
		return
	}
	l.diags = append(l.diags, &Diagnostic{
		Pos:  p,
		Len:  max(n, 1),
		Msg:  fmt.Sprintf(format, args...),
		Hint: hint,
		Line: l.lineAt(p.Offset),
	})
}

func (l *diagList) lineAt(off int) string {
	if off > len(l.src) {
		return ""
	}
	start := strings.LastIndexByte(l.src[:off], '\n') + 1
	end := strings.IndexByte(l.src[off:], '\n')
	if end < 0 {
		end = len(l.src)
	} else {
		end += off
	}
	return strings.TrimRight(l.src[start:end], "\r") // shares src's memory
}

// err returns the diagnostics sorted by position, or nil if there are none.
func (l *diagList) err() error {
	if len(l.diags) == 0 {
		return nil
	}
	sort.SliceStable(l.diags, func(i, j int) bool { return l.diags[i].Pos.Offset < l.diags[j].Pos.Offset })
	return l.diags
}
