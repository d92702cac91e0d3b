package planner

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/exec"
)

// SettingParallelism is the setting of how many cores a job's sources
// decode on: SET parallelism = '4'. Default: GOMAXPROCS.
const SettingParallelism = "parallelism"

// parallelConnectors are the source connectors that decode (file) or
// generate (generator, alias datagen) on several cores and take the
// setting as their option parallelism.
var parallelConnectors = map[string]bool{"file": true, "generator": true, "datagen": true}

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

// ParallelismOption is the option the planner adds for destinations: the
// parallelism setting, the cores a destination may encode a batch on
// (cmd turns it into sinks.Env.Parallelism).
const ParallelismOption = "eddy.parallelism"

// sinkOptions returns a destination's options with ParallelismOption.
func (s *Session) sinkOptions(options map[string]string) map[string]string {
	out := map[string]string{ParallelismOption: strconv.Itoa(s.parallelism())}
	for k, v := range options {
		out[k] = v
	}
	return out
}

// batchStager is a source that can run a stateless operator on each of
// its decoding workers (sources/file).
type batchStager interface {
	StageBatches(newStage func() (func(context.Context, arrow.RecordBatch) (arrow.RecordBatch, error), func(), error)) bool
}

// stageNamer is a batchStager that names, for EXPLAIN, the cores its
// workers run on ("generating"); others decode.
type stageNamer interface{ StageCores() string }

// stagedOn is EXPLAIN's note for an operator run on raw's workers.
func stagedOn(raw any) string {
	if n, ok := raw.(stageNamer); ok {
		return " (on every " + n.StageCores() + " core)"
	}
	return " (on every decoding core)"
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
			return op, desc + stagedOn(raw), nil
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
