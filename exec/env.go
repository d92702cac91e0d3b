package exec

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Env is what every operator of one pump shares: the allocator, the clocks
// and where runtime errors go.
type Env struct {
	Alloc memory.Allocator
	// Start is the statement start time (CURRENT_TIMESTAMP).
	Start time.Time
	// Clock is the wall clock; tests inject their own.
	Clock func() time.Time
	// Errors receives rows that fail at run time.
	Errors ErrorSink
	// Pump names the pump in error records.
	Pump string
}

func (e Env) evalContext() *EvalContext {
	return &EvalContext{Alloc: e.Alloc, Start: e.Start, Clock: e.Clock}
}

// computeCtx returns ctx carrying the allocator for Arrow compute kernels
// and an exec context that runs them on the calling goroutine.
func (e Env) computeCtx(ctx context.Context) context.Context {
	return compute.WithAllocator(compute.SetExecCtx(ctx, serialExecCtx), e.Alloc)
}

// serialExecCtx is Arrow's default exec context with NumParallel 1: the
// engine spreads work over cores itself (parallel stages, generator
// workers), and a kernel that started goroutines of its own (FilterRecordBatch
// starts one per column when NumParallel > 1) would, on every batch, pay
// for their start, stack growth and scheduling on cores already busy.
var serialExecCtx = func() compute.ExecCtx {
	c := compute.DefaultExecCtx()
	c.NumParallel = 1
	return c
}()

// withDefaults fills in a Go allocator, the system clock and a discarding
// error sink where Env leaves them unset.
func (e Env) withDefaults() Env {
	if e.Alloc == nil {
		e.Alloc = memory.NewGoAllocator()
	}
	if e.Clock == nil {
		e.Clock = time.Now
	}
	if e.Start.IsZero() {
		e.Start = e.Clock()
	}
	if e.Errors == nil {
		e.Errors = ErrorSinkFunc(func(ErrorRecord) {})
	}
	return e
}
