package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// Reference tables: a CREATE TABLE whose connector reads a bounded object,
// or a name bound with --reference. A table is read to its end through the
// source connectors before the pumps start, hash-indexed on the keys the
// joins use, and swapped for a new version on refresh.

// RefreshOption is the table option giving the refresh period.
const RefreshOption = "refresh"

// MaxTableMemorySetting is the SET key bounding each table's memory (rows
// plus indexes); DefaultMaxTableMemory applies when it is unset.
const MaxTableMemorySetting = "max_table_memory"

// DefaultMaxTableMemory is 1 GiB, KDA's limit on a reference object.
const DefaultMaxTableMemory = 1 << 30

// ErrTableTooLarge is wrapped by the error of a table load over
// max_table_memory.
var ErrTableTooLarge = errors.New("table exceeds max_table_memory")

// tableConnectors are the connectors that make a CREATE TABLE a reference
// table (a CREATE TABLE over another connector is a stream, as in Flink).
var tableConnectors = map[string]bool{"file": true, "s3": true, "http": true}

// Versioner is implemented by Connectors that can tell the version of the
// object a source would read (an ETag, a modification time) without
// reading it; tables with a refresh period then reload only on change.
type Versioner interface {
	SourceVersion(ctx context.Context, options map[string]string) (string, error)
}

// BindReference binds the reference table name to a source connector with
// options (the same keys as CREATE TABLE's WITH clause, refresh included).
func (s *Session) BindReference(name string, options map[string]string) {
	if s.references == nil {
		s.references = map[string]map[string]string{}
	}
	s.references[name] = options
}

// isTableDecl tells whether a CREATE TABLE declares a reference table: no
// WATERMARK, not bound as an input, and bound with --reference or read
// through a bounded object connector (or given a refresh period).
func (s *Session) isTableDecl(st *sql.CreateStream) bool {
	if !st.Table || st.Watermark != nil {
		return false
	}
	if _, ok := s.binding(s.inputs, st.Name); ok {
		return false
	}
	if _, ok := s.binding(s.references, st.Name); ok {
		return true
	}
	opts := map[string]string{}
	for _, o := range st.Options {
		opts[o.Key] = o.Value
	}
	if _, ok := opts[RefreshOption]; ok {
		return true
	}
	return tableConnectors[opts["connector"]] && !strings.EqualFold(opts["follow"], "true")
}

// createTable executes CREATE TABLE for a reference table.
func (s *Session) createTable(st *sql.CreateStream) (*Result, error) {
	if _, ok := s.cat.streams[st.Name]; ok {
		return nil, st.Src.Errorf(st.NamePos, "%s is already a stream", quoteIdent(st.Name))
	}
	if _, ok := s.cat.tables[st.Name]; ok {
		if !st.OrReplace {
			return nil, st.Src.Errorf(st.NamePos, "table %s already exists", quoteIdent(st.Name))
		}
		for _, name := range s.cat.order {
			if readsTable(s.cat.pumps[name].plan, st.Name) {
				return nil, st.Src.Errorf(st.NamePos, "table %s is used by pump %s; drop the pump first", quoteIdent(st.Name), quoteIdent(name))
			}
		}
	}
	def := &TableDef{Name: st.Name, Options: map[string]string{}, Decl: st}
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
		if o.Key == RefreshOption && !positiveDuration(o.Value) {
			return nil, st.Src.Errorf(o.Pos, "table %s: refresh = '%s': want a period such as '5m'", quoteIdent(st.Name), o.Value)
		}
		if o.Key == "connector" && !s.cfg.Connectors.IsSource(o.Value) {
			return nil, st.Src.Errorf(o.Pos, "unknown connector %q", o.Value)
		}
	}
	s.cat.tables[st.Name] = def
	return &Result{Text: "CREATE TABLE " + quoteIdent(st.Name)}, nil
}

// resolveTable finds a reference table: declared, or bound with
// --reference (its columns then come from schema discovery).
func (s *Session) resolveTable(name string) (*TableDef, bool, error) {
	if def, ok := s.cat.tables[name]; ok {
		return def, true, nil
	}
	opts, bound := s.binding(s.references, name)
	if !bound {
		return nil, false, nil
	}
	if _, ok := s.cat.streams[name]; ok {
		return nil, false, nil
	}
	ctx := s.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cols, err := s.cfg.Connectors.DiscoverSource(ctx, sourceOptions(opts))
	if err != nil {
		return nil, true, fmt.Errorf("table %s: schema discovery: %w", quoteIdent(name), err)
	}
	def := &TableDef{Name: name, Columns: cols, Options: map[string]string{}, Discovered: true}
	s.cat.tables[name] = def
	return def, true, nil
}

// tableOptions are the options a table is loaded with: its WITH options,
// then its --reference binding.
func (s *Session) tableOptions(def *TableDef) map[string]string {
	opts := map[string]string{}
	for k, v := range def.Options {
		opts[k] = v
	}
	if bound, ok := s.binding(s.references, def.Name); ok {
		for k, v := range bound {
			opts[k] = v
		}
	}
	return opts
}

// sourceOptions drops the table's own options from opts, leaving the
// connector's.
func sourceOptions(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if k != RefreshOption {
			out[k] = v
		}
	}
	return out
}

// refreshPeriod returns the table's refresh period (0: loaded once).
func refreshPeriod(opts map[string]string) (time.Duration, error) {
	v, ok := opts[RefreshOption]
	if !ok {
		return 0, nil
	}
	d, err := sql.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("refresh = '%s': want a period such as '5m'", v)
	}
	return d, nil
}

// tableScope is the columns of a table, qualified by qual.
func tableScope(def *TableDef, qual string) *scope {
	sc := &scope{}
	for _, c := range def.Columns {
		sc.fields = append(sc.fields, field{Name: c.Name, Quals: []string{qual}, Type: c.Type, Length: c.Length})
	}
	return sc
}

// maxTableMemory reads SET max_table_memory (a size, see ParseSize).
func (s *Session) maxTableMemory() (int64, error) {
	v, ok := s.settings[MaxTableMemorySetting]
	if !ok {
		return DefaultMaxTableMemory, nil
	}
	n, err := ParseSize(MaxTableMemorySetting, v)
	if err == nil && n <= 0 {
		err = fmt.Errorf("%s = '%s': want a positive size; use %s", MaxTableMemorySetting, v, SizeForms)
	}
	return n, err
}

// tableHandle returns the job's handle of def, creating and loading it the
// first time (and again when every reader of a live session closed it).
func (b *jobBuilder) tableHandle(def *TableDef, keys []int) (*exec.TableHandle, error) {
	if b.tables == nil {
		b.tables = map[string]*tableEntry{}
	}
	e, ok := b.tables[def.Name]
	if !ok {
		var err error
		if e, err = b.newTableEntry(def); err != nil {
			return nil, err
		}
		b.tables[def.Name] = e
		b.s.setHandle(def.Name, e.handle)
	}
	e.keySets = appendKeySet(e.keySets, keys)
	cur := e.handle.Acquire()
	if cur != nil {
		_, indexed := cur.Index(keys)
		cur.Release()
		if indexed {
			return e.handle, nil
		}
	}
	ctx := b.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if err := e.handle.Refresh(ctx); err != nil {
		return nil, err
	}
	return e.handle, nil
}

// tableEntry is a table a job reads: its handle and the key sets indexed.
type tableEntry struct {
	handle  *exec.TableHandle
	keySets [][]int
}

func appendKeySet(sets [][]int, keys []int) [][]int {
	for _, s := range sets {
		if fmt.Sprint(s) == fmt.Sprint(keys) {
			return sets
		}
	}
	return append(sets, append([]int(nil), keys...))
}

// newTableEntry makes the handle of def: loading reads the object through
// its source connector; reload failures go to the error stream.
func (b *jobBuilder) newTableEntry(def *TableDef) (*tableEntry, error) {
	s := b.s
	opts := s.tableOptions(def)
	period, err := refreshPeriod(opts)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", quoteIdent(def.Name), err)
	}
	limit, err := s.maxTableMemory()
	if err != nil {
		return nil, err
	}
	srcOpts := sourceOptions(opts)
	if strings.EqualFold(srcOpts["follow"], "true") {
		return nil, fmt.Errorf("table %s: follow = true never ends; a table is read to its end", quoteIdent(def.Name))
	}
	e := &tableEntry{}
	rowSchema := tableScope(def, def.Name).schema()
	errs := b.errSink
	clock := s.cfg.Clock
	loader := exec.TableLoader{
		Interval: period,
		Load: func(ctx context.Context) (*exec.LookupTable, error) {
			version := ""
			if v, ok := s.cfg.Connectors.(Versioner); ok {
				version, _ = v.SourceVersion(ctx, srcOpts)
			}
			return b.loadTable(ctx, def, rowSchema, srcOpts, e.keySets, limit, version)
		},
		OnError: func(err error) {
			errs.ReportError(exec.ErrorRecord{
				Time: clock(), Level: "ERROR", Name: "RUNTIME", Stream: def.Name,
				Message: fmt.Sprintf("reload failed, the previous version stays in use: %v", err),
			})
		},
	}
	if v, ok := s.cfg.Connectors.(Versioner); ok {
		loader.Version = func(ctx context.Context) (string, error) { return v.SourceVersion(ctx, srcOpts) }
	}
	e.handle = exec.NewTableHandle(def.Name, rowSchema, loader)
	return e, nil
}

// loadTable reads def's object to its end and builds a table version
// indexed on keySets, within limit bytes.
func (b *jobBuilder) loadTable(ctx context.Context, def *TableDef, rowSchema *arrow.Schema, opts map[string]string, keySets [][]int, limit int64, version string) (*exec.LookupTable, error) {
	srcDef := &StreamDef{Name: def.Name, Columns: def.Columns}
	schema := streamScope(srcDef, true).schema()
	opened, err := b.s.cfg.Connectors.OpenSource(ctx, def.Name, schema, opts, b.errSink)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer opened.Op.Close()
	ncols := len(def.Columns)
	var parts [][]arrow.Array
	release := func() {
		for _, p := range parts {
			for _, a := range p {
				a.Release()
			}
		}
	}
	var size int64
	for {
		batch, err := opened.Op.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			release()
			return nil, fmt.Errorf("read: %w", err)
		}
		cols := make([]arrow.Array, ncols)
		for i := range cols {
			cols[i] = batch.Column(i)
			cols[i].Retain()
		}
		batch.Release()
		parts = append(parts, cols)
		for _, c := range cols {
			size += exec.ArrayBytes(c)
		}
		if size > limit {
			release()
			return nil, fmt.Errorf("%w: more than %d bytes read, %s is %d", ErrTableTooLarge, size, MaxTableMemorySetting, limit)
		}
	}
	rec, err := concatParts(b.s.cfg.Alloc, rowSchema, parts)
	release()
	if err != nil {
		return nil, err
	}
	t, err := exec.NewLookupTable(rec, keySets, version)
	if err != nil {
		return nil, err
	}
	if t.Bytes() > limit {
		n := t.Bytes()
		t.Release()
		return nil, fmt.Errorf("%w: %d bytes with indexes, %s is %d", ErrTableTooLarge, n, MaxTableMemorySetting, limit)
	}
	return t, nil
}

// concatParts joins the column chunks into one batch of schema.
func concatParts(mem memory.Allocator, schema *arrow.Schema, parts [][]arrow.Array) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for i, f := range schema.Fields() {
		var chunks []arrow.Array
		for _, p := range parts {
			chunks = append(chunks, p[i])
		}
		var err error
		if len(chunks) == 0 {
			cols[i] = array.MakeArrayOfNull(mem, f.Type, 0)
		} else if cols[i], err = array.Concatenate(chunks, mem); err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, fmt.Errorf("concatenate: %w", err)
		}
		rows = int64(cols[i].Len())
	}
	rec := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// readsTable tells whether plan n looks up table name.
func readsTable(n Node, name string) bool {
	if j, ok := n.(*LookupJoin); ok && j.Table.Name == name {
		return true
	}
	for _, c := range n.Inputs() {
		if readsTable(c, name) {
			return true
		}
	}
	return false
}

// setHandle remembers the running handle of a table, for REFRESH TABLE.
func (s *Session) setHandle(name string, h *exec.TableHandle) {
	if s.handles == nil {
		s.handles = map[string]*exec.TableHandle{}
	}
	s.handles[name] = h
}

// refreshTable executes REFRESH TABLE: reload now when a job reads the
// table; otherwise it loads when the job starts.
func (s *Session) refreshTable(ctx context.Context, st *sql.RefreshTable) (*Result, error) {
	def, ok, err := s.resolveTable(st.Name)
	if err != nil {
		return nil, st.Src.Errorf(st.NamePos, "%v", err)
	}
	if !ok {
		return nil, st.Src.Errorf(st.NamePos, "unknown table %s", quoteIdent(st.Name))
	}
	h, running := s.handles[def.Name]
	if !running {
		return &Result{Text: "REFRESH TABLE " + quoteIdent(def.Name) + ": not loaded yet; it loads when a query reads it"}, nil
	}
	if err := h.Refresh(ctx); err != nil {
		return nil, st.Src.Errorf(st.NamePos, "%v (the previous version stays in use)", err)
	}
	cur := h.Acquire()
	rows := int64(0)
	if cur != nil {
		rows = cur.Rows()
		cur.Release()
	}
	return &Result{Text: fmt.Sprintf("REFRESH TABLE %s: %d rows", quoteIdent(def.Name), rows)}, nil
}
