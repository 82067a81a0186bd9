package schema

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tEOF     tokKind = iota
	tNewline         // significant inside message and frame bodies: it ends a field
	tIdent
	tInt
	tString
	tPunct // one of { } ( ) [ ] = , ; : @ .. == != -
	tBad   // a character that starts no token, already reported: the parser stops
)

// token is one lexeme. Comments are not tokens: the lexer hands them to the
// parser as documentation attached to the next token (doc) or to the line
// they end (trail).
type token struct {
	kind tokKind
	pos  Pos
	text string // the source text; for tString, the decoded value
	val  uint64 // for tInt: the value, size suffixes applied
	doc  []string
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tNewline:
		return "end of line"
	case tString:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

// lexer splits a source file into tokens.
type lexer struct {
	file  string
	src   []byte
	off   int
	line  int
	col   int
	diags *diagList
	// doc collects the comment lines since the last token; a blank line
	// drops them, since they then document nothing in particular.
	doc []string
	// trails holds the comment that ends a line holding a token, by line:
	// the documentation of the field or value declared on that line.
	trails map[int]string
	// lastTokLine is the line of the last token; lineBlank reports whether
	// the current line has held nothing but white space so far.
	lastTokLine int
	lineBlank   bool
}

func newLexer(file string, src []byte, diags *diagList) *lexer {
	return &lexer{file: file, src: src, line: 1, col: 1, diags: diags, trails: map[int]string{}, lineBlank: true}
}

func (l *lexer) pos() Pos { return Pos{File: l.file, Line: l.line, Col: l.col, Offset: l.off} }

func (l *lexer) advance(n int) {
	for range n {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
		} else {
			l.col++
		}
		l.off++
	}
}

// sizeSuffixes multiply an integer literal: 1MiB is 1048576.
var sizeSuffixes = map[string]uint64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}

// next returns the next token. A line that held a token ends with a
// tNewline token; blank lines and comment-only lines produce none.
func (l *lexer) next() token {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == '\n':
			p := l.pos()
			hadToken := l.lastTokLine == l.line
			if l.lineBlank {
				l.doc = nil
			}
			l.advance(1)
			l.lineBlank = true
			if hadToken {
				return token{kind: tNewline, pos: p}
			}
		case c == ' ' || c == '\t' || c == '\r':
			l.advance(1)
		case c == '/' && l.off+1 < len(l.src) && l.src[l.off+1] == '/':
			end := l.off
			for end < len(l.src) && l.src[end] != '\n' {
				end++
			}
			text := strings.TrimRight(string(l.src[l.off+2:end]), " \t\r")
			text = strings.TrimPrefix(text, " ")
			if l.lastTokLine == l.line {
				l.trails[l.line] = text
			} else {
				l.doc = append(l.doc, text)
			}
			l.lineBlank = false
			l.advance(end - l.off)
		default:
			l.lineBlank = false
			t := l.scan()
			t.doc, l.doc = l.doc, nil
			l.lastTokLine = t.pos.Line
			return t
		}
	}
	return token{kind: tEOF, pos: l.pos()}
}

// scan reads one token starting at a non-space, non-comment byte.
func (l *lexer) scan() token {
	p := l.pos()
	c := l.src[l.off]
	switch {
	case c == '_' || c < utf8.RuneSelf && unicode.IsLetter(rune(c)):
		end := l.off
		for end < len(l.src) && isIdentByte(l.src[end]) {
			end++
		}
		t := token{kind: tIdent, pos: p, text: string(l.src[l.off:end])}
		l.advance(end - l.off)
		return t
	case c >= '0' && c <= '9':
		return l.number(p)
	case c == '"':
		return l.str(p)
	}
	for _, op := range [...]string{"..", "==", "!="} {
		if strings.HasPrefix(string(l.src[l.off:min(l.off+2, len(l.src))]), op) {
			l.advance(2)
			return token{kind: tPunct, pos: p, text: op}
		}
	}
	if strings.IndexByte("{}()[]=,;:@-", c) >= 0 {
		l.advance(1)
		return token{kind: tPunct, pos: p, text: string(c)}
	}
	r, size := utf8.DecodeRune(l.src[l.off:])
	l.diags.add(p, size, "unexpected character %q", "a name starts with a letter or _; numbers with a digit; strings with \"", r)
	l.advance(size)
	return token{kind: tBad}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// number reads an integer literal: decimal, 0x hex, 0b binary or 0o octal,
// with _ separators and an optional KiB, MiB or GiB suffix.
func (l *lexer) number(p Pos) token {
	end := l.off
	for end < len(l.src) && isIdentByte(l.src[end]) {
		end++
	}
	text := string(l.src[l.off:end])
	l.advance(end - l.off)
	t := token{kind: tInt, pos: p, text: text}
	digits, mult := text, uint64(1)
	for suffix, m := range sizeSuffixes {
		if strings.HasSuffix(text, suffix) {
			digits, mult = strings.TrimSuffix(text, suffix), m
		}
	}
	v, err := strconv.ParseUint(digits, 0, 64)
	if err == nil && mult > 1 && v > ^uint64(0)/mult {
		err = strconv.ErrRange
	}
	if err != nil {
		hint := "write decimal, 0x hex, 0b binary or 0o octal digits, optionally followed by KiB, MiB or GiB"
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			hint = "integers are at most 64 bits: 18446744073709551615"
		}
		l.diags.add(p, len(text), "invalid number %s", hint, text)
		return t
	}
	t.val = v * mult
	return t
}

// str reads a double-quoted string with Go's escapes.
func (l *lexer) str(p Pos) token {
	end := l.off + 1
	for end < len(l.src) && l.src[end] != '"' && l.src[end] != '\n' {
		if l.src[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(l.src) || l.src[end] != '"' {
		l.diags.add(p, 1, "string not terminated", "close the string with \" on the same line")
		l.advance(min(end, len(l.src)) - l.off)
		return token{kind: tString, pos: p}
	}
	raw := string(l.src[l.off : end+1])
	l.advance(end + 1 - l.off)
	s, err := strconv.Unquote(raw)
	if err != nil {
		l.diags.add(p, len(raw), "invalid string %s", `use Go's escapes: \x41, \n, \\, \"`, raw)
	}
	return token{kind: tString, pos: p, text: s}
}
