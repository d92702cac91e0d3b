package planner

import (
	"fmt"
	"strings"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// OptionPrimaryKey is the stream option that declares a stream a versioned
// table: a comma-separated list of its key columns. Each row is then a
// new version of the row of its key, valid from its ROWTIME on, and the
// stream can be joined FOR SYSTEM_TIME AS OF another stream's ROWTIME.
const OptionPrimaryKey = "primary_key"

// TemporalJoin joins each row of a stream with the version valid at its
// ROWTIME of a versioned stream's row of the same key (Flink's event-time
// temporal join). Its columns are the left input's, then the right's
// (each without ROWTIME), then ROWTIME, the left row's.
type TemporalJoin struct {
	Left, Right Node
	Kind        window.JoinKind
	// Versioned is the right stream, Alias its qualifier.
	Versioned, Alias string
	// LeftKeys and RightKeys are the equi-join keys; RightKeys are the
	// versioned stream's primary key columns.
	LeftKeys, RightKeys []exec.Expr
	// KeyText and AsOfText are the conditions as the user wrote them.
	KeyText, AsOfText string
	sc                *scope
}

// Scope returns the left columns, the right columns and ROWTIME.
func (n *TemporalJoin) Scope() *scope { return n.sc }

// Inputs returns the stream and the versioned stream.
func (n *TemporalJoin) Inputs() []Node { return []Node{n.Left, n.Right} }

// Describe returns the EXPLAIN line: kind, versioned stream, keys and the
// time of the versions.
func (n *TemporalJoin) Describe() string {
	s := fmt.Sprintf("TemporalJoin %s versioned stream %s", n.Kind, quoteIdent(n.Versioned))
	if n.Alias != n.Versioned {
		s += " AS " + quoteIdent(n.Alias)
	}
	return s + " keys: " + n.KeyText + " as of: " + n.AsOfText
}

// temporalJoin plans stream JOIN versioned FOR SYSTEM_TIME AS OF
// stream.ROWTIME ON keys, where versioned is a stream with a primary key.
func (q *queryPlanner) temporalJoin(t *sql.Join, ref *sql.TableRef) (Node, error) {
	var kind window.JoinKind
	switch t.Kind {
	case sql.JoinInner:
		kind = window.JoinInner
	case sql.JoinLeft:
		kind = window.JoinLeft
	default:
		return nil, q.errorf(ref.Pos, "a join FOR SYSTEM_TIME AS OF is INNER or LEFT")
	}
	if ref.Over != nil {
		return nil, q.errorf(ref.Pos, "a versioned stream joined FOR SYSTEM_TIME AS OF takes no window")
	}
	def, err := q.s.resolveStream(ref.Name)
	if err != nil {
		return nil, q.errorf(ref.Pos, "%v", err)
	}
	var pk []string
	for k, v := range def.Options {
		if strings.EqualFold(k, OptionPrimaryKey) {
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(c); c != "" {
					pk = append(pk, c)
				}
			}
		}
	}
	if len(pk) == 0 {
		return nil, q.errorf(ref.Pos, "FOR SYSTEM_TIME AS OF needs a reference table or a versioned stream; stream %s declares no primary key (WITH (%s = 'col'))", quoteIdent(def.Name), OptionPrimaryKey)
	}
	left, err := q.from(t.Left)
	if err != nil {
		return nil, err
	}
	plain := *ref
	plain.AsOf = nil
	right, err := q.from(&plain)
	if err != nil {
		return nil, err
	}
	ls, rs := left.Scope(), right.Scope()
	if c, ok := ref.AsOf.(*sql.ColumnRef); !ok || !strings.EqualFold(c.Name, exec.RowtimeColumn) || !onlyScope(c, ls) {
		return nil, q.errorf(ref.AsOf.ExprPos(), "FOR SYSTEM_TIME AS OF versioned stream %s takes the left stream's ROWTIME", quoteIdent(def.Name))
	}
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
	alias := def.Name
	if ref.Alias != "" {
		alias = ref.Alias
	}
	n := &TemporalJoin{Left: left, Right: right, Kind: kind, Versioned: def.Name, Alias: alias,
		AsOfText: sql.FormatExpr(ref.AsOf), sc: joined}
	var keyTexts, cols []string
	for _, c := range conjuncts(t.On) {
		if c == nil {
			continue
		}
		lk, rk, ok, err := q.streamEquiKey(c, ls, rs)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, q.errorf(c.ExprPos(), "a join FOR SYSTEM_TIME AS OF versioned stream %s takes only equalities of the left side and its primary key (%s)", quoteIdent(def.Name), strings.Join(pk, ", "))
		}
		n.LeftKeys = append(n.LeftKeys, lk)
		n.RightKeys = append(n.RightKeys, rk)
		keyTexts = append(keyTexts, sql.FormatExpr(c))
		cols = append(cols, rk.String())
	}
	if !samePrimaryKey(cols, pk) {
		pos := ref.Pos
		if t.On != nil {
			pos = t.On.ExprPos()
		}
		return nil, q.errorf(pos, "a join FOR SYSTEM_TIME AS OF versioned stream %s must equate each column of its primary key (%s) with the left side, and only those", quoteIdent(def.Name), strings.Join(pk, ", "))
	}
	n.KeyText = strings.Join(keyTexts, " AND ")
	return n, nil
}

// samePrimaryKey tells whether the right key expressions cols (as
// exec.Expr strings) are exactly the primary key columns pk.
func samePrimaryKey(cols, pk []string) bool {
	if len(cols) != len(pk) {
		return false
	}
	for _, p := range pk {
		found := false
		for _, c := range cols {
			if strings.EqualFold(c, p) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// temporalJoin lowers a TemporalJoin: each side's lateness comes from the
// streams it reads.
func (b *jobBuilder) temporalJoin(n *TemporalJoin, env exec.Env) (exec.Operator, error) {
	l, r, let, ret, late, err := b.lowerSides(n.Left, n.Right, env)
	if err != nil {
		return nil, err
	}
	op, err := window.NewTemporalJoin(l, r, window.TemporalConfig{
		Kind: n.Kind, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
		LeftLateness: let.Lateness, RightLateness: ret.Lateness, Late: late.Late,
		Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Start: env.Start, Clock: env.Clock,
	})
	if err != nil {
		l.Close()
		r.Close()
		return nil, err
	}
	b.countLate(env.Pump, late.Late, op)
	return b.stateful(env.Pump, op, nil)
}

// temporalJoinPhysical is EXPLAIN's physical line of a temporal join.
func temporalJoinPhysical(n *TemporalJoin) string {
	keys := make([]string, len(n.LeftKeys))
	for i, k := range n.LeftKeys {
		keys[i] = k.String() + " = " + n.RightKeys[i].String()
	}
	return fmt.Sprintf("TemporalJoin %s hash on [%s] emits left rows in ROWTIME order at min(left, right) watermark, each with the right version valid at its ROWTIME; "+
		"state: waiting left rows, per key the versions newer than min(left floor, oldest waiting left row) and the newest older one", n.Kind, strings.Join(keys, ", "))
}
