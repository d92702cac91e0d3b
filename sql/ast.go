package sql

// This file holds Eddy's own syntax tree. The TiDB parser is an implementation
// detail of Parse; nothing outside this package sees its nodes.
//
// Names are already folded: an unquoted identifier is upper case, a
// double-quoted one is exactly as written. Every node carries Pos, the byte
// offset of its first character in the statement's Source text.

// Pos is a 0-based byte offset into a Source's text.
type Pos int

// Stmt is the part every statement shares: where it came from.
type Stmt struct {
	Src  *Source // the file the statement was read from
	At   Pos     // offset of the statement's first token
	Text string  // the statement's own text, without the trailing ';'
}

// Base returns the shared part of a statement.
func (s *Stmt) Base() *Stmt { return s }

// Statement is one parsed statement: *CreateStream, *CreatePump, *Insert,
// *SelectStatement, *CreateReport, *CreateFunction, *Drop, *Show,
// *Describe, *Explain, *Set, *RefreshTable or *PumpControl.
type Statement interface {
	Base() *Stmt
}

// ObjectKind names what DROP, SHOW and DESCRIBE act on.
type ObjectKind int

// The kinds of named objects.
const (
	KindStream ObjectKind = iota
	KindPump
	KindFunction
)

// CreateStream is CREATE [OR REPLACE] STREAM|TABLE name (columns) [WITH
// (options)].
type CreateStream struct {
	Stmt
	Name      string
	NamePos   Pos
	OrReplace bool
	// Table is set when the statement said TABLE: the planner makes it a
	// reference table when its connector reads a bounded object (Flink's
	// CREATE TABLE over Kafka stays a stream).
	Table   bool
	Columns []ColumnDef
	// Watermark is set by a WATERMARK FOR col AS expr clause in the column list.
	Watermark   *Watermark
	Options     []Option
	Description string
}

// ColumnDef is one column of CREATE STREAM.
type ColumnDef struct {
	Name    string
	Pos     Pos
	Type    Type
	NotNull bool
}

// Watermark is WATERMARK FOR Column AS Expr.
type Watermark struct {
	Column string
	Pos    Pos
	Expr   Expr
}

// Option is one key = 'value' pair of a WITH clause. Keys are lower case.
type Option struct {
	Key   string
	Value string
	Pos   Pos
}

// CreatePump is CREATE [OR REPLACE] PUMP name [DESCRIPTION '…'] [STOPPED]
// AS INSERT INTO ….
type CreatePump struct {
	Stmt
	Name      string
	NamePos   Pos
	OrReplace bool
	// Stopped is STOPPED: the pump is defined but does not run until START
	// PUMP.
	Stopped bool
	Insert  *Insert
}

// PumpControl is START PUMP name or STOP PUMP name (also spelled ALTER
// PUMP name START|STOP).
type PumpControl struct {
	Stmt
	Name    string
	NamePos Pos
	Start   bool
}

// Insert is INSERT INTO target [(columns)] query. On its own (Flink style) it
// runs as an unnamed pump.
type Insert struct {
	Stmt
	Target    string
	TargetPos Pos
	Columns   []Ident
	Query     *Query
}

// SelectStatement is an ad hoc SELECT [STREAM] query.
type SelectStatement struct {
	Stmt
	Query *Query
}

// CreateReport is CREATE [OR REPLACE] REPORT name SCHEDULE 'cron' | EVERY
// INTERVAL … AS query [WITH (options)]: a bounded query over retained
// stream history, run on a schedule.
type CreateReport struct {
	Stmt
	Name      string
	NamePos   Pos
	OrReplace bool
	// Cron is the SCHEDULE expression (e.g. '0 8 * * *', or with a
	// CRON_TZ=Europe/Paris prefix); empty when Every is set.
	Cron string
	// Every is the EVERY INTERVAL period; zero when Cron is set.
	Every   Interval
	Query   *Query
	Options []Option
}

// CreateFunction is CREATE [OR REPLACE] FUNCTION name (params) RETURNS
// type [options] RETURN expr: a scalar function written in SQL, which the
// planner inlines where it is called. The options KDA accepts (LANGUAGE SQL,
// SPECIFIC, [NOT] DETERMINISTIC, CONTAINS SQL, READS SQL DATA, NO SQL) are
// checked and dropped, except RETURNS NULL ON NULL INPUT.
type CreateFunction struct {
	Stmt
	Name      string
	NamePos   Pos
	OrReplace bool
	Params    []Param
	Returns   Type
	// NullOnNull is RETURNS NULL ON NULL INPUT: a NULL argument makes the
	// result NULL without evaluating Body. The default is CALLED ON NULL
	// INPUT.
	NullOnNull bool
	Body       Expr
}

// Param is one parameter of CREATE FUNCTION.
type Param struct {
	Name string
	Pos  Pos
	Type Type
}

// Drop is DROP STREAM|PUMP|FUNCTION [IF EXISTS] name.
type Drop struct {
	Stmt
	Kind     ObjectKind
	Name     string
	NamePos  Pos
	IfExists bool
}

// Show is SHOW STREAMS, SHOW PUMPS or SHOW FUNCTIONS.
type Show struct {
	Stmt
	Kind ObjectKind
}

// Describe is DESCRIBE name.
type Describe struct {
	Stmt
	Name    string
	NamePos Pos
}

// Explain is EXPLAIN statement.
type Explain struct {
	Stmt
	Target Statement
}

// Set is SET key = 'value' (or SET 'key' = 'value'). Keys are lower case.
type Set struct {
	Stmt
	Key   string
	Value string
}

// RefreshTable is REFRESH TABLE name: reload a reference table now.
type RefreshTable struct {
	Stmt
	Name    string
	NamePos Pos
}

// Ident is a folded identifier with its position.
type Ident struct {
	Name string
	Pos  Pos
}

// Query is one SELECT or several combined with UNION ALL.
type Query struct {
	Pos     Pos
	Selects []*Select // UNION ALL of these, in order; at least one
	OrderBy []OrderItem
	// Limit is LIMIT n after the whole query (nil: none).
	Limit *Limit
}

// Limit is LIMIT N; Pos is the position of N.
type Limit struct {
	Pos Pos
	N   int64
}

// Select is one SELECT block.
type Select struct {
	Pos      Pos
	Stream   bool // SELECT STREAM
	Distinct bool
	Items    []SelectItem
	From     TableExpr // nil when there is no FROM
	Where    Expr
	GroupBy  []Expr
	// Stagger is WINDOWED BY STAGGER (…), which takes the place of GROUP BY.
	Stagger *Stagger
	Having  Expr
	Windows []NamedWindow // the WINDOW clause
	OrderBy []OrderItem
	Emit    *Emit
}

// SelectItem is one item of a select list: an expression with an optional
// alias, or a star (optionally qualified: t.*).
type SelectItem struct {
	Pos       Pos
	Expr      Expr // nil for a star
	Alias     string
	Star      bool
	Qualifier string // for t.*
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Expr Expr
	Desc bool
}

// NamedWindow is WINDOW name AS (spec).
type NamedWindow struct {
	Name string
	Pos  Pos
	Spec *WindowSpec
}

// WindowSpec is the body of OVER (…) or of a named window.
type WindowSpec struct {
	Pos Pos
	// Ref names a window of the WINDOW clause (OVER w, or OVER (w …)).
	Ref         string
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *Frame // nil: the default frame
}

// Frame is ROWS n PRECEDING or RANGE INTERVAL … PRECEDING (the frame always
// ends at the current row in Eddy).
type Frame struct {
	Rows      bool  // ROWS; otherwise RANGE
	Unbounded bool  // UNBOUNDED PRECEDING
	N         int64 // ROWS: the number of preceding rows
	Range     Interval
	Pos       Pos
}

// Stagger is WINDOWED BY STAGGER (PARTITION BY … RANGE INTERVAL …).
type Stagger struct {
	Pos         Pos
	PartitionBy []Expr
	Range       Interval
}

// Emit is an EMIT clause.
type Emit struct {
	Pos Pos
	// Every is EMIT EVERY INTERVAL '…' (early, partial results); zero when unset.
	Every Interval
	// Mode is the text of other forms: "CHANGES", "ON WINDOW CLOSE", "AFTER WATERMARK", "FINAL".
	Mode string
}

// TableExpr is something a FROM clause reads: *TableRef, *SubqueryRef, *Join,
// *WindowTVF or *TableFunc.
type TableExpr interface {
	TablePos() Pos
}

// TableRef names a stream or a table.
type TableRef struct {
	Pos   Pos
	Name  string
	Alias string
	// AsOf is the time of Flink's FOR SYSTEM_TIME AS OF col (a column
	// reference), nil when absent.
	AsOf Expr
	// Over is KDA's window on a joined stream, `s OVER (RANGE INTERVAL …
	// PRECEDING) AS x` or `s OVER w` (Ref set), nil when absent.
	Over *WindowSpec
}

// SubqueryRef is (query) [AS alias [(columns)]].
type SubqueryRef struct {
	Pos   Pos
	Query *Query
	Alias string
	// Columns renames the query's columns in order: AS l(r). Empty when
	// the alias has no column list.
	Columns []Ident
}

// JoinKind is the kind of a join.
type JoinKind int

// Join kinds.
const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinCross
)

// Join is left JOIN right ON cond.
type Join struct {
	Pos         Pos
	Kind        JoinKind
	Left, Right TableExpr
	On          Expr
}

// WindowTVF is a Flink window table function:
// TABLE(TUMBLE|HOP|SESSION|CUMULATE(TABLE t [PARTITION BY …], DESCRIPTOR(col), args…)).
type WindowTVF struct {
	Pos         Pos
	Func        string // TUMBLE, HOP, SESSION or CUMULATE
	Table       *TableRef
	TimeCol     Ident
	PartitionBy []Expr
	Args        []Expr // the interval arguments, in order
	Alias       string
}

// TableFunc is another table function in FROM, such as KDA's
// TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM …), …)).
type TableFunc struct {
	Pos   Pos
	Name  string
	Args  []Expr
	Alias string
}

// TablePos returns the node's position.
func (t *TableRef) TablePos() Pos { return t.Pos }

// TablePos returns the node's position.
func (t *SubqueryRef) TablePos() Pos { return t.Pos }

// TablePos returns the node's position.
func (t *Join) TablePos() Pos { return t.Pos }

// TablePos returns the node's position.
func (t *WindowTVF) TablePos() Pos { return t.Pos }

// TablePos returns the node's position.
func (t *TableFunc) TablePos() Pos { return t.Pos }
