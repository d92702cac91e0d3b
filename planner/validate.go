package planner

import (
	"strconv"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// DefaultMaxWindowsPerRow is the most windows one row may belong to unless
// SET max_windows_per_row raises it. Every such window is kept and emitted
// per key, so HOP(ts, INTERVAL '1' MILLISECOND, INTERVAL '1' DAY), 86.4
// million windows a row, would exhaust any machine; 1,000 windows a row
// (HOP with size/slide up to 1000, CUMULATE with max/step up to 1000) is
// far beyond what queries need.
const DefaultMaxWindowsPerRow = 1000

// maxWindowsPerRow returns the max_windows_per_row setting.
func (s *Session) maxWindowsPerRow() int64 {
	if v, ok := s.settings[SettingMaxWindowsPerRow]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return DefaultMaxWindowsPerRow
}

// validate refuses a session whose plans cannot run: a window a row would
// be in too many copies of, or pumps feeding each other in a cycle. Build
// calls it (settings may have changed since the statements were planned);
// CREATE PUMP, INSERT, SELECT and EXPLAIN check their own plan at once.
func (s *Session) validate() error {
	for _, name := range s.cat.order {
		p := s.cat.pumps[name]
		if err := s.checkWindows(p.plan, p.Insert.Src, p.Insert.At, p.Insert.Query); err != nil {
			return err
		}
	}
	for _, q := range s.queries {
		if err := s.checkWindows(q.plan, q.src, q.at, q.query); err != nil {
			return err
		}
	}
	for _, name := range s.cat.order {
		p := s.cat.pumps[name]
		if err := s.checkCycle(p.Name, p.Insert, p.plan); err != nil {
			return err
		}
	}
	return nil
}

// checkWindows walks a plan and refuses every windowed aggregate whose
// assigner puts a row in more than max_windows_per_row windows. The error
// is at the window call in q (the statement's query), found by its
// function and intervals; at the statement's start when it cannot be
// found.
func (s *Session) checkWindows(plan Node, src *sql.Source, at sql.Pos, q *sql.Query) error {
	limit := s.maxWindowsPerRow()
	var err error
	var walk func(n Node)
	walk = func(n Node) {
		if a, ok := n.(*Aggregate); ok && a.Assigner != nil && err == nil {
			if w, size, slide := window.Overlap(a.Assigner); w > limit {
				fn, what := "HOP", "size %v / slide %v"
				if strings.HasPrefix(a.Assigner.String(), "CUMULATE") {
					fn, what = "CUMULATE", "max %v / step %v"
				}
				pos := windowSite(q, fn, size, slide, at)
				err = src.Errorf(pos, "%s puts each row in %d windows ("+what+"), more than max_windows_per_row = %d: use a larger slide, or SET max_windows_per_row if you mean it",
					fn, w, size, slide, limit)
			}
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	walk(plan)
	return err
}

// windowSite finds the window call fn in q whose interval arguments are
// size and slide: HOP(ts, slide, size) in GROUP BY, or TABLE(HOP(…, slide,
// size)) / TABLE(CUMULATE(…, step, max)) in FROM. It returns the first call
// of fn when none matches exactly, or def when q has none.
func windowSite(q *sql.Query, fn string, size, slide time.Duration, def sql.Pos) sql.Pos {
	first, exact := sql.Pos(-1), sql.Pos(-1)
	consider := func(pos sql.Pos, name string, args []sql.Expr) {
		if name != fn || exact >= 0 {
			return
		}
		if first < 0 {
			first = pos
		}
		if len(args) >= 2 && intervalOf(args[0]) == slide && intervalOf(args[1]) == size {
			exact = pos
		}
	}
	var query func(q *sql.Query)
	var table func(t sql.TableExpr)
	expr := func(e sql.Expr) {
		walkExpr(e, func(x sql.Expr) {
			switch x := x.(type) {
			case *sql.Call:
				if len(x.Args) > 0 {
					consider(x.Pos, x.Name, x.Args[1:]) // HOP(ts, slide, size)
				}
			case *sql.SubqueryExpr:
				query(x.Query)
			}
		})
	}
	table = func(t sql.TableExpr) {
		switch t := t.(type) {
		case *sql.WindowTVF:
			consider(t.Pos, t.Func, t.Args)
		case *sql.SubqueryRef:
			query(t.Query)
		case *sql.Join:
			table(t.Left)
			table(t.Right)
			expr(t.On)
		case *sql.TableFunc:
			for _, a := range t.Args {
				expr(a)
			}
		}
	}
	query = func(q *sql.Query) {
		if q == nil {
			return
		}
		for _, sel := range q.Selects {
			table(sel.From)
			for _, g := range sel.GroupBy {
				expr(g)
			}
			expr(sel.Where)
			for _, it := range sel.Items {
				expr(it.Expr)
			}
		}
	}
	query(q)
	switch {
	case exact >= 0:
		return exact
	case first >= 0:
		return first
	}
	return def
}

// intervalOf reads an interval literal (-1 when e is none).
func intervalOf(e sql.Expr) time.Duration {
	if l, ok := e.(*sql.Literal); ok && l.Kind == sql.LitInterval {
		return time.Duration(l.Interval.Millis) * time.Millisecond
	}
	return -1
}

// checkCycle refuses the pump name (reading what plan reads and writing
// ins.Target) when, with it in the catalog, pumps feed each other in a
// cycle: a pump would then read, directly or through other pumps, what it
// writes, and the job would never end. The error is at ins's target and
// names the cycle.
func (s *Session) checkCycle(name string, ins *sql.Insert, plan Node) error {
	// reads and writes of every pump, the new one replacing its namesake.
	type pump struct {
		name, target string
		reads        []string
	}
	pumps := []pump{{name: name, target: ins.Target, reads: scannedStreams(plan)}}
	for _, n := range s.cat.order {
		if p := s.cat.pumps[n]; n != name {
			pumps = append(pumps, pump{name: n, target: p.Insert.Target, reads: scannedStreams(p.plan)})
		}
	}
	// Depth-first from the new pump's target, through the pumps reading
	// each stream, back to a stream the new pump reads.
	reads := map[string]bool{}
	for _, r := range pumps[0].reads {
		reads[r] = true
	}
	seen := map[string]bool{}
	var path []string // alternating pump, stream, pump, stream, …
	var dfs func(stream string) bool
	dfs = func(stream string) bool {
		if reads[stream] {
			return true
		}
		if seen[stream] {
			return false
		}
		seen[stream] = true
		for _, p := range pumps[1:] {
			for _, r := range p.reads {
				if r == stream {
					path = append(path, "pump "+quoteIdent(p.name), "stream "+quoteIdent(p.target))
					if dfs(p.target) {
						return true
					}
					path = path[:len(path)-2]
					break
				}
			}
		}
		return false
	}
	if !dfs(ins.Target) {
		return nil
	}
	cycle := append([]string{"pump " + quoteIdent(name), "stream " + quoteIdent(ins.Target)}, path...)
	cycle = append(cycle, "pump "+quoteIdent(name))
	return ins.Src.Errorf(ins.TargetPos, "pumps feed each other in a cycle, which would never end: %s; a pump cannot read, directly or through other pumps, the stream it writes",
		strings.Join(cycle, " -> "))
}

// checkPump checks a freshly planned pump before it joins the catalog.
func (s *Session) checkPump(name string, ins *sql.Insert, plan Node) error {
	if err := s.checkCycle(name, ins, plan); err != nil {
		return err
	}
	return s.checkWindows(plan, ins.Src, ins.At, ins.Query)
}
