package exec

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Expr is a scalar expression evaluated a whole column at a time.
//
// Eval returns an array with batch.NumRows() elements, which the caller owns
// and must Release. A failure of the whole batch (a programmer error, an
// allocation failure) is returned as an error; a failure confined to one row
// (divide by zero, a bad cast) is recorded with ec.RowError, the row's result
// is NULL, and evaluation goes on. Exprs are immutable and safe for
// concurrent use.
type Expr interface {
	DataType() arrow.DataType
	Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error)
	String() string
}

// EvalContext carries what expression evaluation needs besides the batch.
// One EvalContext serves one operator; it is not safe for concurrent use.
type EvalContext struct {
	// Alloc allocates every array an Expr returns.
	Alloc memory.Allocator
	// Start is the statement's start time: CURRENT_TIMESTAMP and friends.
	Start time.Time
	// Clock gives the wall-clock time for CURRENT_ROW_TIMESTAMP.
	Clock func() time.Time

	rowErrs []RowError
}

// RowError is a runtime error confined to one row of a batch.
type RowError struct {
	Row int
	Err error
}

// RowError records that row failed with err.
func (ec *EvalContext) RowError(row int, err error) {
	ec.rowErrs = append(ec.rowErrs, RowError{Row: row, Err: err})
}

// TakeRowErrors returns the row errors recorded since the last call and
// forgets them. Rows may repeat when several expressions failed on them.
func (ec *EvalContext) TakeRowErrors() []RowError {
	errs := ec.rowErrs
	ec.rowErrs = nil
	return errs
}
