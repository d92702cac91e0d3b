package exec

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// ErrNotNull is wrapped by the row error of a NULL bound for a NOT NULL
// column.
var ErrNotNull = errors.New("exec: null value in a NOT NULL column")

type notNull struct {
	x      Expr
	column string
	err    error
}

var _ Expr = (*notNull)(nil)

// NotNull returns x, except that a NULL in a row is a row error naming
// column (the row goes to the error stream): it enforces a NOT NULL column
// of a stream.
func NotNull(x Expr, column string) Expr {
	return &notNull{x: x, column: column, err: fmt.Errorf("%w: column %s", ErrNotNull, column)}
}

func (n *notNull) DataType() arrow.DataType { return n.x.DataType() }

func (n *notNull) String() string { return fmt.Sprintf("not_null(%s)", n.x) }

// Eval evaluates x and records a row error for each NULL.
func (n *notNull) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.x.Eval(ec, batch)
	if err != nil || a.NullN() == 0 {
		return a, err
	}
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			ec.RowError(i, n.err)
		}
	}
	return a, nil
}
