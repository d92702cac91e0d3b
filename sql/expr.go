package sql

// Expr is a scalar expression: *Literal, *ColumnRef, *FieldRef, *Unary, *Binary,
// *IsNull, *Between, *InList, *Like, *Case, *Cast, *Call or *SubqueryExpr.
type Expr interface {
	ExprPos() Pos
}

// LitKind is the kind of a literal.
type LitKind int

// Literal kinds.
const (
	LitNull LitKind = iota
	LitBool
	LitInt       // Text holds the digits, e.g. "42"
	LitDecimal   // Text holds the exact text, e.g. "0.908"
	LitFloat     // Text holds a float with an exponent, e.g. "1e3"
	LitString    // Text holds the unescaped value
	LitInterval  // Interval holds the value
	LitTimestamp // TIMESTAMP '…': Text holds the quoted text
	LitDate      // DATE '…'
	LitTime      // TIME '…'
)

// Literal is a constant.
type Literal struct {
	Pos      Pos
	Kind     LitKind
	Text     string
	Bool     bool
	Interval Interval
}

// Interval is a SQL interval value. Day-time intervals are held in
// milliseconds, year-month intervals in months; at most one is non-zero.
type Interval struct {
	Millis int64
	Months int64
}

// ColumnRef is [qualifier.]name.
type ColumnRef struct {
	Pos       Pos
	Qualifier string
	Name      string
}

// FieldRef is X.Field, a field of a row value (the result of a *_LOG_PARSE
// function): T.REC.COLUMN1 is FieldRef{X: T.REC, Field: COLUMN1}. A
// two-part name REC.COLUMN1 stays a ColumnRef; the planner reads it as a
// field when REC is a row-valued column and not a qualifier.
type FieldRef struct {
	Pos   Pos
	X     Expr
	Field string
}

// Unary is - x, + x or NOT x. Op is "-", "+" or "NOT".
type Unary struct {
	Pos Pos
	Op  string
	X   Expr
}

// Binary is L op R. Op is one of + - * / % || = <> < <= > >= AND OR.
type Binary struct {
	Pos  Pos
	Op   string
	L, R Expr
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	Pos Pos
	X   Expr
	Not bool
}

// Between is X [NOT] BETWEEN Lo AND Hi.
type Between struct {
	Pos    Pos
	X      Expr
	Lo, Hi Expr
	Not    bool
}

// InList is X [NOT] IN (List…).
type InList struct {
	Pos  Pos
	X    Expr
	List []Expr
	Not  bool
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape], or SIMILAR TO when Similar.
type Like struct {
	Pos     Pos
	X       Expr
	Pattern Expr
	Escape  Expr // nil when absent
	Not     bool
	Similar bool
}

// When is one WHEN … THEN … arm of a CASE.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is CASE [Operand] WHEN … THEN … [ELSE Else] END.
type Case struct {
	Pos     Pos
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil when absent
}

// Cast is CAST(X AS Type).
type Cast struct {
	Pos  Pos
	X    Expr
	Type Type
}

// Call is a function or aggregate call. Name is upper case.
//
// Special syntax is normalised to calls:
//   - COUNT(*) has Star set and no Args;
//   - FLOOR(x TO MINUTE), CEIL(x TO unit): Args [x], Unit "MINUTE";
//   - STEP(x BY INTERVAL '1' MINUTE): Args [x, interval literal];
//   - EXTRACT(HOUR FROM x): Args [x], Unit "HOUR";
//   - SUBSTRING(s FROM a [FOR b]): Args [s, a[, b]];
//   - POSITION(a IN b): Args [a, b];
//   - TRIM([LEADING|TRAILING|BOTH] [c] FROM s): Args [s[, c]], Unit the side ("BOTH" by default);
//   - CURRENT_TIMESTAMP, CURRENT_ROW_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP: no Args;
//   - TUMBLE/HOP/SESSION group windows and their _START/_END/_ROWTIME helpers
//     are ordinary calls with interval literal arguments;
//   - EXP_AVG(x, INTERVAL '10' SECOND) OVER w: Args [x, interval literal].
type Call struct {
	Pos      Pos
	Name     string
	Args     []Expr
	Distinct bool
	Star     bool
	Unit     string
	// IgnoreNulls is IGNORE NULLS after a window function's arguments
	// (RESPECT NULLS, the default, leaves it unset).
	IgnoreNulls bool
	Over        *WindowSpec // non-nil for name(…) OVER …
	// Filter is the condition of AGG(…) FILTER (WHERE Filter), nil when
	// absent; FilterPos is the offset of the FILTER keyword.
	Filter    Expr
	FilterPos Pos
}

// SubqueryExpr is a scalar or EXISTS subquery in an expression.
type SubqueryExpr struct {
	Pos    Pos
	Query  *Query
	Exists bool
}

// ExprPos returns the node's position.
func (e *Literal) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *ColumnRef) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *FieldRef) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Unary) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Binary) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *IsNull) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Between) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *InList) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Like) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Case) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Cast) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *Call) ExprPos() Pos { return e.Pos }

// ExprPos returns the node's position.
func (e *SubqueryExpr) ExprPos() Pos { return e.Pos }

// TypeKind is a SQL data type.
type TypeKind int

// SQL data types.
const (
	TypeBoolean TypeKind = iota
	TypeTinyInt
	TypeSmallInt
	TypeInteger
	TypeBigInt
	TypeReal
	TypeDouble
	TypeDecimal
	TypeChar
	TypeVarchar
	TypeTimestamp
	TypeDate
	TypeTime
	TypeVarbinary
)

// Type is a SQL type with its parameters.
type Type struct {
	Kind      TypeKind
	Length    int // CHAR/VARCHAR/VARBINARY length; 0 = unbounded
	Precision int // DECIMAL precision (default 19)
	Scale     int // DECIMAL scale
	Pos       Pos
}
