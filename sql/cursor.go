package sql

import "strings"

// cursor walks a token slice for the hand-written parts of the parser
// (statement heads, DDL, types, intervals).
type cursor struct {
	src  *Source
	toks []token
	i    int
	end  int // offset reported for the end of input
}

// at returns the token k places ahead, or an EOF token.
func (c *cursor) at(k int) token {
	if c.i+k < len(c.toks) {
		return c.toks[c.i+k]
	}
	return token{kind: tkEOF, pos: c.end, end: c.end}
}

func (c *cursor) peek() token { return c.at(0) }

func (c *cursor) next() token {
	t := c.peek()
	if c.i < len(c.toks) {
		c.i++
	}
	return t
}

// back undoes next for a token that was not the end of input.
func (c *cursor) back(t token) {
	if t.kind != tkEOF {
		c.i--
	}
}

// eat consumes the word w when it is next.
func (c *cursor) eat(w string) bool {
	if c.peek().is(w) {
		c.i++
		return true
	}
	return false
}

// eatP consumes the punctuation p when it is next.
func (c *cursor) eatP(p string) bool {
	if c.peek().isP(p) {
		c.i++
		return true
	}
	return false
}

// want consumes the word w or fails at the next token.
func (c *cursor) want(w string) error {
	if !c.eat(w) {
		return c.fail()
	}
	return nil
}

// wantP consumes the punctuation p or fails at the next token.
func (c *cursor) wantP(p string) error {
	if !c.eatP(p) {
		return c.fail()
	}
	return nil
}

// fail returns a syntax error at the next token.
func (c *cursor) fail() *Error { return syntaxErr(c.src, c.peek()) }

// ident consumes an identifier (folded when unquoted).
func (c *cursor) ident() (Ident, error) {
	t := c.peek()
	if !t.isIdent() {
		return Ident{}, c.fail()
	}
	c.i++
	return Ident{Name: t.val, Pos: Pos(t.pos)}, nil
}

// name consumes [schema.]name and returns the last part.
func (c *cursor) name() (Ident, error) {
	id, err := c.ident()
	for err == nil && c.peek().isP(".") && c.at(1).isIdent() {
		c.i++
		id, err = c.ident()
	}
	return id, err
}

// done fails unless every token has been consumed.
func (c *cursor) done() error {
	if c.i < len(c.toks) {
		return c.fail()
	}
	return nil
}

// syntaxErr is the syntax error for an offending token.
func syntaxErr(src *Source, t token) *Error {
	if t.kind == tkEOF {
		return src.Errorf(Pos(t.pos), "syntax error: unexpected end of input")
	}
	return src.Errorf(Pos(t.pos), "syntax error at or near \"%s\"", src.Text[t.pos:t.end])
}

// lowerKey lower-cases an option or SET key.
func lowerKey(s string) string { return strings.ToLower(s) }
