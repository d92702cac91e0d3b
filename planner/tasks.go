package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// pump lowers a pump's plan and adds its task, writing into target.
func (b *jobBuilder) pump(name string, plan Node, target *exec.Stream, targetName string) error {
	b.fp = fingerprint("pump", name, targetName, explainTree(plan))
	side := readsDownstream(plan, b.s.errorDownstream())
	op, err := b.lower(plan, b.env(name, side))
	if err != nil {
		return err
	}
	w := target.NewWriter()
	b.job.physical = append(b.job.physical, fmt.Sprintf("pump %s: %s -> stream %s", quoteIdent(name), physical(op), quoteIdent(targetName)))
	b.add(side, exec.Task{Name: "pump " + name, Run: func(ctx context.Context) error { return exec.Pipe(ctx, op, w) }})
	return nil
}

func (b *jobBuilder) add(consumer bool, t exec.Task) {
	if consumer {
		b.job.consumers = append(b.job.consumers, t)
	} else {
		b.job.producers = append(b.job.producers, t)
	}
}

// output lowers an ad hoc query and delivers it to its destination.
func (b *jobBuilder) output(name string, plan Node, options map[string]string) error {
	if opts, ok := b.s.binding(b.s.outputs, name); ok {
		options = opts
	}
	if options == nil {
		options = b.s.cfg.DefaultOutput
	}
	b.fp = fingerprint("query", name, explainTree(plan))
	side := readsDownstream(plan, b.s.errorDownstream())
	op, err := b.lower(plan, b.env(name, side))
	if err != nil {
		return err
	}
	return b.deliver(name, op, plan.Scope(), options, side)
}

// destination delivers a stream to its sink.
func (b *jobBuilder) destination(d dest) error {
	sub, err := b.streams[d.def.Name].Subscribe()
	if err != nil {
		return err
	}
	sc := streamScope(d.def, b.s.isSourceStream(d.def))
	name := d.def.Name
	if d.withRowtime {
		shown := &scope{fields: append([]field(nil), sc.fields...)}
		for i := range shown.fields {
			if shown.fields[i].Name == exec.RowtimeColumn {
				shown.fields[i].Hidden = false
			}
		}
		sc, name = shown, d.def.Name+" history"
	}
	return b.deliver(name, sub, sc, d.options, b.s.errorDownstream()[d.def.Name])
}

// deliver projects op's visible columns and adds a task draining them into
// a sink opened with options.
func (b *jobBuilder) deliver(name string, op exec.Operator, sc *scope, options map[string]string, consumer bool) error {
	var exprs []exec.Expr
	var names []string
	for i, f := range sc.fields {
		if f.Hidden {
			continue
		}
		exprs = append(exprs, exec.Column(i, f.Name, f.Type))
		names = append(names, f.Name)
	}
	proj, err := exec.NewProject(b.env(name, true), op, exprs, names)
	if err != nil {
		op.Close()
		return err
	}
	if b.coord != nil {
		withCk := map[string]string{CheckpointingOption: "true"}
		for k, v := range options {
			withCk[k] = v
		}
		options = withCk
	}
	sink, err := b.s.cfg.Connectors.OpenSink(b.ctx, name, proj.Schema(), b.s.sinkOptions(options), b.env(name, consumer).Errors)
	if err != nil {
		proj.Close()
		return fmt.Errorf("destination of %s: %w", quoteIdent(name), err)
	}
	b.job.physical = append(b.job.physical, fmt.Sprintf("destination %s: %s -> %s", quoteIdent(name), physical(op), options["connector"]))
	if b.coord != nil {
		b.coord.sinks = append(b.coord.sinks, sinkEntry{name: name, sink: sink})
		b.job.sinks = append(b.job.sinks, sinkEntry{name: name, sink: sink})
		b.add(consumer, exec.Task{Name: "destination " + name, Run: func(ctx context.Context) error {
			return exec.Drain(ctx, proj, sink.Write) // Run closes the sink after the final checkpoint
		}})
		return nil
	}
	b.add(consumer, exec.Task{Name: "destination " + name, Run: func(ctx context.Context) error {
		err := exec.Drain(ctx, proj, sink.Write)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := sink.Close(cctx); err == nil {
			err = cerr
		}
		return err
	}})
	return nil
}

// source opens def's connector and adds the task feeding its stream,
// running a pushed-down predicate first when the stream has one reader.
func (b *jobBuilder) source(def *StreamDef) error {
	opts := connectorOptions(def.Options)
	if wm := def.Watermark; wm != nil {
		// WATERMARK FOR c AS c - INTERVAL …: c is the event time (ROWTIME)
		// and the interval the allowed lateness.
		if _, set := opts["rowtime"]; !set {
			opts["rowtime"] = wm.Column
		}
		if _, set := opts["lateness"]; !set {
			opts["lateness"] = watermarkLateness(wm).String()
		}
	}
	if bound, ok := b.s.binding(b.s.inputs, def.Name); ok {
		for k, v := range bound {
			opts[k] = v
		}
	}
	b.s.parallelOptions(opts)
	cols := b.readColumns(def, opts)
	if cols != nil {
		opts[ColumnsOption] = strings.Join(cols, ",")
	}
	stream := b.streams[def.Name]
	schema := stream.Schema()
	if fp := b.fused[def.Name]; fp != nil {
		schema = fp.from // the stream carries the fused projection's output
	}
	opened, err := b.s.cfg.Connectors.OpenSource(b.ctx, def.Name, schema, opts, b.errSink)
	if err != nil {
		return fmt.Errorf("source of %s: %w", quoteIdent(def.Name), err)
	}
	op := opened.Op
	desc := "source " + quoteIdent(def.Name) + " [" + opts["connector"] + "]"
	if cols != nil {
		desc += " columns " + quoteList(cols)
	}
	if g, text, err := notNullGuard(b.env("", false), op, def); err != nil {
		op.Close()
		return err
	} else if text != "" {
		op, desc = g, desc+" "+text
	}
	if pred, pump := b.pushedPredicate(def.Name); (pred != nil || b.fused[def.Name] != nil) && !b.live {
		var more string
		raw := opened.Raw
		for _, c := range def.Columns {
			if c.NotNull {
				// The guard must see every row before a stage on the
				// source's workers could drop one: the stage runs after it.
				raw = nil
			}
		}
		if op, more, err = b.pushStages(op, raw, pump, pred, b.fused[def.Name]); err != nil {
			return err
		}
		desc += more
	}
	w := stream.NewWriter()
	b.job.physical = append(b.job.physical, desc+" -> stream "+quoteIdent(def.Name))
	var g *gate
	if b.coord != nil {
		g = b.coord.gate
		fp := fingerprint("source", def.Name, sourceIdentity(opts))
		b.coord.sources = append(b.coord.sources, sourceEntry{stream: def.Name, fingerprint: fp, raw: opened.Raw})
		if sn, ok := opened.Op.(exec.Snapshotter); ok {
			b.coord.states = append(b.coord.states, stateEntry{key: "source " + def.Name + "#0", fingerprint: fp, op: sn})
		}
	}
	if b.coord != nil {
		b.job.sources = append(b.job.sources, op) // closed after the final checkpoint
	}
	b.add(false, exec.Task{Name: "source " + def.Name, Run: func(ctx context.Context) error {
		err := runSource(ctx, op, w, g, b.coord == nil)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return nil // stopping: runSource has stopped the stream
		}
		return err
	}})
	return nil
}

// runSource feeds a source's batches into its stream, parking at the
// checkpoint gate (when there is one) between batches.
// With close unset the caller closes op (after the final checkpoint).
// When ctx is cancelled (the job stops) it stops w, as a source task's
// caller does, but first, while still counted at the gate, waits for a
// checkpoint being taken to end: the stop is work downstream (a window
// operator may emit its open windows), which a checkpoint must see whole
// or not at all, as it does a batch.
func runSource(ctx context.Context, op exec.Operator, w *exec.StreamWriter, g *gate, close bool) (err error) {
	if g == nil {
		g = &gate{}
	}
	g.enter()
	defer g.exit()
	if close {
		defer func() {
			if cerr := op.Close(); err == nil {
				err = cerr
			}
		}()
	}
	defer func() {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			done := context.WithoutCancel(ctx)
			g.wait(done) // parks until the checkpoint, if any, ends
			w.Stop(done) // cannot fail: done is never cancelled
		}
	}()
	for {
		if err := g.wait(ctx); err != nil {
			return err
		}
		batch, err := op.Next(ctx)
		if errors.Is(err, io.EOF) {
			return w.Close(ctx)
		}
		if err != nil {
			return err
		}
		// A batch the source has handed over is part of its position: it
		// is published even when the source is being stopped (the rest of
		// the pipeline keeps running until it drains).
		if err := w.WriteFrom(context.WithoutCancel(ctx), batch, exec.OriginOf(op), exec.PartitionsOf(op)); err != nil {
			return err
		}
	}
}

// CheckpointingOption is the option the planner adds for destinations when
// checkpoints are taken; connectors turn it into sinks.Env.Checkpointing.
const CheckpointingOption = "eddy.checkpointing"

func sortedOptions(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + m[k] + ";")
	}
	return b.String()
}

// watermarkLateness reads the lateness of WATERMARK FOR c AS c - INTERVAL x
// (or c alone: no lateness).
func watermarkLateness(wm *sql.Watermark) time.Duration {
	if b, ok := wm.Expr.(*sql.Binary); ok && b.Op == "-" {
		if l, ok := b.R.(*sql.Literal); ok && l.Kind == sql.LitInterval {
			return time.Duration(l.Interval.Millis) * time.Millisecond
		}
	}
	return 0
}
