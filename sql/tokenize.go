package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the lexical class of a token.
type tokKind int

const (
	tkEOF    tokKind = iota
	tkWord           // unquoted identifier or keyword; val is upper case
	tkQuoted         // "double quoted" identifier; val is exact
	tkBack           // `back quoted` identifier; val is exact
	tkString         // 'string'; val is unescaped
	tkNumber         // 12, 1.5, 1e3
	tkPunct          // operators and punctuation; val is the text
)

// token is one lexical token. pos and end are byte offsets in the Source.
type token struct {
	kind tokKind
	pos  int
	end  int
	val  string
}

// span is a byte range [pos, end) of the Source, used for comments.
type span struct{ pos, end int }

// isIdent reports whether t can name something.
func (t token) isIdent() bool { return t.kind == tkWord || t.kind == tkQuoted || t.kind == tkBack }

// is reports whether t is the unquoted word w (w upper case).
func (t token) is(w string) bool { return t.kind == tkWord && t.val == w }

// isP reports whether t is the punctuation p.
func (t token) isP(p string) bool { return t.kind == tkPunct && t.val == p }

// tokenize splits text into tokens and comment spans. Offsets are relative
// to text. Line comments start with -- (a following space is not needed) or
// #; block comments are /* … */. Strings use ” as the only escape.
func tokenize(src *Source) ([]token, []span, error) {
	text := src.Text
	var toks []token
	var comments []span
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(text) && text[i+1] == '-', c == '#':
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				j = len(text) - i
			}
			comments = append(comments, span{i, i + j})
			i += j
		case c == '/' && i+1 < len(text) && text[i+1] == '*':
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return nil, nil, src.Errorf(Pos(i), "syntax error: unterminated comment")
			}
			comments = append(comments, span{i, i + 2 + j + 2})
			i += j + 4
		case c == '\'' || c == '"' || c == '`':
			val, end, ok := scanQuoted(text, i, c)
			if !ok {
				what := "string"
				if c != '\'' {
					what = "quoted identifier"
				}
				return nil, nil, src.Errorf(Pos(i), "syntax error: unterminated %s", what)
			}
			kind := tkString
			if c == '"' {
				kind = tkQuoted
			} else if c == '`' {
				kind = tkBack
			}
			toks = append(toks, token{kind: kind, pos: i, end: end, val: val})
			i = end
		case isDigit(c) || (c == '.' && i+1 < len(text) && isDigit(text[i+1])):
			end := scanNumber(text, i)
			toks = append(toks, token{kind: tkNumber, pos: i, end: end, val: text[i:end]})
			i = end
		case isWordStart(c):
			j := i + 1
			for j < len(text) && isWordPart(text[j]) {
				j++
			}
			toks = append(toks, token{kind: tkWord, pos: i, end: j, val: foldUpper(text[i:j])})
			i = j
		default:
			n := 1
			if i+1 < len(text) {
				switch text[i : i+2] {
				case "<=", ">=", "<>", "!=", "||", "=>", "::":
					n = 2
				}
			}
			toks = append(toks, token{kind: tkPunct, pos: i, end: i + n, val: text[i : i+n]})
			i += n
		}
	}
	return toks, comments, nil
}

// scanQuoted scans a quoted token starting at text[i] == q, where a doubled
// quote stands for one. It returns the unescaped value and the end offset.
func scanQuoted(text string, i int, q byte) (string, int, bool) {
	var b strings.Builder
	j := i + 1
	for j < len(text) {
		if text[j] == q {
			if j+1 < len(text) && text[j+1] == q {
				b.WriteByte(q)
				j += 2
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteByte(text[j])
		j++
	}
	return "", 0, false
}

// scanNumber returns the end of the number starting at text[i].
func scanNumber(text string, i int) int {
	j := i
	for j < len(text) && isDigit(text[j]) {
		j++
	}
	if j < len(text) && text[j] == '.' {
		j++
		for j < len(text) && isDigit(text[j]) {
			j++
		}
	}
	if j < len(text) && (text[j] == 'e' || text[j] == 'E') {
		k := j + 1
		if k < len(text) && (text[k] == '+' || text[k] == '-') {
			k++
		}
		if k < len(text) && isDigit(text[k]) {
			for k < len(text) && isDigit(text[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isWordPart(c byte) bool { return isWordStart(c) || isDigit(c) || c == '$' }

// foldUpper upper-cases s as SQL folds an unquoted identifier: every
// letter, ASCII or not (prix_été → PRIX_ÉTÉ). The result has the same
// length, since the rewrite passes never move a byte: the few letters whose
// upper case is encoded in a different number of bytes (ı, ſ, …) are kept
// as written.
func foldUpper(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= 'a' && c <= 'z' {
				return strings.ToUpper(s)
			}
		}
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if u := unicode.ToUpper(r); u != r && utf8.RuneLen(u) == n {
			b = utf8.AppendRune(b, u)
		} else {
			b = append(b, s[i:i+n]...) // invalid bytes stay as they are
		}
		i += n
	}
	return string(b)
}
