package repl

import "strings"

// scanState tracks what a SQL text is inside of at its end.
type scanState struct {
	quote        byte // ', " or ` while inside a quoted string or name
	blockComment bool // inside /* … */
	endsWithSemi bool // the last significant character is a ';'
}

// scan reads text the way the SQL tokenizer does, as far as statement
// boundaries go: quotes (doubled to escape), -- line comments and /* */
// block comments.
func scan(text string) scanState {
	var st scanState
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case st.blockComment:
			if c == '*' && i+1 < len(text) && text[i+1] == '/' {
				st.blockComment = false
				i++
			}
		case st.quote != 0:
			if c == st.quote {
				if i+1 < len(text) && text[i+1] == st.quote {
					i++ // doubled quote
					continue
				}
				st.quote = 0
				st.endsWithSemi = false
			}
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			nl := strings.IndexByte(text[i:], '\n')
			if nl < 0 {
				return st
			}
			i += nl
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			st.blockComment = true
			i++
		case c == '\'' || c == '"' || c == '`':
			st.quote = c
			st.endsWithSemi = false
		case c == ';':
			st.endsWithSemi = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			st.endsWithSemi = false
		}
	}
	return st
}

// complete tells whether text ends a statement: its last significant
// character, outside quotes and comments, is a semicolon.
func complete(text string) bool {
	st := scan(text)
	return st.quote == 0 && !st.blockComment && st.endsWithSemi
}

// blank tells whether text holds nothing but white space and comments.
func blank(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '-' && i+1 < len(text) && text[i+1] == '-':
			nl := strings.IndexByte(text[i:], '\n')
			if nl < 0 {
				return true
			}
			i += nl
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return true
			}
			i += end + 3
		default:
			return false
		}
	}
	return true
}

// lineCommentAt scans one line on from state st (quotes and block
// comments carry over from earlier lines) and returns the byte offset of a
// -- comment that starts outside them, or -1.
func lineCommentAt(st *scanState, line string) int {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case st.blockComment:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				st.blockComment = false
				i++
			}
		case st.quote != 0:
			if c == st.quote {
				if i+1 < len(line) && line[i+1] == st.quote {
					i++
					continue
				}
				st.quote = 0
			}
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			return i
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			st.blockComment = true
			i++
		case c == '\'' || c == '"' || c == '`':
			st.quote = c
		}
	}
	return -1
}
