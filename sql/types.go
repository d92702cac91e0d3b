package sql

import (
	"strconv"
)

// parseType parses a SQL type at c: BOOLEAN, TINYINT, SMALLINT, INT[EGER],
// BIGINT, REAL, FLOAT[(p)], DOUBLE [PRECISION], DECIMAL|DEC|NUMERIC[(p[,s])],
// CHAR|CHARACTER[(n)] [VARYING], VARCHAR[(n)], STRING, TIMESTAMP[(p)], DATE,
// TIME[(p)], VARBINARY|BINARY|BYTES[(n)].
func parseType(c *cursor) (Type, error) {
	t := c.peek()
	if t.kind != tkWord {
		return Type{}, c.fail()
	}
	c.i++
	ty := Type{Pos: Pos(t.pos)}
	var err error
	switch t.val {
	case "BOOLEAN", "BOOL":
		ty.Kind = TypeBoolean
	case "TINYINT":
		ty.Kind = TypeTinyInt
	case "SMALLINT":
		ty.Kind = TypeSmallInt
	case "INT", "INTEGER":
		ty.Kind = TypeInteger
	case "BIGINT":
		ty.Kind = TypeBigInt
	case "REAL":
		ty.Kind = TypeReal
	case "FLOAT":
		ty.Kind = TypeDouble
		_, err = typeArgs(c, 1)
	case "DOUBLE":
		ty.Kind = TypeDouble
		c.eat("PRECISION")
	case "DECIMAL", "DEC", "NUMERIC":
		ty.Kind, ty.Precision = TypeDecimal, 19
		var a []int
		if a, err = typeArgs(c, 2); err == nil && len(a) > 0 {
			ty.Precision = a[0]
			if len(a) > 1 {
				ty.Scale = a[1]
			}
			if ty.Scale > ty.Precision || ty.Precision == 0 {
				return ty, c.src.Errorf(Pos(t.pos), "invalid decimal precision %d and scale %d", ty.Precision, ty.Scale)
			}
		}
	case "CHAR", "CHARACTER":
		ty.Kind, ty.Length = TypeChar, 1
		if c.eat("VARYING") {
			ty.Kind, ty.Length = TypeVarchar, 0
		}
		err = typeLength(c, &ty)
	case "VARCHAR", "STRING":
		ty.Kind = TypeVarchar
		if t.val == "VARCHAR" {
			err = typeLength(c, &ty)
		}
	case "TIMESTAMP", "TIME":
		ty.Kind = TypeTimestamp
		if t.val == "TIME" {
			ty.Kind = TypeTime
		}
		var a []int
		if a, err = typeArgs(c, 1); err == nil && len(a) == 1 {
			ty.Precision = a[0]
		}
	case "DATE":
		ty.Kind = TypeDate
	case "VARBINARY", "BINARY", "BYTES":
		ty.Kind = TypeVarbinary
		err = typeLength(c, &ty)
	default:
		return ty, c.src.Errorf(Pos(t.pos), "unsupported type %s", c.src.Text[t.pos:t.end])
	}
	return ty, err
}

// typeLength reads an optional (n) into ty.Length.
func typeLength(c *cursor, ty *Type) error {
	a, err := typeArgs(c, 1)
	if err == nil && len(a) == 1 {
		if a[0] == 0 {
			return c.src.Errorf(ty.Pos, "invalid length 0")
		}
		ty.Length = a[0]
	}
	return err
}

// typeArgs reads an optional parenthesised list of at most max integers.
func typeArgs(c *cursor, max int) ([]int, error) {
	if !c.eatP("(") {
		return nil, nil
	}
	var out []int
	for {
		t := c.peek()
		if t.kind != tkNumber || len(out) == max {
			return nil, c.fail()
		}
		n, err := strconv.Atoi(t.val)
		if err != nil || n < 0 {
			return nil, c.src.Errorf(Pos(t.pos), "invalid type parameter %s", t.val)
		}
		c.i++
		out = append(out, n)
		if c.eatP(")") {
			return out, nil
		}
		if err := c.wantP(","); err != nil {
			return nil, err
		}
	}
}
