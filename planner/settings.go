package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/eddy-sql/eddy/sql"
)

// The settings the engine reads, set with SET key = 'value' (or eddy run
// --set key=value). Any other key is refused.
//
//	checkpoint_interval  how often checkpoints are taken (with a state
//	                     directory), a duration such as 10s; default 10s
//	max_state            the most bytes of window and aggregate state one
//	                     stateful operator may hold before its query stops
//	                     with ErrStateLimit; default: no per-operator limit
//	max_memory           the most bytes the whole process may hold (Go heap
//	                     and operator state) before the job stops with
//	                     ErrMemoryLimit; default 75% of the machine's memory
//	                     or of the cgroup limit, whichever is smaller
//	state_ttl            how far apart (in event time) the ROWTIMEs of two
//	                     rows of a join of two streams without a window or
//	                     a time condition may be and still match: what
//	                     bounds such a join's state; no default (the join
//	                     is refused)
//	max_windows_per_row  the most windows one row may belong to (HOP
//	                     size/slide, CUMULATE max/step); plans over it are
//	                     refused; default DefaultMaxWindowsPerRow
//	parallelism          how many cores a source decodes on (the file
//	                     connector) and keyed windowed GROUP BYs run on;
//	                     default GOMAXPROCS; stream–stream equi-joins
//	                     run on that many only when it is set
//
// Byte sizes are read by ParseSize: 64M = 64MiB = 64·2^20 bytes, 64MB =
// 64·10^6 bytes.
const (
	SettingCheckpointInterval = "checkpoint_interval"
	SettingMaxState           = "max_state"
	SettingMaxMemory          = "max_memory"
	SettingMaxWindowsPerRow   = "max_windows_per_row"
)

// settingCheck validates a setting's value; nil means valid.
type settingCheck func(key, value string) error

// knownSettings returns every setting key with the check of its value.
func knownSettings() map[string]settingCheck {
	size := func(k, v string) error {
		n, err := ParseSize(k, v)
		if err == nil && n <= 0 {
			return fmt.Errorf("%s = '%s': want a positive size; use %s", k, v, SizeForms)
		}
		return err
	}
	return map[string]settingCheck{
		SettingCheckpointInterval: func(k, v string) error {
			if !positiveDuration(v) {
				return fmt.Errorf("%s = '%s': want a positive duration such as 10s", k, v)
			}
			return nil
		},
		SettingMaxState: size,
		SettingStateTTL: func(k, v string) error {
			if !positiveDuration(v) {
				return fmt.Errorf("%s = '%s': want a positive duration such as 1h", k, v)
			}
			return nil
		},
		SettingMaxMemory:      size,
		MaxTableMemorySetting: size,
		SettingParallelism:    checkParallelism,
		SettingMaxWindowsPerRow: func(k, v string) error {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || n < 1 {
				return fmt.Errorf("%s = '%s': want a whole number of windows, at least 1", k, v)
			}
			return nil
		},
	}
}

// settingKeys returns the known keys, sorted.
func settingKeys() []string {
	var keys []string
	for k := range knownSettings() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// set checks and records a SET statement: an unknown key is an error at
// the key listing the known ones, an unreadable value one at the value.
func (s *Session) set(st *sql.Set) (*Result, error) {
	keyPos, valPos := setPositions(st)
	check, ok := knownSettings()[st.Key]
	if !ok {
		return nil, st.Src.Errorf(keyPos, "unknown setting %q; the settings are %s", st.Key, strings.Join(settingKeys(), ", "))
	}
	if err := check(st.Key, st.Value); err != nil {
		return nil, st.Src.Errorf(valPos, "%v", err)
	}
	s.settings[st.Key] = st.Value
	return &Result{Text: "SET " + st.Key}, nil
}

// setPositions finds the key and the value in the text of a SET statement
// (the statement keeps only its own start).
func setPositions(st *sql.Set) (key, value sql.Pos) {
	text := st.Text
	skip := func(i int) int {
		for i < len(text) && strings.ContainsRune(" \t\r\n", rune(text[i])) {
			i++
		}
		return i
	}
	k := skip(min(3, len(text))) // after SET
	v := k
	if i := strings.IndexByte(text[k:], '='); i >= 0 {
		v = skip(k + i + 1)
	} else if i := strings.Index(strings.ToUpper(text[k:]), " TO "); i >= 0 {
		v = skip(k + i + 4)
	}
	return st.At + sql.Pos(k), st.At + sql.Pos(v)
}
