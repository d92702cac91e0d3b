package sources

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OptionKind says how an option's text value is read.
type OptionKind int

// Option kinds.
const (
	KindString   OptionKind = iota
	KindInt                 // a decimal integer
	KindBool                // true or false
	KindDuration            // a Go duration (500ms, 2s), SQL interval text ('2' SECOND) or whole seconds (60)
	KindSize                // a byte size: 4096, 64KiB, 5MiB, 1GB
)

// OptionSpec declares one option of a connector.
type OptionSpec struct {
	Name     string // lower case
	Kind     OptionKind
	Default  string // used when the option is absent; "" means no default
	Required bool
	Doc      string
}

// Common lists the options every source accepts, whatever its connector.
var Common = []OptionSpec{
	{Name: "connector", Doc: "the connector name"},
	{Name: "rowtime", Doc: "a TIMESTAMP column whose value becomes ROWTIME (event time); default: arrival time"},
	{Name: "lateness", Kind: KindDuration, Default: "0s", Doc: "allowed lateness of event time behind the watermark"},
	{Name: "idle_timeout", Kind: KindDuration, Default: "5s", Doc: "after this long without data a source stops holding the watermark back"},
	{Name: "late_rows", Default: "error", Doc: "what to do with rows later than the watermark: error, drop or count"},
	{Name: "primary_key", Doc: "the stream's key columns (comma-separated): the stream is a versioned table, joinable FOR SYSTEM_TIME AS OF another stream's ROWTIME"},
}

// Options holds a connector's validated option values, keyed by lower-case
// name. Every declared option with a default is present.
type Options map[string]string

// ErrOption is wrapped by every option validation error.
var ErrOption = fmt.Errorf("option")

// ColumnsOption is the option through which the engine tells a source
// which declared columns are read (projection pushdown): their names,
// comma-separated. Validate accepts it for every source; a connector may
// leave the other declared columns NULL without decoding them (the JSON
// codec does, see codec.ReadSet). It is not for users to set.
const ColumnsOption = "eddy.columns"

// Validate checks raw against the specs (and Common when withCommon), fills
// in defaults, and returns the result. Unknown keys and unreadable values
// are errors naming the key.
func Validate(raw map[string]string, specs []OptionSpec, withCommon bool) (Options, error) {
	all := specs
	if withCommon {
		all = append(append([]OptionSpec(nil), specs...), Common...)
	}
	byName := make(map[string]OptionSpec, len(all))
	for _, s := range all {
		byName[s.Name] = s
	}
	out := make(Options, len(raw)+len(all))
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := strings.ToLower(k)
		if key == ColumnsOption && withCommon {
			out[key] = raw[k]
			continue
		}
		spec, ok := byName[key]
		if !ok {
			return nil, fmt.Errorf("%w: unknown option %q (known: %s)", ErrOption, k, strings.Join(names(all), ", "))
		}
		if err := checkKind(spec, raw[k]); err != nil {
			return nil, err
		}
		out[key] = raw[k]
	}
	for _, s := range all {
		if _, ok := out[s.Name]; ok {
			continue
		}
		if s.Required {
			return nil, fmt.Errorf("%w: %q is required", ErrOption, s.Name)
		}
		if s.Default != "" {
			out[s.Name] = s.Default
		}
	}
	return out, nil
}

func names(specs []OptionSpec) []string {
	n := make([]string, 0, len(specs))
	for _, s := range specs {
		n = append(n, s.Name)
	}
	sort.Strings(n)
	return n
}

func checkKind(s OptionSpec, v string) error {
	var err error
	switch s.Kind {
	case KindInt:
		_, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	case KindBool:
		_, err = strconv.ParseBool(strings.TrimSpace(v))
	case KindDuration:
		_, err = ParseDuration(v)
	case KindSize:
		_, err = ParseSize(v)
	}
	if err != nil {
		return fmt.Errorf("%w: %s = %q: %v", ErrOption, s.Name, v, err)
	}
	return nil
}

// String returns the option's value, or "" when absent.
func (o Options) String(key string) string { return o[key] }

// Has tells whether the option is set (or has a default).
func (o Options) Has(key string) bool { _, ok := o[key]; return ok }

// Int returns the option as an integer; 0 when absent.
func (o Options) Int(key string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(o[key]), 10, 64)
	return n
}

// Bool returns the option as a boolean; false when absent.
func (o Options) Bool(key string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(o[key]))
	return b
}

// Duration returns the option as a duration; 0 when absent.
func (o Options) Duration(key string) time.Duration {
	d, _ := ParseDuration(o[key])
	return d
}

// Size returns the option as a byte count; 0 when absent.
func (o Options) Size(key string) int64 {
	n, _ := ParseSize(o[key])
	return n
}

var intervalText = regexp.MustCompile(`(?i)^\s*(?:interval\s+)?'?\s*(\d+(?:\.\d+)?)\s*'?\s*(millisecond|second|minute|hour|day)s?\s*$`)

// ParseDuration reads a Go duration ("500ms", "2s", "5m"), SQL interval text
// ("'2' SECOND", "INTERVAL '1' MINUTE", "10 seconds") or a bare number of
// seconds ("60").
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(t, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(t); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return d, nil
	}
	m := intervalText.FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("not a duration: %q (use 500ms, 2s, 5m or '2' SECOND)", s)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{
		"millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute,
		"hour": time.Hour, "day": 24 * time.Hour,
	}[strings.ToLower(m[2])]
	return time.Duration(n * float64(unit)), nil
}

var sizeText = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$`)

// sizeUnits: a bare letter and the IEC forms (K, KiB, M, MiB, …) are powers
// of 1024; the SI forms with a B (KB, MB, GB, TB) powers of 1000. The
// planner's ParseSize reads sizes the same way (a test in cmd/eddy holds
// the two to it).
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gi": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "ti": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// ParseSize reads a byte size: "4096", "64K", "64KiB", "5M", "5MiB" (powers
// of 1024), "1GB", "64 MB" (powers of 1000).
func ParseSize(s string) (int64, error) {
	m := sizeText.FindStringSubmatch(s)
	if m != nil {
		mult, ok := sizeUnits[strings.ToLower(m[2])]
		n, err := strconv.ParseFloat(m[1], 64)
		if ok && err == nil && n*mult < math.MaxInt64 {
			return int64(n * mult), nil
		}
	}
	return 0, fmt.Errorf("not a byte size: %q (use 4096, 64K, 64MiB or 64MB)", s)
}
