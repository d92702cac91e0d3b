package sql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Source is the text of one SQL file (or of one REPL entry) and its name.
type Source struct {
	Name string // file name shown in messages, e.g. "app.sql"; may be empty
	Text string
}

// Error is a SQL error positioned in the user's own text. Line and Col are
// 1-based; Col counts characters (runes), not bytes.
type Error struct {
	Src  *Source
	Pos  Pos
	Line int
	Col  int
	Msg  string
}

// Errorf returns an *Error at byte offset pos of src.
func (s *Source) Errorf(pos Pos, format string, args ...any) *Error {
	line, col := s.LineCol(pos)
	return &Error{Src: s, Pos: pos, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// LineCol converts a byte offset to a 1-based line and rune column.
func (s *Source) LineCol(pos Pos) (line, col int) {
	p := int(pos)
	if p < 0 {
		p = 0
	}
	if p > len(s.Text) {
		p = len(s.Text)
	}
	start := strings.LastIndexByte(s.Text[:p], '\n') + 1
	line = strings.Count(s.Text[:start], "\n") + 1
	col = utf8.RuneCountInString(s.Text[start:p]) + 1
	return line, col
}

// Error returns "name:line:col: message" (without the name when it is empty).
func (e *Error) Error() string {
	if e.Src != nil && e.Src.Name != "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.Src.Name, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// Pretty returns Error() followed by the offending line and a caret under
// the column, the way the CLI and the REPL print it.
func (e *Error) Pretty() string {
	var b strings.Builder
	b.WriteString(e.Error())
	if e.Src == nil {
		return b.String()
	}
	lines := strings.Split(e.Src.Text, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return b.String()
	}
	text := strings.TrimRight(lines[e.Line-1], "\r")
	b.WriteString("\n  ")
	b.WriteString(strings.ReplaceAll(text, "\t", " "))
	b.WriteString("\n  ")
	b.WriteString(strings.Repeat(" ", e.Col-1))
	b.WriteString("^")
	return b.String()
}
