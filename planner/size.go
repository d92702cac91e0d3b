package planner

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// sizeText is a number, optional blanks, and an optional unit.
var sizeText = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$`)

// sizeUnits maps a lower-case unit to its multiplier. A bare letter and
// the IEC forms (K, KiB, M, MiB, …) are powers of 1024; the SI forms with
// a B (KB, MB, GB, TB) are powers of 1000. Case does not matter.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gi": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "ti": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// SizeForms describes the byte sizes ParseSize accepts, for messages.
const SizeForms = "a number of bytes with an optional unit: K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024), or KB, MB, GB, TB (powers of 1000), e.g. 4096, 64M, 64MiB, '64 MB'"

// ErrSize is wrapped by every error of ParseSize.
var ErrSize = fmt.Errorf("not a byte size")

// ParseSize reads the byte size value of the setting or option named name.
// 64M, 64m and 64MiB are 64·2^20 bytes; 64MB and '64 MB' are 64·10^6
// (see SizeForms). Anything else, including a negative or overflowing
// size, is an error naming the option and the accepted forms: a size is
// never silently read as "no limit".
func ParseSize(name, value string) (int64, error) {
	m := sizeText.FindStringSubmatch(value)
	if m != nil {
		mult, ok := sizeUnits[strings.ToLower(m[2])]
		n, err := strconv.ParseFloat(m[1], 64)
		if ok && err == nil {
			if v := n * mult; v < math.MaxInt64 {
				return int64(v), nil
			}
		}
	}
	return 0, fmt.Errorf("%s = '%s': %w; use %s", name, value, ErrSize, SizeForms)
}
