package firehose

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Error output types, the value of !{firehose:error-output-type}.
const (
	ErrorTypeProcessing = "processing-failed"
	ErrorTypeDelivery   = "delivery-failed"
)

// expandPrefix expands Firehose's prefix expressions at t (UTC):
// !{timestamp:FORMAT} with the Java date pattern letters yyyy, yy, MM, dd,
// HH, mm and ss, !{firehose:random-string} and
// !{firehose:error-output-type}. A prefix without a timestamp expression
// gets the default YYYY/MM/DD/HH/ appended, as in Firehose.
func expandPrefix(prefix string, t time.Time, errorType string) (string, error) {
	t = t.UTC()
	var b strings.Builder
	hasTime := false
	rest := prefix
	for {
		i := strings.Index(rest, "!{")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:i])
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("firehose: prefix %q: unclosed !{", prefix)
		}
		expr := rest[i+2 : i+j]
		rest = rest[i+j+1:]
		ns, arg, _ := strings.Cut(expr, ":")
		switch {
		case ns == "timestamp":
			hasTime = true
			b.WriteString(javaTime(arg, t))
		case ns == "firehose" && arg == "random-string":
			b.WriteString(randomString(11))
		case ns == "firehose" && arg == "error-output-type":
			if errorType == "" {
				return "", fmt.Errorf("firehose: prefix %q: !{firehose:error-output-type} is only allowed in error_output_prefix", prefix)
			}
			b.WriteString(errorType)
		default:
			return "", fmt.Errorf("firehose: prefix %q: unknown expression !{%s}", prefix, expr)
		}
	}
	out := b.String()
	if !hasTime {
		out += t.Format("2006/01/02/15/")
	}
	return out, nil
}

// javaTime formats t with the pattern letters Firehose prefixes use.
func javaTime(pattern string, t time.Time) string {
	r := strings.NewReplacer("yyyy", "2006", "yy", "06", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05")
	return t.Format(r.Replace(pattern))
}

// objectName is Firehose's NAME-YYYY-MM-DD-HH-MM-SS-<random>.
func objectName(name string, t time.Time) string {
	return name + "-" + t.UTC().Format("2006-01-02-15-04-05") + "-" + uuid()
}

// randomString returns n random lower-case letters and digits.
func randomString(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// uuid returns a random version 4 UUID text.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
