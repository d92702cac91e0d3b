package sql

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and that every error is a
// *Error positioned inside the text.
func FuzzParse(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(tc.in)
	}
	f.Add(benchApp)
	f.Fuzz(func(t *testing.T, text string) {
		src := &Source{Text: text}
		stmts, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %v is not a *Error", text, err)
			}
			lines := strings.Split(text, "\n")
			if e.Line < 1 || e.Line > len(lines) || e.Col < 1 || e.Col > utf8.RuneCountInString(lines[e.Line-1])+1 {
				t.Fatalf("Parse(%q) error at %d:%d is outside the text", text, e.Line, e.Col)
			}
			if e.Pos < 0 || int(e.Pos) > len(text) {
				t.Fatalf("Parse(%q) error offset %d is outside the text", text, e.Pos)
			}
			return
		}
		for _, s := range stmts {
			b := s.Base()
			if b.At < 0 || int(b.At)+len(b.Text) > len(text) || text[b.At:int(b.At)+len(b.Text)] != b.Text {
				t.Fatalf("Parse(%q): statement span {%d, %q} is not in the text", text, b.At, b.Text)
			}
			_ = Format(s)
		}
	})
}

// FuzzRewrite checks that the rewrite passes keep every byte offset: the
// rewritten text has the length of the statement and its newlines where
// they were, and the insertion map of the growing pass inverts.
func FuzzRewrite(f *testing.F) {
	for _, tc := range goldenCases {
		f.Add(tc.in)
	}
	f.Add(benchApp)
	f.Fuzz(func(t *testing.T, text string) {
		src := &Source{Text: text}
		toks, comments, err := tokenize(src)
		if err != nil {
			return
		}
		start := 0
		for i := 0; i <= len(toks); i++ {
			if i < len(toks) && !toks[i].isP(";") {
				continue
			}
			if i > start {
				checkRewrite(t, src, toks[start:i], comments)
			}
			start = i + 1
		}
	})
}

func checkRewrite(t *testing.T, src *Source, toks []token, comments []span) {
	st := newStmtState(src, toks, comments)
	orig := src.Text[st.base:st.end]
	check := func(pass string) {
		if len(st.buf) != len(orig) {
			t.Fatalf("%s changed the length of %q: %d → %d", pass, orig, len(orig), len(st.buf))
		}
		for i := range orig {
			if (orig[i] == '\n') != (st.buf[i] == '\n') {
				t.Fatalf("%s moved a newline in %q at %d: %q", pass, orig, i, st.buf)
			}
		}
	}
	check("folding")
	if st.pass1() != nil {
		return
	}
	check("pass 1")
	if st.pass2() != nil {
		return
	}
	check("pass 2")
	var m insMap
	for _, tk := range toks {
		if tk.kind == tkWord && len(m) < 8 {
			m = m.add(tk.pos - st.base).add(tk.end - st.base)
		}
	}
	for p := 0; p <= len(orig); p++ {
		if got := m.toOrig(m.toCur(p)); got != p {
			t.Fatalf("insertion map %v does not invert at %d: %d", m, p, got)
		}
	}
}
