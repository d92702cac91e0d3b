package planner

import (
	"context"
	"fmt"
	"io"
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
// GOMAXPROCS. Stream–stream equi-joins run on that many workers only when
// it is set (see joinWorkers).
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

// groupByWorkers returns how many workers a windowed GROUP BY of cfg
// runs on (window.NewParallelGroupBy; see partitionedWorkers): its rows are
// partitioned by the grouping keys, and session windows pay only from 4
// workers (window.ParallelPaysFrom).
func (s *Session) groupByWorkers(cfg window.Config) int {
	return s.partitionedWorkers(window.Parallelizable(cfg), window.ParallelPaysFrom(cfg))
}

// groupByWorkersText describes the workers of a windowed GROUP BY for
// EXPLAIN (see partitionedWorkersText).
func (s *Session) groupByWorkersText(n *Aggregate) string {
	cfg := window.Config{Keys: n.Keys, Assigner: n.Assigner, Emit: n.Emit}
	return s.partitionedWorkersText(window.Parallelizable(cfg), window.ParallelPaysFrom(cfg))
}

// partitionedWorkers returns how many workers an operator whose state can
// be partitioned by key (ok) runs on: the parallelism setting when that
// many workers pay (from paysFrom), else 1. A bounded query (a report)
// keeps one: its rows of equal ROWTIME then come out in the one order
// every machine gives, whatever its cores, so a report run again for the
// same time is the same document.
func (s *Session) partitionedWorkers(ok bool, paysFrom int) int {
	if !ok || s.cfg.Bounded {
		return 1
	}
	n := min(s.parallelism(), window.MaxWorkers)
	if n < paysFrom {
		return 1
	}
	return n
}

// partitionedWorkersText describes partitionedWorkers for EXPLAIN: " on N
// workers" when parallelism is set at or above where the workers pay, " on
// every core" when it is not set (the count depends on the machine; " on
// every core from N cores" when they pay only from N), "" when it runs on
// one goroutine.
func (s *Session) partitionedWorkersText(ok bool, paysFrom int) string {
	if !ok || s.cfg.Bounded {
		return ""
	}
	if _, set := s.settings[SettingParallelism]; !set {
		if paysFrom > 2 {
			return fmt.Sprintf(" on every core from %d cores", paysFrom)
		}
		return " on every core"
	}
	if w := s.partitionedWorkers(ok, paysFrom); w > 1 {
		return fmt.Sprintf(" on %d workers", w)
	}
	return ""
}

// joinWorkers returns how many workers a stream–stream join runs on
// (window.NewParallelJoin): the parallelism setting when it is set and the
// join has equi-join keys to partition its held rows by, else 1. Unlike a
// GROUP BY, a join does not take every core by default: measured with
// window's BenchmarkParallelJoin on two cores, two workers cost 15–25%
// more CPU per event than one goroutine (the output of each worker is
// merged, and each takes its own pieces of the other side's batches) and
// were slower, so it runs on several only when asked. A bounded query (a
// report) keeps one, as a GROUP BY does.
func (s *Session) joinWorkers(n *StreamJoin) int {
	if _, set := s.settings[SettingParallelism]; !set || len(n.LeftKeys) == 0 || s.cfg.Bounded {
		return 1
	}
	return min(s.parallelism(), window.MaxWorkers)
}

// joinWorkersText describes the workers of a stream–stream join for
// EXPLAIN: " on N workers" when it runs on several, else "".
func (s *Session) joinWorkersText(n *StreamJoin) string {
	if w := s.joinWorkers(n); w > 1 {
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
	StageBatches(newStage func() (func(context.Context, arrow.RecordBatch) (arrow.RecordBatch, func(), error), func(), error)) bool
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

// pushStages applies what a source's only reader does first, row by row,
// to op, the source's operator: the predicate pushed into its scan (pred)
// and then a projection fused into the source (proj, see fuseProject),
// either of which may be nil. They run on the source's workers when raw
// (the connector's source) can run them there, else as operators over op
// in the source task. It returns the operator to read and a description
// for EXPLAIN.
func (b *jobBuilder) pushStages(op exec.Operator, raw any, pump string, pred exec.Expr, proj *fusedProject) (exec.Operator, string, error) {
	if proj != nil {
		pump = proj.pump
	}
	env := b.env(pump, false)
	desc := ""
	if pred != nil {
		desc += " filter " + pred.String()
	}
	if proj != nil {
		desc += " project " + proj.text()
	}
	build := func(env exec.Env, in exec.Operator) (exec.Operator, error) {
		if pred != nil {
			f, err := exec.NewFilter(env, in, pred)
			if err != nil {
				return nil, err
			}
			in = f
		}
		if proj != nil {
			return exec.NewProject(env, in, proj.exprs, proj.names)
		}
		return in, nil
	}
	if st, ok := raw.(batchStager); ok && (pred == nil || stageable(pred)) && (proj == nil || proj.stageable()) {
		staged := st.StageBatches(func() (func(context.Context, arrow.RecordBatch) (arrow.RecordBatch, func(), error), func(), error) {
			// The worker's row errors wait for the source to deliver
			// their batch: workers finish out of order.
			held := &heldErrors{to: env.Errors}
			wenv := env
			wenv.Errors = held
			stage, end, err := exec.NewBatchStage(op.Schema(), env.Alloc, func(in exec.Operator) (exec.Operator, error) { return build(wenv, in) })
			if err != nil {
				return nil, nil, err
			}
			return func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, func(), error) {
				out, err := stage(ctx, b)
				return out, held.take(), err
			}, end, nil
		})
		if staged {
			return op, desc + stagedOn(raw), nil
		}
	}
	out, err := build(env, op)
	if err != nil {
		op.Close()
		return nil, "", err
	}
	return out, desc, nil
}

// heldErrors keeps the row errors a stage reports on a source's worker
// until the source delivers the batch they belong to.
type heldErrors struct {
	to   exec.ErrorSink
	recs []exec.ErrorRecord
}

func (h *heldErrors) ReportError(r exec.ErrorRecord) {
	if h.to != nil {
		h.recs = append(h.recs, r)
	}
}

// take returns a function reporting the errors held so far, in order, or
// nil when there are none.
func (h *heldErrors) take() func() {
	if len(h.recs) == 0 {
		return nil
	}
	recs := h.recs
	h.recs = nil
	return func() {
		for _, r := range recs {
			h.to.ReportError(r)
		}
	}
}

// fusedProject is a projection moved from a source stream's only reader
// into the source's task, where it can run on the source's workers.
type fusedProject struct {
	exprs []exec.Expr
	names []string
	from  *arrow.Schema // the source's schema
	pump  string        // the reader, which row errors name
}

func (p *fusedProject) text() string {
	parts := make([]string, len(p.exprs))
	for i, e := range p.exprs {
		parts[i] = e.String() + " AS " + p.names[i]
	}
	return strings.Join(parts, ", ")
}

func (p *fusedProject) stageable() bool {
	for _, e := range p.exprs {
		if !stageable(e) {
			return false
		}
	}
	return true
}

// fuseProject lowers a projection straight over the scan of a source
// stream that has no other reader, at parallelism above 1, when the
// stream's connector runs stages on its workers: the projection moves into
// the source task (pushStages), the stream carries its output, and the
// reader just subscribes. It returns ok false, changing nothing, for any
// other projection.
func (b *jobBuilder) fuseProject(n *Project, env exec.Env) (op exec.Operator, ok bool, err error) {
	scan, isScan := n.Input.(*Scan)
	if !isScan || n.Retime || b.live || b.s.parallelism() < 2 {
		return nil, false, nil
	}
	def := scan.Stream
	if b.readers[def.Name] != 1 || !b.s.isSourceStream(def) || !parallelConnectors[strings.ToLower(b.sourceOptions(def)["connector"])] {
		return nil, false, nil
	}
	for _, c := range def.Columns {
		if c.NotNull {
			return nil, false, nil // the guard reads the source's columns
		}
	}
	if b.fused == nil {
		b.fused = map[string]*fusedProject{}
	}
	if _, done := b.fused[def.Name]; done {
		return nil, false, nil
	}
	proj := &fusedProject{exprs: n.Exprs, names: make([]string, len(n.sc.fields)), from: b.streams[def.Name].Schema(), pump: env.Pump}
	for i, f := range n.sc.fields {
		proj.names[i] = f.Name
	}
	if !proj.stageable() {
		return nil, false, nil
	}
	// The projection's output schema, from an operator that reads nothing.
	old := b.streams[def.Name]
	probe, err := exec.NewProject(env, &schemaOnly{schema: old.Schema()}, proj.exprs, proj.names)
	if err != nil {
		return nil, true, err
	}
	schema := probe.Schema()
	probe.Close()
	if last := schema.Field(schema.NumFields() - 1); last.Name != exec.RowtimeColumn || last.Type.ID() != arrow.TIMESTAMP {
		// The source task reads event time from the last column.
		return nil, false, nil
	}
	st := exec.NewStream(def.Name, schema, b.s.cfg.QueueBatches)
	st.Track(b.tracker)
	b.streams[def.Name] = st
	b.fused[def.Name] = proj
	sub, err := st.Subscribe()
	return sub, true, err
}

// sourceOptions returns the connector options def's source opens with:
// its own, overridden by an input binding.
func (b *jobBuilder) sourceOptions(def *StreamDef) map[string]string {
	opts := connectorOptions(def.Options)
	if bound, ok := b.s.binding(b.s.inputs, def.Name); ok {
		for k, v := range bound {
			opts[k] = v
		}
	}
	return opts
}

// schemaOnly is an operator with a schema and no rows.
type schemaOnly struct{ schema *arrow.Schema }

func (s *schemaOnly) Schema() *arrow.Schema                           { return s.schema }
func (s *schemaOnly) Next(context.Context) (arrow.RecordBatch, error) { return nil, io.EOF }
func (s *schemaOnly) Close() error                                    { return nil }

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
