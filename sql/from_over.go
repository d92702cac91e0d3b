package sql

import "strconv"

// extractFromOver lifts KDA's window on a stream in FROM, at token i (the
// word OVER right after the stream's name): `s OVER (RANGE INTERVAL …
// PRECEDING)`, `s OVER (ROWS n PRECEDING)` or `s OVER w` naming a window
// of the WINDOW clause. The spec is kept by the offset of the name (see
// TableRef.Over) and the text is blanked.
func (st *stmtState) extractFromOver(i int) error {
	toks := st.toks
	name := toks[i-1]
	c := st.cursorAt(i + 1)
	spec := &WindowSpec{Pos: Pos(toks[i].pos)}
	end := i
	switch {
	case c.peek().isP("("):
		open := c.i
		closeAt := st.match[open]
		if closeAt < 0 {
			return c.fail()
		}
		c.i++
		f := &Frame{Pos: Pos(c.peek().pos)}
		switch {
		case c.eat("RANGE"):
			t := c.peek()
			iv, ok := st.frames[t.pos]
			if !t.is("INTERVAL") || !ok {
				return c.fail()
			}
			f.Range = iv
			c.i = st.ivEnd[t.pos]
		case c.eat("ROWS"):
			t := c.peek()
			n, err := strconv.ParseInt(t.val, 10, 64)
			if t.kind != tkNumber || err != nil {
				return c.fail()
			}
			f.Rows, f.N = true, n
			c.i++
		default:
			return c.fail()
		}
		if err := c.want("PRECEDING"); err != nil {
			return err
		}
		if c.i != closeAt {
			return c.fail()
		}
		spec.Frame = f
		end = closeAt
	case c.peek().isIdent():
		id, _ := c.ident()
		spec.Ref = id.Name
		end = c.i - 1
	default:
		return c.fail()
	}
	st.fromOver[name.pos] = spec
	st.blank(toks[i].pos, toks[end].end)
	return nil
}
