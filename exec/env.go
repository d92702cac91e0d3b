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

// computeCtx returns ctx carrying the allocator for Arrow compute kernels.
func (e Env) computeCtx(ctx context.Context) context.Context {
	return compute.WithAllocator(ctx, e.Alloc)
}

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
