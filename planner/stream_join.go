package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// SettingStateTTL bounds the state of a join of two streams that has no
// window and no time condition: rows match only when their ROWTIMEs are at
// most this far apart, so each row is kept that long (in event time).
const SettingStateTTL = "state_ttl"

// StreamJoin joins two streams. Rows match when their keys are equal, the
// residual holds and their event times are within bounds: Lower ≤ l − r ≤
// Upper. Its columns are the left input's, then the right's (each without
// ROWTIME), then ROWTIME, the later of the two rows' (see window.NewJoin).
type StreamJoin struct {
	Left, Right Node
	Kind        window.JoinKind
	// LeftKeys and RightKeys are the equi-join keys over each input.
	LeftKeys, RightKeys []exec.Expr
	// Residual is the rest of the condition over the joined columns; nil
	// when none.
	Residual exec.Expr
	// LeftTime and RightTime are the event-time columns ("" : ROWTIME).
	LeftTime, RightTime string
	Lower, Upper        time.Duration
	// KeyText, ResidualText and BoundText say what the user wrote; BoundText
	// also says where the bounds come from (windows, a time condition,
	// state_ttl).
	KeyText, ResidualText, BoundText string
	sc                               *scope
}

// Scope returns the left columns, the right columns and ROWTIME.
func (n *StreamJoin) Scope() *scope { return n.sc }

// Inputs returns the two streams.
func (n *StreamJoin) Inputs() []Node { return []Node{n.Left, n.Right} }

// Describe returns the EXPLAIN line: kind, keys, residual, time bounds and
// how long rows are retained.
func (n *StreamJoin) Describe() string {
	s := "StreamJoin " + n.Kind.String()
	if n.KeyText != "" {
		s += " keys: " + n.KeyText
	} else {
		s += " keys: none"
	}
	if n.ResidualText != "" {
		s += " residual: " + n.ResidualText
	}
	return s + " " + n.retention()
}

// retention describes the time bounds and the state they imply.
func (n *StreamJoin) retention() string {
	lt, rt := "ROWTIME", "ROWTIME"
	if n.LeftTime != "" {
		lt = n.LeftTime
	}
	if n.RightTime != "" {
		rt = n.RightTime
	}
	return fmt.Sprintf("time: %s ≤ left.%s − right.%s ≤ %s (%s) retention: left rows %s, right rows %s after the other side's watermark",
		fmtBound(n.Lower), lt, rt, fmtBound(n.Upper), n.BoundText, fmtBound(-n.Lower), fmtBound(n.Upper))
}

func fmtBound(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return d.String()
}

// streamJoin plans a join of two streams: a window on either side (KDA),
// a time condition between the two sides' time columns (Flink's interval
// join, or an equality of window bounds: a window join), or state_ttl.
func (q *queryPlanner) streamJoin(t *sql.Join) (Node, error) {
	t = &sql.Join{Pos: t.Pos, Kind: t.Kind, Left: windowAlias(t.Left), Right: windowAlias(t.Right), On: t.On}
	left, err := q.from(t.Left)
	if err != nil {
		return nil, err
	}
	right, err := q.from(t.Right)
	if err != nil {
		return nil, err
	}
	lw, err := q.joinWindow(t.Left)
	if err != nil {
		return nil, err
	}
	rw, err := q.joinWindow(t.Right)
	if err != nil {
		return nil, err
	}
	var kind window.JoinKind
	switch t.Kind {
	case sql.JoinLeft:
		kind = window.JoinLeft
	case sql.JoinRight:
		kind = window.JoinRight
	case sql.JoinFull:
		kind = window.JoinFull
	case sql.JoinCross:
		if t.On == nil {
			return nil, q.errorf(t.Right.TablePos(), "a join of two streams needs a condition: JOIN … ON, or FROM a, b WHERE with an equality of the two sides")
		}
	}
	ls, rs := left.Scope(), right.Scope()
	joined := &scope{}
	var quals []string
	for _, sc := range []*scope{ls, rs} {
		for _, f := range sc.fields {
			if f.Name == exec.RowtimeColumn {
				quals = append(quals, f.Quals...)
				continue
			}
			joined.fields = append(joined.fields, f)
		}
	}
	joined.fields = append(joined.fields, field{Name: exec.RowtimeColumn, Type: exec.TimestampType, Hidden: true, Quals: quals})
	n := &StreamJoin{Left: left, Right: right, Kind: kind, sc: joined}
	var keyTexts, restTexts []string
	var rest []exec.Expr
	var tb timeBounds
	var eqTime []sql.Expr // equalities of two sides' timestamp columns
	for _, c := range conjuncts(t.On) {
		if c == nil {
			continue
		}
		if lk, rk, ok, err := q.streamEquiKey(c, ls, rs); err != nil {
			return nil, err
		} else if ok {
			if lw == nil && rw == nil && isTimestampColumn(lk) && isTimestampColumn(rk) && len(eqTime) == 0 {
				eqTime = append(eqTime, c)
				continue
			}
			n.LeftKeys = append(n.LeftKeys, lk)
			n.RightKeys = append(n.RightKeys, rk)
			keyTexts = append(keyTexts, sql.FormatExpr(c))
			continue
		}
		if lw == nil && rw == nil && q.timeBound(c, ls, rs, &tb) {
			continue
		}
		e, err := q.b.expr(c, joined)
		if err != nil {
			return nil, err
		}
		if e.DataType().ID() != arrow.BOOL {
			return nil, q.errorf(c.ExprPos(), "join condition must be BOOLEAN, not %s", SQLTypeOf(e.DataType()))
		}
		rest = append(rest, e)
		restTexts = append(restTexts, sql.FormatExpr(c))
	}
	switch {
	case lw != nil || rw != nil:
		var parts []string
		if lw != nil {
			n.Lower = -*lw
			parts = append(parts, "left window RANGE "+lw.String()+" PRECEDING")
		}
		if rw != nil {
			n.Upper = *rw
			parts = append(parts, "right window RANGE "+rw.String()+" PRECEDING")
		}
		n.BoundText = strings.Join(parts, ", ")
	case tb.hasLo && tb.hasHi:
		if tb.lo > tb.hi {
			return nil, q.errorf(t.On.ExprPos(), "the time condition of the join admits no pair: %s ≤ left − right ≤ %s", tb.lo, tb.hi)
		}
		n.Lower, n.Upper, n.LeftTime, n.RightTime = tb.lo, tb.hi, tb.lcol, tb.rcol
		n.BoundText = "interval join: " + strings.Join(tb.texts, " AND ")
	case len(eqTime) > 0:
		b := eqTime[0].(*sql.Binary)
		lc, rc := q.sideColumn(b.L, ls, rs), q.sideColumn(b.R, ls, rs)
		if lc.side == 1 {
			lc, rc = rc, lc
		}
		n.LeftTime, n.RightTime = lc.name, rc.name
		n.BoundText = "window join: " + sql.FormatExpr(eqTime[0])
	default:
		ttl, ok, err := q.s.stateTTL()
		if err != nil {
			return nil, q.errorf(t.Pos, "%v", err)
		}
		if !ok {
			pos := t.Right.TablePos()
			if t.On != nil {
				pos = t.On.ExprPos()
			}
			return nil, q.errorf(pos, "a join of two streams must bound its state: put a window on a side (FROM a OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS x JOIN b …), "+
				"bound the two sides' times (a.ts BETWEEN b.ts - INTERVAL '1' HOUR AND b.ts), or SET %s = '1h'", SettingStateTTL)
		}
		n.Lower, n.Upper = -ttl, ttl
		n.BoundText = fmt.Sprintf("%s = %s", SettingStateTTL, ttl)
	}
	for _, r := range rest {
		if n.Residual == nil {
			n.Residual = r
			continue
		}
		if n.Residual, err = q.b.call(t.On.ExprPos(), "and", n.Residual, r); err != nil {
			return nil, err
		}
	}
	n.KeyText = strings.Join(keyTexts, " AND ")
	n.ResidualText = strings.Join(restTexts, " AND ")
	return n, nil
}

// joinWhere returns the FROM and WHERE of s, with the WHERE of a comma
// join (FROM a, b WHERE a.k = b.k AND …) moved into the join as its ON
// condition, and the WHERE of an inner join of two streams added to its ON
// (the same rows; a time condition in WHERE then bounds the join).
func (q *queryPlanner) joinWhere(s *sql.Select) (sql.TableExpr, sql.Expr) {
	j, ok := s.From.(*sql.Join)
	switch {
	case !ok || s.Where == nil:
		return s.From, s.Where
	case j.Kind == sql.JoinCross && j.On == nil:
		return &sql.Join{Pos: j.Pos, Kind: sql.JoinInner, Left: j.Left, Right: j.Right, On: s.Where}, nil
	case j.Kind == sql.JoinInner && j.On != nil:
		if ref, isRef := j.Right.(*sql.TableRef); isRef {
			if _, isTable, _ := q.s.resolveTable(ref.Name); isTable || ref.AsOf != nil {
				return s.From, s.Where
			}
		}
		on := &sql.Binary{Pos: s.Where.ExprPos(), Op: "AND", L: j.On, R: s.Where}
		return &sql.Join{Pos: j.Pos, Kind: sql.JoinInner, Left: j.Left, Right: j.Right, On: on}, nil
	}
	return s.From, s.Where
}

// windowAlias gives a stream joined with a named window and no alias the
// window's name as its alias, as KDA does (JOIN TradeStream OVER t … ON
// o.orderId = t.orderId … WINDOW t AS (…)).
func windowAlias(t sql.TableExpr) sql.TableExpr {
	ref, ok := t.(*sql.TableRef)
	if !ok || ref.Over == nil || ref.Over.Ref == "" || ref.Alias != "" {
		return t
	}
	c := *ref
	c.Alias = ref.Over.Ref
	return &c
}

// joinWindow reads KDA's window on a joined stream: the RANGE of `s OVER
// (RANGE INTERVAL … PRECEDING)` or of a named window; nil when none.
func (q *queryPlanner) joinWindow(t sql.TableExpr) (*time.Duration, error) {
	ref, ok := t.(*sql.TableRef)
	if !ok || ref.Over == nil {
		return nil, nil
	}
	spec := ref.Over
	if spec.Frame == nil && spec.Ref != "" {
		named, ok := q.windows[spec.Ref]
		if !ok {
			return nil, q.errorf(spec.Pos, "window %s is not defined in the WINDOW clause", quoteIdent(spec.Ref))
		}
		spec = named
	}
	f := spec.Frame
	switch {
	case len(spec.PartitionBy) > 0 || len(spec.OrderBy) > 0:
		return nil, q.errorf(spec.Pos, "a window on a joined stream takes only RANGE INTERVAL … PRECEDING, not PARTITION BY or ORDER BY")
	case f == nil || f.Unbounded:
		return nil, q.errorf(spec.Pos, "a window on a joined stream must be bounded: RANGE INTERVAL … PRECEDING")
	case f.Rows:
		return nil, q.errorf(f.Pos, "ROWS windows on a joined stream are not supported: use RANGE INTERVAL … PRECEDING")
	case f.Range.Months != 0:
		return nil, q.errorf(f.Pos, "a join window must be a day-time interval")
	}
	d := time.Duration(f.Range.Millis) * time.Millisecond
	return &d, nil
}

// streamEquiKey recognizes left-expression = right-expression (either way
// round), casting integer or string keys of different widths alike.
func (q *queryPlanner) streamEquiKey(c sql.Expr, ls, rs *scope) (exec.Expr, exec.Expr, bool, error) {
	b, ok := c.(*sql.Binary)
	if !ok || b.Op != "=" {
		return nil, nil, false, nil
	}
	for _, side := range [][2]sql.Expr{{b.L, b.R}, {b.R, b.L}} {
		if !onlyScope(side[0], ls) || !onlyScope(side[1], rs) {
			continue
		}
		lk, err := q.b.expr(side[0], ls)
		if err != nil {
			return nil, nil, false, err
		}
		rk, err := q.b.expr(side[1], rs)
		if err != nil {
			return nil, nil, false, err
		}
		if !typesEqual(lk.DataType(), rk.DataType()) {
			if !keyCastable(lk, field{Type: rk.DataType()}) {
				return nil, nil, false, q.errorf(b.Pos, "join key types differ: %s is %s, %s is %s", sql.FormatExpr(side[0]), SQLTypeOf(lk.DataType()), sql.FormatExpr(side[1]), SQLTypeOf(rk.DataType()))
			}
			to := exec.Expr(rk)
			if lk.DataType().ID() == arrow.INT64 || lk.DataType().ID() == arrow.STRING {
				to = lk
			}
			if lk, err = exec.Cast(lk, to.DataType()); err != nil {
				return nil, nil, false, q.errorf(b.Pos, "%v", err)
			}
			if rk, err = exec.Cast(rk, to.DataType()); err != nil {
				return nil, nil, false, q.errorf(b.Pos, "%v", err)
			}
		}
		return lk, rk, true, nil
	}
	return nil, nil, false, nil
}

// onlyScope tells whether e names columns and only columns that resolve
// in sc.
func onlyScope(e sql.Expr, sc *scope) bool {
	ok, any := true, false
	walkExpr(e, func(x sql.Expr) {
		if r, isRef := x.(*sql.ColumnRef); isRef {
			any = true
			if _, err := sc.resolve(r.Qualifier, r.Name); err != nil {
				ok = false
			}
		}
	})
	return ok && any
}

// isTimestampColumn tells whether e is a bare TIMESTAMP column.
func isTimestampColumn(e exec.Expr) bool {
	return e.DataType().ID() == arrow.TIMESTAMP && !strings.ContainsAny(e.String(), "( ")
}

// timeBounds gathers conditions l − r within [lo, hi] on one pair of time
// columns.
type timeBounds struct {
	lo, hi       time.Duration
	hasLo, hasHi bool
	lcol, rcol   string
	texts        []string
}

// sideCol is a timestamp column of one side, plus an interval.
type sideCol struct {
	side int // 0 left, 1 right, −1 not a time term
	name string
	off  time.Duration
}

// sideColumn reads col, col + INTERVAL … or col − INTERVAL … where col is
// a TIMESTAMP column of exactly one side.
func (q *queryPlanner) sideColumn(e sql.Expr, ls, rs *scope) sideCol {
	switch x := e.(type) {
	case *sql.ColumnRef:
		li, lerr := ls.resolve(x.Qualifier, x.Name)
		ri, rerr := rs.resolve(x.Qualifier, x.Name)
		switch {
		case lerr == nil && rerr != nil && ls.fields[li].Type.ID() == arrow.TIMESTAMP:
			return sideCol{side: 0, name: ls.fields[li].Name}
		case rerr == nil && lerr != nil && rs.fields[ri].Type.ID() == arrow.TIMESTAMP:
			return sideCol{side: 1, name: rs.fields[ri].Name}
		}
	case *sql.Binary:
		if x.Op != "+" && x.Op != "-" {
			break
		}
		l, ok := x.R.(*sql.Literal)
		if !ok || l.Kind != sql.LitInterval || l.Interval.Months != 0 {
			break
		}
		c := q.sideColumn(x.L, ls, rs)
		if c.side < 0 || c.off != 0 {
			break
		}
		c.off = time.Duration(l.Interval.Millis) * time.Millisecond
		if x.Op == "-" {
			c.off = -c.off
		}
		return c
	}
	return sideCol{side: -1}
}

// timeBound folds c into tb when it bounds one side's time column by the
// other's: a BETWEEN or a comparison (>, >=, <, <=) of time terms.
func (q *queryPlanner) timeBound(c sql.Expr, ls, rs *scope, tb *timeBounds) bool {
	type cmp struct {
		op   string
		x, y sql.Expr
	}
	var cmps []cmp
	switch x := c.(type) {
	case *sql.Between:
		if x.Not {
			return false
		}
		cmps = []cmp{{">=", x.X, x.Lo}, {"<=", x.X, x.Hi}}
	case *sql.Binary:
		switch x.Op {
		case ">", ">=", "<", "<=":
			cmps = []cmp{{x.Op, x.L, x.R}}
		default:
			return false
		}
	default:
		return false
	}
	next := *tb
	for _, k := range cmps {
		a, b := q.sideColumn(k.x, ls, rs), q.sideColumn(k.y, ls, rs)
		if a.side < 0 || b.side < 0 || a.side == b.side {
			return false
		}
		op := k.op
		// a + oa op b + ob
		v := b.off - a.off // a − b op v
		lcol, rcol := a.name, b.name
		if a.side == 1 { // r − l op v  ⇔  l − r (flipped op) −v
			v = -v
			lcol, rcol = b.name, a.name
			op = map[string]string{">": "<", ">=": "<=", "<": ">", "<=": ">="}[op]
		}
		if next.lcol != "" && (next.lcol != lcol || next.rcol != rcol) {
			return false
		}
		next.lcol, next.rcol = lcol, rcol
		switch op {
		case ">":
			v += time.Millisecond
			fallthrough
		case ">=":
			if !next.hasLo || v > next.lo {
				next.lo = v
			}
			next.hasLo = true
		case "<":
			v -= time.Millisecond
			fallthrough
		case "<=":
			if !next.hasHi || v < next.hi {
				next.hi = v
			}
			next.hasHi = true
		}
	}
	next.texts = append(next.texts, sql.FormatExpr(c))
	*tb = next
	return true
}

// stateTTL returns the state_ttl setting.
func (s *Session) stateTTL() (time.Duration, bool, error) {
	v, ok := s.settings[SettingStateTTL]
	if !ok {
		return 0, false, nil
	}
	d, err := sql.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, false, fmt.Errorf("%s = '%s': want a positive duration such as 1h", SettingStateTTL, v)
	}
	return d, true, nil
}

// streamJoinOp lowers a StreamJoin: each side's lateness comes from the
// streams it reads.
func (b *jobBuilder) streamJoin(n *StreamJoin, env exec.Env) (exec.Operator, error) {
	l, r, let, ret, late, err := b.lowerSides(n.Left, n.Right, env)
	if err != nil {
		return nil, err
	}
	op, err := window.NewParallelJoin(l, r, window.JoinConfig{
		Kind: n.Kind, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys, Residual: n.Residual,
		LeftTime: n.LeftTime, RightTime: n.RightTime, Lower: n.Lower, Upper: n.Upper,
		LeftLateness: let.Lateness, RightLateness: ret.Lateness, Late: late.Late,
		Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Start: env.Start, Clock: env.Clock,
	}, b.s.joinWorkers(n))
	if err != nil {
		l.Close()
		r.Close()
		return nil, err
	}
	b.countLate(env.Pump, late.Late, op)
	return b.stateful(env.Pump, op, nil)
}

// streamJoinPhysical is EXPLAIN's physical line of a stream join; workers
// says what it runs on (see joinWorkersText).
func streamJoinPhysical(n *StreamJoin, workers string) string {
	keys := make([]string, len(n.LeftKeys))
	for i, k := range n.LeftKeys {
		keys[i] = k.String() + " = " + n.RightKeys[i].String()
	}
	line := fmt.Sprintf("IntervalJoin %s hash on [%s]", n.Kind, strings.Join(keys, ", "))
	if n.Residual != nil {
		line += " residual: " + n.Residual.String()
	}
	return line + workers + " emits in ROWTIME order at min(left, right) watermark; state: held rows of both sides, freed past the other side's watermark"
}
