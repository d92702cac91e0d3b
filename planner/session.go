package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// Config is what a Session needs from its host (the CLI, the REPL, tests).
type Config struct {
	Connectors Connectors
	Functions  *exec.Functions
	Alloc      memory.Allocator
	Clock      func() time.Time
	// DefaultOutput are the destination options for a SELECT STREAM and
	// for a destination stream nobody bound: e.g. connector=stdout.
	DefaultOutput map[string]string
	// QueueBatches is the per-reader queue length of every stream.
	QueueBatches int
	// Rules is the optimizer's rule list; nil means DefaultRules.
	Rules []Rule
	// StateDir, when set, turns checkpoints on: every checkpoint_interval
	// (a SET setting, default 10s) the job's state, source positions and
	// destination output are recorded there, and Run resumes from the
	// newest complete checkpoint.
	StateDir string
	// Log receives notices about checkpoints and recovery.
	Log func(string)
	// Bounded declares that every source ends (reports over retained
	// history): a GROUP BY needs no time window and ORDER BY sorts the whole
	// result, both delivered when the input ends.
	Bounded bool
	// Drain makes a stop emit the windows still open (marked partial where
	// the output has is_partial) instead of keeping them for the next run
	// (eddy run --drain, Flink's stop-with-drain).
	Drain bool
}

// Session holds a catalog of streams and pumps built by statements, the
// bindings of streams to the outside, and the ad hoc queries to run.
// A Session is not safe for concurrent use.
type Session struct {
	cfg      Config
	cat      *catalog
	inputs   map[string]map[string]string
	outputs  map[string]map[string]string
	settings map[string]string
	queries  []*adhocQuery
	reports  map[string]*ReportDef
	ctx      context.Context
	// references are the --reference bindings of tables; handles the
	// tables a built job reads (for REFRESH TABLE).
	references map[string]map[string]string
	handles    map[string]*exec.TableHandle
	// funcs are the SQL functions of CREATE FUNCTION, by name (udf.go).
	funcs map[string]*sql.CreateFunction
}

// adhocQuery is a SELECT STREAM to run with the job.
type adhocQuery struct {
	name  string
	plan  Node
	src   *sql.Source
	at    sql.Pos    // the statement's start
	query *sql.Query // its SQL, where validation errors point
	sink  map[string]string
}

// Result is what executing a statement returns.
type Result struct {
	// Text is the output of SHOW, DESCRIBE and EXPLAIN, or a confirmation.
	Text string
	// Query is set for a SELECT STREAM: the name of its result.
	Query string
}

// NewSession returns an empty session.
func NewSession(cfg Config) *Session {
	if cfg.Functions == nil {
		cfg.Functions = exec.DefaultFunctions()
	}
	if cfg.Alloc == nil {
		cfg.Alloc = memory.NewGoAllocator()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.DefaultOutput == nil {
		cfg.DefaultOutput = map[string]string{"connector": "stdout"}
	}
	if cfg.Rules == nil {
		cfg.Rules = DefaultRules(cfg.Functions)
	}
	s := &Session{
		cfg: cfg, cat: newCatalog(),
		inputs: map[string]map[string]string{}, outputs: map[string]map[string]string{},
		settings: map[string]string{}, reports: map[string]*ReportDef{},
	}
	s.cat.streams[exec.ErrorStreamName] = errorStreamDef()
	return s
}

// BindInput binds the stream name to a source connector with options
// (they override the stream's WITH options).
func (s *Session) BindInput(name string, options map[string]string) {
	s.inputs[name] = options
}

// BindOutput binds the stream name to a destination with options.
func (s *Session) BindOutput(name string, options map[string]string) {
	s.outputs[name] = options
}

// Setting returns a value set with SET.
func (s *Session) Setting(key string) (string, bool) {
	v, ok := s.settings[key]
	return v, ok
}

// Exec executes one statement: DDL changes the catalog at once, a pump is
// planned (so its errors show now), a SELECT STREAM is planned and kept to
// run with the job.
func (s *Session) Exec(ctx context.Context, st sql.Statement) (*Result, error) {
	s.ctx = ctx
	src := st.Base().Src
	switch st := st.(type) {
	case *sql.CreateStream:
		if s.isTableDecl(st) {
			return s.createTable(st)
		}
		return s.createStream(st)
	case *sql.RefreshTable:
		return s.refreshTable(ctx, st)
	case *sql.CreatePump:
		res, err := s.createPump(st.Name, st.NamePos, st.OrReplace, st.Insert)
		if err == nil && st.Stopped {
			s.cat.pumps[st.Name].Stopped = true // a new definition, not shared yet
		}
		return res, err
	case *sql.PumpControl:
		return s.pumpControl(st)
	case *sql.Insert:
		return s.createPump(fmt.Sprintf("INSERT_%d", len(s.cat.order)+1), st.At, false, st)
	case *sql.SelectStatement:
		qp := &queryPlanner{s: s, b: s.binder(src), src: src}
		n, err := qp.query(st.Query)
		if err != nil {
			return nil, err
		}
		plan := s.optimize(n)
		if err := s.checkWindows(plan, src, st.At, st.Query); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("QUERY_%d", len(s.queries)+1)
		s.queries = append(s.queries, &adhocQuery{name: name, plan: plan, src: src, at: st.At, query: st.Query})
		return &Result{Query: name}, nil
	case *sql.CreateReport:
		return s.createReport(st)
	case *sql.CreateFunction:
		return s.createFunction(st)
	case *sql.Drop:
		return s.drop(st)
	case *sql.Show:
		return &Result{Text: s.show(st.Kind)}, nil
	case *sql.Describe:
		def, err := s.resolveStream(st.Name)
		if err != nil {
			return nil, src.Errorf(st.NamePos, "%v", err)
		}
		return &Result{Text: describe(def, s.isSourceStream(def))}, nil
	case *sql.Explain:
		return s.explain(ctx, st)
	case *sql.Set:
		return s.set(st)
	}
	return nil, fmt.Errorf("planner: unknown statement %T", st)
}

func (s *Session) createStream(st *sql.CreateStream) (*Result, error) {
	if strings.EqualFold(st.Name, exec.ErrorStreamName) {
		return nil, st.Src.Errorf(st.NamePos, "%s is the system error stream; choose another name", st.Name)
	}
	if _, ok := s.cat.tables[st.Name]; ok {
		return nil, st.Src.Errorf(st.NamePos, "%s is already a reference table", quoteIdent(st.Name))
	}
	if old, ok := s.cat.streams[st.Name]; ok {
		if !st.OrReplace {
			return nil, st.Src.Errorf(st.NamePos, "stream %s already exists", quoteIdent(st.Name))
		}
		for _, p := range s.cat.pumps {
			if p.Insert.Target == old.Name || readsStream(p, old.Name) {
				return nil, st.Src.Errorf(st.NamePos, "stream %s is used by pump %s; drop the pump first", quoteIdent(st.Name), quoteIdent(p.Name))
			}
		}
	}
	def := &StreamDef{Name: st.Name, Options: map[string]string{}, Watermark: st.Watermark, Decl: st}
	seen := map[string]bool{}
	for _, c := range st.Columns {
		if seen[c.Name] {
			return nil, st.Src.Errorf(c.Pos, "column %s is declared twice", quoteIdent(c.Name))
		}
		if c.Name == exec.RowtimeColumn {
			return nil, st.Src.Errorf(c.Pos, "ROWTIME is a system column; it cannot be declared")
		}
		seen[c.Name] = true
		col := Column{Name: c.Name, Type: ArrowType(c.Type), SQLType: TypeText(c.Type), NotNull: c.NotNull}
		if c.Type.Kind == sql.TypeChar || c.Type.Kind == sql.TypeVarchar {
			col.Length = c.Type.Length
		}
		def.Columns = append(def.Columns, col)
	}
	for _, o := range st.Options {
		def.Options[o.Key] = o.Value
	}
	if v, ok := def.Options[RetainOption]; ok && !positiveDuration(v) {
		return nil, st.Src.Errorf(st.At, "stream %s: retain = '%s': want a period such as '24 hours'", quoteIdent(st.Name), v)
	}
	if c := def.Connector(); c != "" && !s.cfg.Connectors.IsSource(c) && !s.cfg.Connectors.IsSink(c) {
		pos := st.At
		for _, o := range st.Options {
			if o.Key == "connector" {
				pos = o.Pos
			}
		}
		return nil, st.Src.Errorf(pos, "unknown connector %q", c)
	}
	s.cat.streams[st.Name] = def
	return &Result{Text: "CREATE STREAM " + quoteIdent(st.Name)}, nil
}

func readsStream(p *PumpDef, name string) bool {
	for _, n := range scannedStreams(p.plan) {
		if n == name {
			return true
		}
	}
	return false
}

func (s *Session) createPump(name string, pos sql.Pos, orReplace bool, ins *sql.Insert) (*Result, error) {
	src := ins.Src
	if _, ok := s.cat.pumps[name]; ok && !orReplace {
		return nil, src.Errorf(pos, "pump %s already exists", quoteIdent(name))
	}
	target, err := s.resolveStream(ins.Target)
	if err != nil {
		return nil, src.Errorf(ins.TargetPos, "%v", err)
	}
	if target.Name == exec.ErrorStreamName {
		return nil, src.Errorf(ins.TargetPos, "the error stream cannot be written by a pump")
	}
	qp := &queryPlanner{s: s, b: s.binder(src), src: src}
	n, err := qp.query(ins.Query)
	if err != nil {
		return nil, err
	}
	n, err = qp.insertInto(n, target, ins)
	if err != nil {
		return nil, err
	}
	plan := s.optimize(n)
	if err := s.checkPump(name, ins, plan); err != nil {
		return nil, err
	}
	if _, ok := s.cat.pumps[name]; !ok {
		s.cat.order = append(s.cat.order, name)
	}
	s.cat.pumps[name] = &PumpDef{Name: name, Insert: ins, plan: plan}
	return &Result{Text: "CREATE PUMP " + quoteIdent(name)}, nil
}

func (s *Session) drop(st *sql.Drop) (*Result, error) {
	switch st.Kind {
	case sql.KindFunction:
		return s.dropFunction(st)
	case sql.KindPump:
		if _, ok := s.cat.pumps[st.Name]; !ok {
			if st.IfExists {
				return &Result{Text: "DROP PUMP"}, nil
			}
			return nil, st.Src.Errorf(st.NamePos, "unknown pump %s", quoteIdent(st.Name))
		}
		delete(s.cat.pumps, st.Name)
		for i, n := range s.cat.order {
			if n == st.Name {
				s.cat.order = append(s.cat.order[:i:i], s.cat.order[i+1:]...)
				break
			}
		}
		return &Result{Text: "DROP PUMP " + quoteIdent(st.Name)}, nil
	default:
		def, ok := s.cat.lookupStream(st.Name)
		if !ok {
			if st.IfExists {
				return &Result{Text: "DROP STREAM"}, nil
			}
			return nil, st.Src.Errorf(st.NamePos, "unknown stream %s", quoteIdent(st.Name))
		}
		if def.Name == exec.ErrorStreamName {
			return nil, st.Src.Errorf(st.NamePos, "the error stream cannot be dropped")
		}
		for _, name := range s.cat.order {
			p := s.cat.pumps[name]
			if p.Insert.Target == def.Name || readsStream(p, def.Name) {
				return nil, st.Src.Errorf(st.NamePos, "stream %s is used by pump %s; drop the pump first", quoteIdent(def.Name), quoteIdent(name))
			}
		}
		delete(s.cat.streams, def.Name)
		return &Result{Text: "DROP STREAM " + quoteIdent(def.Name)}, nil
	}
}

// resolveStream finds a stream in the catalog or, when it is bound to an
// input but not declared, discovers its columns from the source.
func (s *Session) resolveStream(name string) (*StreamDef, error) {
	if def, ok := s.cat.lookupStream(name); ok {
		return def, nil
	}
	opts, bound := s.binding(s.inputs, name)
	if !bound {
		if other, ok := s.cat.similarStream(name); ok {
			return nil, fmt.Errorf("unknown stream %s (did you mean %s? quoted names are case-sensitive)", quoteIdent(name), quoteIdent(other))
		}
		return nil, fmt.Errorf("unknown stream %s", quoteIdent(name))
	}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cols, err := s.cfg.Connectors.DiscoverSource(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("stream %s: schema discovery: %w", quoteIdent(name), err)
	}
	def := &StreamDef{Name: name, Columns: cols, Options: map[string]string{}, Discovered: true}
	s.cat.streams[name] = def
	return def, nil
}

// binding finds name in bindings: exactly, then ignoring case.
func (s *Session) binding(b map[string]map[string]string, name string) (map[string]string, bool) {
	if o, ok := b[name]; ok {
		return o, true
	}
	for k, o := range b {
		if strings.EqualFold(k, name) {
			return o, true
		}
	}
	return nil, false
}

// isSourceStream tells whether def is fed from outside rather than by pumps.
func (s *Session) isSourceStream(def *StreamDef) bool {
	if _, ok := s.binding(s.inputs, def.Name); ok {
		return true
	}
	c := def.Connector()
	if c == "" || !s.cfg.Connectors.IsSource(c) {
		return false
	}
	for _, p := range s.cat.pumps {
		if p.Insert.Target == def.Name {
			return false
		}
	}
	return true
}

func (s *Session) show(kind sql.ObjectKind) string {
	if kind == sql.KindFunction {
		return s.showFunctions()
	}
	var b strings.Builder
	if kind == sql.KindPump {
		names := append([]string(nil), s.cat.order...)
		sort.Strings(names)
		for _, n := range names {
			p := s.cat.pumps[n]
			state := ""
			if p.Stopped {
				state = " (stopped)"
			}
			fmt.Fprintf(&b, "%s -> %s%s\n", quoteIdent(n), quoteIdent(p.Insert.Target), state)
		}
		return b.String()
	}
	for _, n := range s.cat.streamNames() {
		def := s.cat.streams[n]
		kind := "stream"
		switch {
		case def.Name == exec.ErrorStreamName:
			kind = "error stream"
		case s.isSourceStream(def):
			kind = "source"
		case def.Connector() != "":
			kind = "destination"
		}
		fmt.Fprintf(&b, "%s (%s)\n", quoteIdent(n), kind)
	}
	return b.String()
}

func describe(def *StreamDef, source bool) string {
	var b strings.Builder
	for _, c := range def.Columns {
		nn := ""
		if c.NotNull {
			nn = " NOT NULL"
		}
		fmt.Fprintf(&b, "%s %s%s\n", quoteIdent(c.Name), c.SQLType, nn)
	}
	if source {
		fmt.Fprintf(&b, "%s TIMESTAMP (system)\n", exec.ArrivalColumn)
	}
	fmt.Fprintf(&b, "%s TIMESTAMP (system)\n", exec.RowtimeColumn)
	if def.Decl != nil && def.Decl.Description != "" {
		fmt.Fprintf(&b, "DESCRIPTION '%s'\n", strings.ReplaceAll(def.Decl.Description, "'", "''"))
	}
	return b.String()
}

func typesEqual(a, b arrow.DataType) bool { return arrow.TypeEqual(a, b) }

// positiveDuration tells whether v reads as a duration above zero.
func positiveDuration(v string) bool {
	d, err := sql.ParseDuration(v)
	return err == nil && d > 0
}

// SetDrain sets Config.Drain: whether a stop emits the windows still open.
func (s *Session) SetDrain(on bool) { s.cfg.Drain = on }
