package codec

import (
	"errors"
	"fmt"
)

// ErrSyntax is matched (errors.Is) by every error for a record that is not
// well-formed JSON or CSV.
var ErrSyntax = errors.New("codec: malformed record")

// ErrCoerce is matched (errors.Is) by every error for a value that does
// not convert to its column's type.
var ErrCoerce = errors.New("codec: value does not fit its column")

// SyntaxError is a malformed record: what was wrong and at which byte.
type SyntaxError struct {
	Format string // "JSON" or "CSV"
	Offset int    // 0-based byte offset in the record
	Msg    string
}

// Error returns the message, such as "codec: malformed JSON at byte 3: …".
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("codec: malformed %s at byte %d: %s", e.Format, e.Offset, e.Msg)
}

// Is makes errors.Is(err, ErrSyntax) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// CoercionError is a value that does not convert to its column's SQL type.
type CoercionError struct {
	Column string // the declared column
	Value  string // the value as it appears in the record
	Quoted bool   // Value was text (a JSON string or a CSV field)
	Type   string // the column's SQL type
	Reason string // optional detail, such as "out of range"
}

// Error returns the message, such as
// `codec: column PRICE: cannot read "abc" as DOUBLE`.
func (e *CoercionError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:61] + "..."
	}
	if e.Quoted {
		v = fmt.Sprintf("%q", v)
	}
	msg := fmt.Sprintf("codec: column %s: cannot read %s as %s", e.Column, v, e.Type)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is makes errors.Is(err, ErrCoerce) true.
func (e *CoercionError) Is(target error) bool { return target == ErrCoerce }

// ErrNoSamples is matched (errors.Is) by the error of a discovery that had
// nothing to sample: an empty input, or one holding only a CSV header.
var ErrNoSamples = errors.New("codec: discover: there was nothing to sample")

// ErrTruncated is matched (errors.Is) by the error for a string longer
// than its column's declared length, with option strict_varchar.
var ErrTruncated = errors.New("codec: value longer than its column")

// TruncationError is a string value longer than its VARCHAR(n) or CHAR(n)
// column, rejected rather than truncated (option strict_varchar).
type TruncationError struct {
	Column string // the declared column
	Value  string // the value as it appears in the record
	Quoted bool   // Value was text (a JSON string or a CSV field)
	Type   string // the column's SQL type
	Length int    // the declared length in characters
}

// Error returns the message, such as
// `codec: column SYM: "GOOGL" is longer than VARCHAR(4) (strict_varchar)`.
func (e *TruncationError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:61] + "..."
	}
	if e.Quoted {
		v = fmt.Sprintf("%q", v)
	}
	return fmt.Sprintf("codec: column %s: %s is longer than %s (strict_varchar)", e.Column, v, e.Type)
}

// Is makes errors.Is(err, ErrTruncated) true.
func (e *TruncationError) Is(target error) bool { return target == ErrTruncated }
