package exec

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

func registerTime(reg registrar) {
	reg(true, bindFloorTime, "floor_time", "ceil_time")
	reg(true, bindStep, "step")
	reg(true, bindExtract, "extract")
	reg(true, bindExtractAlias, "year", "quarter", "month", "week", "dayofmonth", "dayofweek", "dayofyear", "hour", "minute", "second")
	reg(false, bindNow, "current_timestamp", "localtimestamp", "current_date", "current_row_timestamp")
	reg(true, bindTsdiff, "tsdiff")
	reg(true, bindUnixTimestamp, "unix_timestamp")
	reg(true, bindToTimestamp, "to_timestamp")
}

var (
	errStep      = newError(ErrInvalidArgument, "exec: step: the interval must be positive")
	errTimeRange = newError(ErrOverflow, "exec: timestamp out of range")
)

// constUnit reads a constant upper-case unit name argument.
func constUnit(name string, e Expr, units []string) (string, error) {
	v, ok := ConstValue(e)
	s, _ := v.(string)
	s = strings.ToUpper(s)
	if ok {
		for _, u := range units {
			if s == u {
				return s, nil
			}
		}
	}
	return "", newError(ErrArgumentTypes, "exec: function %s: the unit must be a constant, one of %s", name, strings.Join(units, " "))
}

var floorUnits = []string{"MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}

// floorTime truncates a timestamp (ms) to the start of its unit; weeks
// start on Monday.
func floorTime(ts int64, unit string) int64 {
	switch unit {
	case "MILLISECOND":
		return ts
	case "SECOND":
		return floorDiv(ts, msPerSecond) * msPerSecond
	case "MINUTE":
		return floorDiv(ts, msPerMinute) * msPerMinute
	case "HOUR":
		return floorDiv(ts, msPerHour) * msPerHour
	case "DAY":
		return floorDiv(ts, msPerDay) * msPerDay
	case "WEEK":
		days := floorDiv(ts, msPerDay)
		return (days - floorMod(days+3, 7)) * msPerDay
	}
	y, m, _ := civilFromDays(floorDiv(ts, msPerDay))
	switch unit {
	case "QUARTER":
		m = (m-1)/3*3 + 1
	case "YEAR":
		m = 1
	}
	return daysFromCivil(y, m, 1) * msPerDay
}

// ceilTime is the smallest unit boundary at or after ts.
func ceilTime(ts int64, unit string) int64 {
	f := floorTime(ts, unit)
	if f == ts {
		return ts
	}
	switch unit {
	case "SECOND":
		return f + msPerSecond
	case "MINUTE":
		return f + msPerMinute
	case "HOUR":
		return f + msPerHour
	case "DAY":
		return f + msPerDay
	case "WEEK":
		return f + 7*msPerDay
	case "MONTH":
		return addMonths(f, 1)
	case "QUARTER":
		return addMonths(f, 3)
	}
	return addMonths(f, 12)
}

func bindFloorTime(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	typ := args[0].DataType()
	if !isTimestamp(typ) && !isDate(typ) && !isNullType(typ) {
		return nil, argTypesError(name, args, "(timestamp or date, unit)")
	}
	unit, err := constUnit(name, args[1], floorUnits)
	if err != nil {
		return nil, err
	}
	f := floorTime
	if name == "ceil_time" {
		f = ceilTime
	}
	if isNullType(typ) {
		return &literal{typ: TimestampType}, nil
	}
	if isDate(typ) {
		k := fixedKernel(typ, func(ops []operand) func(int) (int32, bool) {
			g := intOperand(ops[0])
			return func(i int) (int32, bool) { return int32(floorDiv(f(g(i)*msPerDay, unit), msPerDay)), true }
		}, nil)
		return newCall(name, typ, true, k, args...), nil
	}
	k := fixedKernel(typ, func(ops []operand) func(int) (int64, bool) {
		g := intOperand(ops[0])
		return func(i int) (int64, bool) { return f(g(i), unit), true }
	}, nil)
	return newCall(name, typ, true, k, args...), nil
}

// bindStep binds KDA STEP(x BY width): timestamps bucketed by an interval
// from the epoch, or integers by an integer: STEP(23 BY 5) = 20.
func bindStep(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	a, b := args[0].DataType(), args[1].DataType()
	var typ arrow.DataType
	conv := args
	switch {
	case isTimestamp(a) && isDuration(b):
		typ = a
	case isTimestamp(a) && isMonths(b):
		// Calendar months from 1970-01: STEP(ts BY INTERVAL '3' MONTH).
		return newCall(name, a, true, int64Binary[int64](a, errStep, func(ts, k int64) (int64, bool) {
			if k <= 0 {
				return 0, false
			}
			y, m, _ := civilFromDays(floorDiv(ts, msPerDay))
			months := floorDiv((y-1970)*12+m-1, k) * k
			return daysFromCivil(1970+floorDiv(months, 12), floorMod(months, 12)+1, 1) * msPerDay, true
		}), args...), nil
	case isInteger(a) && isInteger(b):
		x, err := coerce(args[1], arrow.PrimitiveTypes.Int64)
		if err != nil {
			return nil, err
		}
		conv, typ = []Expr{args[0], x}, a
	default:
		return nil, argTypesError(name, args, "(timestamp, interval), (timestamp, interval month) or (integer, integer)")
	}
	step := func(x, w int64) (int64, bool) {
		if w <= 0 {
			return 0, false
		}
		return floorDiv(x, w) * w, true
	}
	var k kernel
	switch typ.ID() {
	case arrow.INT8:
		k = int64Binary[int8](typ, errStep, step)
	case arrow.INT16:
		k = int64Binary[int16](typ, errStep, step)
	case arrow.INT32:
		k = int64Binary[int32](typ, errStep, step)
	default:
		k = int64Binary[int64](typ, errStep, step)
	}
	return newCall(name, typ, true, k, conv...), nil
}

var extractUnits = []string{"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "DOW", "DOY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "EPOCH"}

// isoWeek returns the ISO 8601 week number of a day.
func isoWeek(days int64) int64 {
	wd := floorMod(days+3, 7) + 1 // Monday 1 … Sunday 7
	thursday := days - wd + 4
	y, _, _ := civilFromDays(thursday)
	return (thursday-daysFromCivil(y, 1, 1))/7 + 1
}

// extractField returns one field of a timestamp in ms.
func extractField(ts int64, unit string) int64 {
	days := floorDiv(ts, msPerDay)
	tod := ts - days*msPerDay
	switch unit {
	case "HOUR":
		return tod / msPerHour
	case "MINUTE":
		return tod / msPerMinute % 60
	case "SECOND":
		return tod / msPerSecond % 60
	case "MILLISECOND":
		return tod % msPerMinute
	case "EPOCH":
		return floorDiv(ts, msPerSecond)
	case "DOW":
		return floorMod(days+4, 7) + 1 // Sunday 1 … Saturday 7
	case "WEEK":
		return isoWeek(days)
	}
	y, m, d := civilFromDays(days)
	switch unit {
	case "YEAR":
		return y
	case "QUARTER":
		return (m-1)/3 + 1
	case "MONTH":
		return m
	case "DAY":
		return d
	}
	return days - daysFromCivil(y, 1, 1) + 1 // DOY
}

func extractCall(name string, unit string, x Expr, args []Expr) (Expr, error) {
	typ := x.DataType()
	scale := int64(1)
	switch {
	case isTimestamp(typ):
	case isDate(typ):
		scale = msPerDay
	case isNullType(typ):
		return &literal{typ: arrow.PrimitiveTypes.Int64}, nil
	default:
		return nil, argTypesError(name, args, "a timestamp or date")
	}
	k := fixedKernel(arrow.PrimitiveTypes.Int64, func(ops []operand) func(int) (int64, bool) {
		g := intOperand(ops[0])
		return func(i int) (int64, bool) { return extractField(g(i)*scale, unit), true }
	}, nil)
	return &named{Expr: newCall(name, arrow.PrimitiveTypes.Int64, true, k, x), name: name, args: args}, nil
}

// bindExtract binds EXTRACT(unit FROM x) as extract('UNIT', x).
func bindExtract(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	unit, err := constUnit(name, args[0], extractUnits)
	if err != nil {
		return nil, err
	}
	return extractCall(name, unit, args[1], args)
}

var aliasUnits = map[string]string{
	"year": "YEAR", "quarter": "QUARTER", "month": "MONTH", "week": "WEEK", "dayofmonth": "DAY",
	"dayofweek": "DOW", "dayofyear": "DOY", "hour": "HOUR", "minute": "MINUTE", "second": "SECOND",
}

func bindExtractAlias(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	return extractCall(name, aliasUnits[name], args[0], args)
}

// nowExpr is CURRENT_TIMESTAMP and friends: the statement start, or the
// clock once per batch for CURRENT_ROW_TIMESTAMP.
type nowExpr struct {
	name string
}

func bindNow(name string, args []Expr) (Expr, error) {
	if len(args) != 0 {
		return nil, arityError(name, len(args), "no")
	}
	return &nowExpr{name: name}, nil
}

func (e *nowExpr) DataType() arrow.DataType {
	if e.name == "current_date" {
		return DateType
	}
	return TimestampType
}

func (e *nowExpr) String() string { return e.name + "()" }

// Eval returns the time for every row. A nil Clock reads the system clock.
func (e *nowExpr) Eval(ec *EvalContext, batch arrow.RecordBatch) (arrow.Array, error) {
	t := ec.Start
	if e.name == "current_row_timestamp" {
		if ec.Clock != nil {
			t = ec.Clock()
		} else {
			t = time.Now()
		}
	}
	ms := t.UnixMilli()
	if e.name == "current_date" {
		return constArray(ec.Alloc, DateType, floorDiv(ms, msPerDay), int(batch.NumRows()))
	}
	return constArray(ec.Alloc, TimestampType, ms, int(batch.NumRows()))
}

// bindTsdiff binds KDA TSDIFF(a, b): a - b in milliseconds, as BIGINT, of
// two timestamps (or two BIGINT epoch milliseconds).
func bindTsdiff(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, arityError(name, len(args), "2")
	}
	conv := make([]Expr, 2)
	for i, a := range args {
		t := a.DataType()
		switch {
		case isTimestamp(t) || isNullType(t):
			conv[i] = a
		case isInteger(t):
			c, err := coerce(a, arrow.PrimitiveTypes.Int64)
			if err != nil {
				return nil, err
			}
			conv[i] = c
		default:
			return nil, argTypesError(name, args, "(timestamp, timestamp) or (bigint, bigint)")
		}
	}
	typ := arrow.PrimitiveTypes.Int64
	return newCall(name, typ, true, int64Binary[int64](typ, errSubOverflow, func(x, y int64) (int64, bool) {
		r := x - y
		return r, (x^y)&(x^r) >= 0
	}), conv...), nil
}

// bindUnixTimestamp binds KDA UNIX_TIMESTAMP(ts): milliseconds since the
// epoch as BIGINT.
func bindUnixTimestamp(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	t := args[0].DataType()
	if !isTimestamp(t) && !isDate(t) && !isNullType(t) {
		return nil, argTypesError(name, args, "(timestamp)")
	}
	x, err := coerce(args[0], TimestampType)
	if err != nil {
		return nil, err
	}
	typ := arrow.PrimitiveTypes.Int64
	k := fixedKernel(typ, func(ops []operand) func(int) (int64, bool) {
		g := intOperand(ops[0])
		return func(i int) (int64, bool) { return g(i), true }
	}, nil)
	return &named{Expr: newCall(name, typ, true, k, x), name: name, args: args}, nil
}

// bindToTimestamp binds KDA TO_TIMESTAMP(bigint ms).
func bindToTimestamp(name string, args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, arityError(name, len(args), "1")
	}
	if !isInteger(args[0].DataType()) && !isNullType(args[0].DataType()) {
		return nil, argTypesError(name, args, "(bigint milliseconds since the epoch)")
	}
	x, err := coerce(args[0], arrow.PrimitiveTypes.Int64)
	if err != nil {
		return nil, err
	}
	k := fixedKernel(TimestampType, func(ops []operand) func(int) (int64, bool) {
		g := intOperand(ops[0])
		return func(i int) (int64, bool) { return g(i), true }
	}, errTimeRange)
	return &named{Expr: newCall(name, TimestampType, true, k, x), name: name, args: args}, nil
}
