package planner

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// SettingParallelism is the setting of how many cores a job's sources
// decode on and its keyed windowed GROUP BYs run on (one worker per core,
// each owning the groups of its keys): SET parallelism = '4'. Default:
// GOMAXPROCS.
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

// groupByWorkers returns how many workers a windowed GROUP BY of cfg
// runs on (window.NewParallelGroupBy): the parallelism setting when the
// group-by can be partitioned by its keys, else 1.
func (s *Session) groupByWorkers(cfg window.Config) int {
	if !window.Parallelizable(cfg) {
		return 1
	}
	return min(s.parallelism(), window.MaxWorkers)
}

// groupByWorkersText describes the workers of a windowed GROUP BY for
// EXPLAIN: " on N workers" when parallelism is set above 1, " on every
// core" when it is not set (the count depends on the machine), "" when it
// runs on one goroutine.
func (s *Session) groupByWorkersText(n *Aggregate) string {
	cfg := window.Config{Keys: n.Keys, Assigner: n.Assigner, Emit: n.Emit}
	if !window.Parallelizable(cfg) {
		return ""
	}
	if _, set := s.settings[SettingParallelism]; !set {
		return " on every core"
	}
	if w := s.groupByWorkers(cfg); w > 1 {
		return fmt.Sprintf(" on %d workers", w)
	}
	return ""
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

// batchStager is a source that can run a stateless operator on each of
// its decoding workers (sources/file).
type batchStager interface {
	StageBatches(newStage func() (func(context.Context, arrow.RecordBatch) (arrow.RecordBatch, error), func(), error)) bool
}

// orderDependent lists functions whose results depend on the order rows
// are evaluated in: a predicate calling one is not run on several workers.
var orderDependent = []string{"RAND("}

// pushFilter applies the predicate pushed into a source's only reader to
// op, the source's operator: on the source's decoding workers when raw
// (the connector's source) can run it there, else as a filter over op.
// It returns the operator to read and a description for EXPLAIN.
func (b *jobBuilder) pushFilter(op exec.Operator, raw any, pump string, pred exec.Expr) (exec.Operator, string, error) {
	desc := " filter " + pred.String()
	if st, ok := raw.(batchStager); ok && stageable(pred) {
		env := b.env(pump, false)
		staged := st.StageBatches(func() (func(context.Context, arrow.RecordBatch) (arrow.RecordBatch, error), func(), error) {
			return exec.NewBatchStage(op.Schema(), env.Alloc, func(in exec.Operator) (exec.Operator, error) {
				return exec.NewFilter(env, in, pred)
			})
		})
		if staged {
			return op, desc + " (on every decoding core)", nil
		}
	}
	f, err := exec.NewFilter(b.env(pump, false), op, pred)
	if err != nil {
		op.Close()
		return nil, "", err
	}
	return f, desc, nil
}

// stageable tells whether pred may run on several workers at once.
func stageable(pred exec.Expr) bool {
	s := strings.ToUpper(pred.String())
	for _, f := range orderDependent {
		if strings.Contains(s, f) {
			return false
		}
	}
	return true
}
