package planner

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// SettingParallelism is the setting of how many cores a job's sources
// decode on: SET parallelism = '4'. Default: GOMAXPROCS.
const SettingParallelism = "parallelism"

// parallelConnectors are the source connectors that decode on several
// cores and take the setting as their option parallelism.
var parallelConnectors = map[string]bool{"file": true}

// checkParallelism validates a parallelism value: a whole number ≥ 1.
func checkParallelism(k, v string) error {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 {
		return fmt.Errorf("%s = '%s': want a whole number of cores, at least 1", k, v)
	}
	return nil
}

// parallelism returns the parallelism setting, or GOMAXPROCS when unset.
func (s *Session) parallelism() int {
	if v, ok := s.settings[SettingParallelism]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 1 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0)
}

// parallelOptions passes the parallelism setting to a source connector
// that decodes in parallel, unless its options set parallelism already.
func (s *Session) parallelOptions(opts map[string]string) {
	if !parallelConnectors[strings.ToLower(opts["connector"])] {
		return
	}
	if _, set := opts["parallelism"]; !set {
		opts["parallelism"] = strconv.Itoa(s.parallelism())
	}
}
