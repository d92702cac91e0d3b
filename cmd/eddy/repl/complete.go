package repl

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"github.com/eddy-sql/eddy/sql"
)

// completer is the line editor's word completer: line is the line being
// edited and pos the cursor's position in runes. It returns the text
// before the word under the cursor, the candidates for the word, and the
// text after the cursor.
func (r *repl) completer(line string, pos int) (string, []string, string) {
	runes := []rune(line)
	if pos > len(runes) {
		pos = len(runes)
	}
	start := pos
	for start > 0 && isWordRune(runes[start-1]) {
		start--
	}
	if start > 0 && (runes[start-1] == '\\' || runes[start-1] == '"') {
		start--
	}
	head, word, tail := string(runes[:start]), string(runes[start:pos]), string(runes[pos:])
	atStart := r.pending.Len() == 0 && strings.TrimSpace(head) == ""
	var cands []string
	switch {
	case atStart && strings.HasPrefix(word, `\`):
		cands = metaNames()
	case r.pending.Len() == 0 && strings.HasPrefix(strings.TrimSpace(head), `\`):
		cands = r.metaArgWords(strings.Fields(head)[0])
	default:
		cands = r.sqlWords(r.pending.String() + "\n" + line)
	}
	return head, matchWord(word, cands), tail
}

// isWordRune tells whether c can be part of a name being completed.
func isWordRune(c rune) bool {
	return c == '_' || c == '$' || unicode.IsLetter(c) || unicode.IsDigit(c)
}

// matchWord returns the candidates that start with word, ignoring case.
// A word typed in lower case gets lower-case keywords and plain names.
func matchWord(word string, cands []string) []string {
	lower := word != "" && word == strings.ToLower(word) && word != strings.ToUpper(word)
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if !strings.HasPrefix(strings.ToUpper(c), strings.ToUpper(word)) {
			continue
		}
		if lower && !strings.HasPrefix(c, `"`) {
			c = strings.ToLower(c)
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// metaArgWords completes the argument of a meta-command.
func (r *repl) metaArgWords(cmd string) []string {
	switch cmd {
	case `\describe`, `\d`, `\input`, `\output`:
		return r.names("SHOW STREAMS;", " (")
	case `\stop`:
		return r.names("SHOW PUMPS;", " -> ")
	case `\format`:
		return []string{"table", "json", "csv"}
	case `\timing`:
		return []string{"on", "off"}
	case `\explain`:
		return r.sqlWords("")
	}
	return nil
}

// sqlWords are the candidates inside a statement: keywords, functions,
// streams, pumps, and the columns of the streams the statement names (of
// every stream when it names none).
func (r *repl) sqlWords(text string) []string {
	streams := r.names("SHOW STREAMS;", " (")
	words := append([]string(nil), r.cfg.Words...)
	words = append(words, streams...)
	words = append(words, r.names("SHOW PUMPS;", " -> ")...)
	words = append(words, "ROWTIME")
	if r.cfg.Stream == nil {
		return words
	}
	used := map[string]bool{}
	for _, w := range strings.FieldsFunc(text, func(c rune) bool { return !isWordRune(c) && c != '"' }) {
		used[identName(w)] = true
	}
	var inScope []string
	for _, s := range streams {
		if used[identName(s)] {
			inScope = append(inScope, s)
		}
	}
	if len(inScope) == 0 {
		inScope = streams
	}
	for _, s := range inScope {
		def, ok := r.cfg.Stream(identName(s))
		if !ok {
			continue
		}
		for _, c := range def.Columns {
			words = append(words, quoteName(c.Name))
		}
	}
	return words
}

// names runs a SHOW statement and returns the name at the start of each
// line of its output, up to sep.
func (r *repl) names(show, sep string) []string {
	st, err := sql.Parse(&sql.Source{Text: show})
	if err != nil || len(st) != 1 {
		return nil
	}
	res, err := r.cfg.Live.Exec(context.Background(), st[0])
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(res.Text, "\n") {
		if name, _, ok := strings.Cut(l, sep); ok && name != "" {
			out = append(out, name)
		}
	}
	return out
}

// quoteName writes a name as SQL needs it: plain when it is upper case
// letters, digits and underscores, else in double quotes.
func quoteName(s string) string {
	plain := s != ""
	for i, c := range s {
		if !(c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
