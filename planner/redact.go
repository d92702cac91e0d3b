package planner

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/eddy-sql/eddy/sql"
)

// Redacted is what the value of a secret option is shown as.
const Redacted = "***"

// IsSecretOption tells whether an option key names a secret whose value
// must never be printed: keys containing password, secret, token or
// access_key (aws_access_key_id, aws_secret_access_key, session_token, …),
// and every sasl_ key. Keys compare case-insensitively.
func IsSecretOption(key string) bool {
	k := strings.ToLower(strings.TrimSpace(key))
	if strings.HasPrefix(k, "sasl_") {
		return true
	}
	for _, word := range []string{"password", "secret", "token", "access_key", "api_key", "private_key", "credential"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}

// RedactOptions returns a copy of opts with the values of secret options
// replaced by Redacted and the password of any URL value (user:pass@host)
// masked. opts is not changed.
func RedactOptions(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		switch {
		case IsSecretOption(k):
			out[k] = Redacted
		default:
			out[k] = redactURLPassword(v)
		}
	}
	return out
}

// FormatOptions prints options as key = 'value' pairs in key order, with
// secrets redacted: the one way messages show an option map.
func FormatOptions(opts map[string]string) string {
	red := RedactOptions(opts)
	keys := make([]string, 0, len(red))
	for k := range red {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " = '" + strings.ReplaceAll(red[k], "'", "''") + "'"
	}
	return strings.Join(parts, ", ")
}

// urlPassword matches the password of a URL's user information.
var urlPassword = regexp.MustCompile(`(://[^/@:\s]*:)[^@/\s]*@`)

// redactURLPassword masks the password of any URL in v (user:pass@host).
func redactURLPassword(v string) string {
	if !strings.Contains(v, "://") {
		return v
	}
	return urlPassword.ReplaceAllString(v, "${1}"+Redacted+"@")
}

// RedactBinding redacts an --input/--output binding or a connector URI,
// NAME=CONNECTOR[:TARGET][?key=value&…] or CONNECTOR[:TARGET][?…]: the
// values of secret query keys become Redacted, whatever else the text
// holds (it need not parse).
func RedactBinding(s string) string {
	head, query, ok := strings.Cut(s, "?")
	head = redactURLPassword(head)
	if !ok {
		return head
	}
	pairs := strings.Split(query, "&")
	for i, p := range pairs {
		k, _, hasVal := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if hasVal && IsSecretOption(key) {
			pairs[i] = k + "=" + Redacted
		}
	}
	return head + "?" + strings.Join(pairs, "&")
}

// sqlOption matches key = 'value' in SQL text (a WITH clause), the key
// bare or quoted; group 1 is the key, group 2 the value with its quotes.
var sqlOption = regexp.MustCompile(`(?i)['"]?([a-z_][a-z0-9_.]*)['"]?\s*=\s*('(?:[^']|'')*')`)

// RedactSQL returns SQL text with the values of secret options in WITH
// clauses (key = 'value') replaced by '***'. Line breaks inside a redacted
// value are kept, so line numbers still hold.
func RedactSQL(text string) string {
	out, _ := redactSQLAt(text, -1)
	return out
}

// redactSQLAt redacts text like RedactSQL and moves byte offset at (-1 for
// none) to where the same character is in the result: left of a redacted
// value it stays, right of one it shifts, inside one it goes to its start.
func redactSQLAt(text string, at int) (string, int) {
	var b strings.Builder
	last, moved := 0, at
	for _, m := range sqlOption.FindAllStringSubmatchIndex(text, -1) {
		key := text[m[2]:m[3]]
		if !IsSecretOption(key) {
			continue
		}
		vs, ve := m[4], m[5]
		repl := "'" + Redacted + strings.Repeat("\n", strings.Count(text[vs:ve], "\n")) + "'"
		b.WriteString(text[last:vs])
		b.WriteString(repl)
		switch {
		case at < 0 || at < vs:
		case at >= ve:
			moved += len(repl) - (ve - vs)
		default:
			moved = b.Len() - len(repl)
		}
		last = ve
	}
	b.WriteString(text[last:])
	return b.String(), moved
}

// PrettyError is sql.Error.Pretty with secrets redacted: the message and
// the quoted line show no secret option's value, and the caret still
// points at the same character. The position printed is the user's own.
func PrettyError(e *sql.Error, r *Redactor) string {
	var b strings.Builder
	head := *e
	head.Msg = r.Text(RedactSQL(e.Msg))
	b.WriteString(head.Error())
	if e.Src == nil {
		return b.String()
	}
	lines := strings.Split(e.Src.Text, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return b.String()
	}
	line := strings.TrimRight(lines[e.Line-1], "\r")
	// Col counts runes; find its byte offset, redact, and count back.
	off := len(line)
	for i := range line {
		if utf8.RuneCountInString(line[:i]) == e.Col-1 {
			off = i
			break
		}
	}
	shown, at := redactSQLAt(line, off)
	shown = r.Text(shown)
	col := utf8.RuneCountInString(shown[:min(at, len(shown))]) + 1
	b.WriteString("\n  ")
	b.WriteString(strings.ReplaceAll(shown, "\t", " "))
	b.WriteString("\n  ")
	b.WriteString(strings.Repeat(" ", col-1))
	b.WriteString("^")
	return b.String()
}

// Redactor remembers the values of secret options it has seen and removes
// them from any text: the last line of defence for messages written by
// connectors and libraries that quote what they were given. The zero
// value is ready; a nil *Redactor redacts nothing. It is safe for
// concurrent use.
type Redactor struct {
	mu     sync.Mutex
	values map[string]bool
}

// Add remembers the values of the secret options of opts (and URL
// passwords).
func (r *Redactor) Add(opts map[string]string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]bool{}
	}
	for k, v := range opts {
		if IsSecretOption(k) && v != "" && v != Redacted {
			r.values[v] = true
		}
		if u, err := url.Parse(v); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				r.values[p] = true
			}
		}
	}
}

// minBareSecret is the shortest secret removed wherever it appears; a
// shorter one is removed only where it stands quoted, so that a short
// value such as sasl_mechanism = 'plain' does not garble unrelated words.
const minBareSecret = 6

// Text returns s with every remembered secret value replaced by Redacted.
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	vals := make([]string, 0, len(r.values))
	for v := range r.values {
		vals = append(vals, v)
	}
	// Longest first, so a secret containing another is removed whole.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		if len(v) >= minBareSecret {
			s = strings.ReplaceAll(s, v, Redacted)
			s = strings.ReplaceAll(s, url.QueryEscape(v), Redacted)
			continue
		}
		for _, q := range []string{`"`, `'`} {
			s = strings.ReplaceAll(s, q+v+q, q+Redacted+q)
		}
		s = strings.ReplaceAll(s, `\"`+v+`\"`, `\"`+Redacted+`\"`)
		s = strings.ReplaceAll(s, "="+v+"&", "="+Redacted+"&")
		if strings.HasSuffix(s, "="+v) {
			s = strings.TrimSuffix(s, v) + Redacted
		}
	}
	return s
}
