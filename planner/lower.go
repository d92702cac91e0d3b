package planner

import (
	"fmt"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// pushedPredicate returns the predicate pushed into the only scan of a
// stream, and the pump (or query) that scan belongs to; nil when none.
func (b *jobBuilder) pushedPredicate(stream string) (exec.Expr, string) {
	if b.readers[stream] != 1 {
		return nil, ""
	}
	var found exec.Expr
	var walk func(n Node)
	walk = func(n Node) {
		if s, ok := n.(*Scan); ok && s.Stream.Name == stream && s.Pushed != nil {
			found = s.Pushed
		}
		for _, c := range n.Inputs() {
			walk(c)
		}
	}
	for _, name := range b.s.cat.order {
		if walk(b.s.cat.pumps[name].plan); found != nil {
			return found, name
		}
	}
	for _, q := range b.s.queries {
		if walk(q.plan); found != nil {
			return found, q.name
		}
	}
	return nil, ""
}

// lower turns a logical plan into an operator tree. It is the one
// exhaustive switch over plan nodes.
func (b *jobBuilder) lower(n Node, env exec.Env) (exec.Operator, error) {
	switch n := n.(type) {
	case *Scan:
		sub, err := b.streams[n.Stream.Name].Subscribe()
		if err != nil {
			return nil, err
		}
		if n.Pushed == nil || !b.live && b.readers[n.Stream.Name] == 1 && b.s.isSourceStream(n.Stream) {
			return sub, nil
		}
		return exec.NewFilter(env, sub, n.Pushed)
	case *Filter:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		return exec.NewFilter(env, in, n.Pred)
	case *Project:
		if op, ok, err := b.fuseProject(n, env); ok {
			return op, err
		}
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(n.sc.fields))
		for i, f := range n.sc.fields {
			names[i] = f.Name
		}
		op, err := exec.NewProject(env, in, n.Exprs, names)
		if err != nil || !n.Retime {
			return op, err
		}
		return &retimed{Operator: op}, nil
	case *Aggregate:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		if n.Assigner == nil { // bounded: one group per key, at the end
			op, err := exec.NewHashAggregate(in, exec.HashAggregateConfig{
				Keys: n.Keys, KeyNames: n.KeyNames, Aggs: n.Aggs,
				Alloc: env.Alloc, Errors: env.Errors, Start: env.Start, Clock: env.Clock,
			})
			return b.stateful(env.Pump, op, err)
		}
		et, err := b.s.inputEventTime(n.Input)
		if err != nil {
			in.Close()
			return nil, err
		}
		cfg := window.Config{
			Keys: n.Keys, KeyNames: n.KeyNames, Aggs: n.Aggs, TimeColumn: n.TimeColumn,
			Assigner: n.Assigner, Lateness: et.Lateness, Emit: n.Emit, Late: et.Late, Drain: b.s.cfg.Drain,
			Errors: env.Errors, Pump: env.Pump, Alloc: env.Alloc, Start: env.Start, Clock: env.Clock,
		}
		op, err := window.NewParallelGroupBy(in, cfg, b.s.groupByWorkers(cfg))
		if err == nil {
			b.countLate(env.Pump, et.Late, op)
		}
		return b.stateful(env.Pump, op, err)
	case *Sort:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		return exec.NewSort(env, in, n.Keys)
	case *Over:
		in, err := b.lower(n.Input, env)
		if err != nil {
			return nil, err
		}
		et, err := b.s.inputEventTime(n.Input)
		if err != nil {
			in.Close()
			return nil, err
		}
		cfg := window.OverConfig{
			Specs: n.Specs, Lateness: et.Lateness, Late: et.Late, Drain: b.s.cfg.Drain,
			Alloc: env.Alloc, Errors: env.Errors, Pump: env.Pump, Start: env.Start, Clock: env.Clock,
		}
		op, err := window.NewParallelOver(in, cfg, b.s.overWorkers(cfg))
		if err == nil {
			b.countLate(env.Pump, et.Late, op)
		}
		return b.stateful(env.Pump, op, err)
	case *TableFunction:
		return b.lowerTableFunction(n, env)
	case *Distinct:
		return b.lowerDistinct(n, env)
	case *StreamSort:
		return b.lowerStreamSort(n, env)
	case *Limit:
		return b.lowerLimit(n, env)
	case *LookupJoin:
		return b.lookupJoin(n, env)
	case *StreamJoin:
		return b.streamJoin(n, env)
	case *TemporalJoin:
		return b.temporalJoin(n, env)
	case *Union:
		b.unionSeq++
		name := fmt.Sprintf("%s$union%d", env.Pump, b.unionSeq)
		st := exec.NewStream(name, n.Scope().schema(), b.s.cfg.QueueBatches)
		st.Track(b.tracker)
		for i, item := range n.Items {
			if err := b.pump(fmt.Sprintf("%s$%d", name, i+1), item, st, name); err != nil {
				return nil, err
			}
		}
		return st.Subscribe()
	}
	return nil, fmt.Errorf("planner: cannot lower %T", n)
}

// stateful registers a stateful operator with the checkpoint coordinator
// (every one must be an exec.Snapshotter when checkpoints are on) and
// applies the session's max_state limit to it.
func (b *jobBuilder) stateful(pump string, op exec.Operator, err error) (exec.Operator, error) {
	if err != nil {
		return nil, err
	}
	if b.coord != nil {
		sn, ok := op.(exec.Snapshotter)
		if !ok {
			// A stateful operator left out of the checkpoints would lose
			// or repeat rows after a restart: refuse rather than do that.
			op.Close()
			return nil, fmt.Errorf("planner: pump %s: %s keeps state that checkpoints cannot hold yet; run it without --state", pump, physical(op))
		}
		key := fmt.Sprintf("%s#%d", pump, b.seq[pump])
		b.seq[pump]++
		b.coord.states = append(b.coord.states, stateEntry{key: key, fingerprint: b.fp, op: sn})
	}
	if limit := b.s.maxState(); limit > 0 {
		return limitState(op, limit, pump), nil
	}
	return op, nil
}

// physical describes an operator tree for EXPLAIN.
func physical(op exec.Operator) string {
	if s, ok := op.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", op)
}

// countLate lists op, a windowed operator of pump, for Job.LateRows when it
// counts late rows.
func (b *jobBuilder) countLate(pump string, policy window.LatePolicy, op exec.Operator) {
	if lc, ok := op.(window.LateCounter); ok {
		b.job.windows = append(b.job.windows, windowEntry{pump: pump, policy: policy, op: lc})
	}
}

// lowerSides lowers the two inputs of a join and resolves their event time
// (each side's lateness comes from the streams it reads; late_rows from
// either); the caller owns the operators.
func (b *jobBuilder) lowerSides(left, right Node, env exec.Env) (l, r exec.Operator, let, ret, late eventTime, err error) {
	if let, err = b.s.inputEventTime(left); err != nil {
		return
	}
	if ret, err = b.s.inputEventTime(right); err != nil {
		return
	}
	late = let
	late.merge(ret)
	if l, err = b.lower(left, env); err != nil {
		return
	}
	if r, err = b.lower(right, env); err != nil {
		l.Close()
		l = nil
	}
	return
}
