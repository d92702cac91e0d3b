package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// column is a reference to one column of the input batch.
type column struct {
	index int
	name  string
	typ   arrow.DataType
}

var _ Expr = (*column)(nil)

// Column returns an Expr that yields column index of each batch, which must
// have type typ; name is only used to print the expression.
func Column(index int, name string, typ arrow.DataType) Expr {
	return &column{index: index, name: name, typ: typ}
}

// DataType returns the column's type.
func (c *column) DataType() arrow.DataType { return c.typ }

// Eval returns the column, retained for the caller.
func (c *column) Eval(_ *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	if c.index < 0 || c.index >= int(batch.NumCols()) {
		return nil, fmt.Errorf("exec: column %s: index %d out of range for a batch of %d columns", c.name, c.index, batch.NumCols())
	}
	col := batch.Column(c.index)
	if !arrow.TypeEqual(col.DataType(), c.typ) {
		return nil, fmt.Errorf("exec: column %s: batch has type %s, want %s", c.name, typeName(col.DataType()), typeName(c.typ))
	}
	col.Retain()
	return col, nil
}

// String returns the column's name, or $index when it has none.
func (c *column) String() string {
	if c.name == "" {
		return fmt.Sprintf("$%d", c.index)
	}
	return c.name
}
