package exec

import "unicode/utf8"

// MaxStringBytes caps the length of one string a function builds (LPAD,
// RPAD, REPEAT, OVERLAY, REGEX_REPLACE…): 16 MiB. A longer result is the row
// error ErrResultTooLong, never a silent NULL or an allocation that takes
// the process down.
const MaxStringBytes = 16 << 20

// ErrResultTooLong is wrapped by the row error of a function whose string
// result would be longer than MaxStringBytes.
var ErrResultTooLong = newError(ErrInvalidArgument, "exec: result longer than 16777216 bytes")

// tooLongError names the function whose result is over the cap.
func tooLongError(name string) error {
	return &execError{msg: "exec: " + name + ": result longer than 16777216 bytes", kind: ErrResultTooLong}
}

// repeatedBytes returns the byte length of the first n runes of p repeated
// cyclically, saturating just above MaxStringBytes.
func repeatedBytes(p string, n int64) int64 {
	if n <= 0 || p == "" {
		return 0
	}
	runes := int64(utf8.RuneCountInString(p))
	full, part := n/runes, n%runes
	if full > MaxStringBytes {
		return MaxStringBytes + 1
	}
	b := full * int64(len(p))
	for _, r := range p {
		if part == 0 {
			break
		}
		b += int64(utf8.RuneLen(r))
		part--
	}
	return b
}
