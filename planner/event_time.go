package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
	"github.com/eddy-sql/eddy/window"
)

// eventTime is what a window needs to know about the event time of the
// streams it reads.
type eventTime struct {
	// Lateness is the allowed lateness of the input's partitions.
	Lateness time.Duration
	// Late says what happens to late rows.
	Late window.LatePolicy
	// lateSet tells that some stream set late_rows.
	lateSet bool
}

// inputEventTime resolves the event time of the streams plan n reads. A
// stream's own settings come from its WATERMARK FOR clause, its WITH
// options and its binding from outside (the binding wins, then WITH, then
// WATERMARK FOR); a stream with none of its own that pumps feed inherits
// them from the streams those pumps read. Over several streams the largest
// lateness wins, and the first late_rows set.
func (s *Session) inputEventTime(n Node) (eventTime, error) {
	return s.planEventTime(n, map[string]bool{})
}

func (s *Session) planEventTime(n Node, seen map[string]bool) (eventTime, error) {
	var out eventTime
	var walk func(n Node) error
	walk = func(n Node) error {
		if sc, ok := n.(*Scan); ok {
			et, err := s.streamEventTime(sc.Stream, seen)
			if err != nil {
				return err
			}
			out.merge(et)
			return nil
		}
		for _, in := range n.Inputs() {
			if err := walk(in); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk(n)
	return out, err
}

func (e *eventTime) merge(o eventTime) {
	e.Lateness = max(e.Lateness, o.Lateness)
	if o.lateSet && !e.lateSet {
		e.Late, e.lateSet = o.Late, true
	}
}

// streamEventTime resolves one stream's event time (see inputEventTime);
// seen guards against pump cycles.
func (s *Session) streamEventTime(def *StreamDef, seen map[string]bool) (eventTime, error) {
	var et eventTime
	if def == nil || seen[def.Name] {
		return et, nil
	}
	seen[def.Name] = true
	opts := map[string]string{}
	if def.Watermark != nil {
		opts["lateness"] = watermarkLateness(def.Watermark).String()
	}
	for k, v := range def.Options {
		opts[strings.ToLower(k)] = v
	}
	if bound, ok := s.binding(s.inputs, def.Name); ok {
		for k, v := range bound {
			opts[strings.ToLower(k)] = v
		}
	}
	own := false
	if v, ok := opts["lateness"]; ok {
		d, err := sql.ParseDuration(v)
		if err != nil {
			return et, fmt.Errorf("stream %s: option lateness: %w", quoteIdent(def.Name), err)
		}
		et.Lateness, own = d, true
	}
	if v, ok := opts["late_rows"]; ok && v != "" {
		lp, err := window.ParseLatePolicy(v)
		if err != nil {
			return et, fmt.Errorf("stream %s: option late_rows: %w", quoteIdent(def.Name), err)
		}
		et.Late, et.lateSet = lp, true
	}
	if own || s.isSourceStream(def) {
		return et, nil
	}
	// Fed by pumps: inherit from what they read.
	for _, name := range s.cat.order {
		p := s.cat.pumps[name]
		if p == nil || p.plan == nil || !strings.EqualFold(p.Insert.Target, def.Name) {
			continue
		}
		up, err := s.planEventTime(p.plan, seen)
		if err != nil {
			return et, err
		}
		et.Lateness = max(et.Lateness, up.Lateness)
		if up.lateSet && !et.lateSet {
			et.Late, et.lateSet = up.Late, true
		}
	}
	return et, nil
}

// retimed wraps an operator whose ROWTIME is computed anew (… AS ROWTIME):
// its input's explicit watermarks were promises on the old ROWTIME, so
// they are dropped and windows downstream derive the watermark from the
// new ROWTIME of each origin's rows.
type retimed struct {
	exec.Operator
	parts []exec.Partition
}

var _ exec.Partitioned = (*retimed)(nil)

// Origin forwards the input's origin.
func (r *retimed) Origin() exec.Origin { return exec.OriginOf(r.Operator) }

// Partitions returns the input's partitions without explicit watermarks.
func (r *retimed) Partitions() []exec.Partition {
	r.parts = append(r.parts[:0], exec.PartitionsOf(r.Operator)...)
	for i := range r.parts {
		if !r.parts[i].Done {
			r.parts[i].Watermark = exec.NoWatermark
		}
	}
	return r.parts
}

// String describes the operator for EXPLAIN.
func (r *retimed) String() string { return physical(r.Operator) + " (new ROWTIME)" }
