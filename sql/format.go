package sql

import (
	"strconv"
	"strings"
)

// Format renders a statement as canonical SQL: upper-case keywords,
// identifiers double-quoted only when needed, one line. Parsing the result
// gives the same tree (apart from positions).
func Format(s Statement) string {
	var p printer
	p.stmt(s)
	return p.String()
}

// FormatExpr renders an expression as canonical SQL.
func FormatExpr(e Expr) string {
	var p printer
	p.expr(e, 0)
	return p.String()
}

// printer accumulates SQL text.
type printer struct{ strings.Builder }

func (p *printer) stmt(s Statement) {
	switch s := s.(type) {
	case *CreateStream:
		p.WriteString("CREATE ")
		if s.OrReplace {
			p.WriteString("OR REPLACE ")
		}
		kind := "STREAM "
		if s.Table {
			kind = "TABLE "
		}
		p.WriteString(kind + quoteIdent(s.Name) + " (")
		for i, c := range s.Columns {
			if i > 0 {
				p.WriteString(", ")
			}
			p.WriteString(quoteIdent(c.Name) + " " + FormatType(c.Type))
			if c.NotNull {
				p.WriteString(" NOT NULL")
			}
		}
		if w := s.Watermark; w != nil {
			if len(s.Columns) > 0 {
				p.WriteString(", ")
			}
			p.WriteString("WATERMARK FOR " + quoteIdent(w.Column) + " AS ")
			p.expr(w.Expr, 0)
		}
		p.WriteString(")")
		if s.Description != "" {
			p.WriteString(" DESCRIPTION " + quoteString(s.Description))
		}
		if len(s.Options) > 0 {
			p.WriteString(" WITH (")
			for i, o := range s.Options {
				if i > 0 {
					p.WriteString(", ")
				}
				p.WriteString(quoteString(o.Key) + " = " + quoteString(o.Value))
			}
			p.WriteString(")")
		}
	case *CreatePump:
		p.WriteString("CREATE ")
		if s.OrReplace {
			p.WriteString("OR REPLACE ")
		}
		p.WriteString("PUMP " + quoteIdent(s.Name) + " ")
		if s.Stopped {
			p.WriteString("STOPPED ")
		}
		p.WriteString("AS ")
		p.stmt(s.Insert)
	case *PumpControl:
		if s.Start {
			p.WriteString("START PUMP " + quoteIdent(s.Name))
		} else {
			p.WriteString("STOP PUMP " + quoteIdent(s.Name))
		}
	case *CreateReport:
		p.createReport(s)
	case *CreateFunction:
		p.createFunction(s)
	case *Insert:
		p.WriteString("INSERT INTO " + quoteIdent(s.Target) + " ")
		if len(s.Columns) > 0 {
			p.WriteString("(")
			for i, c := range s.Columns {
				if i > 0 {
					p.WriteString(", ")
				}
				p.WriteString(quoteIdent(c.Name))
			}
			p.WriteString(") ")
		}
		p.query(s.Query)
	case *SelectStatement:
		p.query(s.Query)
	case *Drop:
		p.WriteString("DROP " + kindWord(s.Kind) + " ")
		if s.IfExists {
			p.WriteString("IF EXISTS ")
		}
		p.WriteString(quoteIdent(s.Name))
	case *Show:
		p.WriteString("SHOW " + kindWord(s.Kind) + "S")
	case *Describe:
		p.WriteString("DESCRIBE " + quoteIdent(s.Name))
	case *RefreshTable:
		p.WriteString("REFRESH TABLE " + quoteIdent(s.Name))
	case *Explain:
		p.WriteString("EXPLAIN ")
		p.stmt(s.Target)
	case *Set:
		key := s.Key
		if !plainKey(key) {
			key = quoteString(key)
		}
		p.WriteString("SET " + key + " = " + quoteString(s.Value))
	}
}

func kindWord(k ObjectKind) string {
	switch k {
	case KindPump:
		return "PUMP"
	case KindFunction:
		return "FUNCTION"
	}
	return "STREAM"
}

// plainKey reports whether a SET key can be written without quotes.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, part := range strings.Split(k, ".") {
		if part == "" || isDigit(part[0]) || keywordSet[strings.ToUpper(part)] {
			return false
		}
		for i := 0; i < len(part); i++ {
			if c := part[i]; !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_') {
				return false
			}
		}
	}
	return true
}

func (p *printer) query(q *Query) {
	for i, s := range q.Selects {
		if i > 0 {
			p.WriteString(" UNION ALL ")
		}
		p.selectBlock(s)
	}
	p.orderBy(q.OrderBy)
	if q.Limit != nil {
		p.WriteString(" LIMIT " + strconv.FormatInt(q.Limit.N, 10))
	}
}

func (p *printer) orderBy(items []OrderItem) {
	if len(items) == 0 {
		return
	}
	p.WriteString(" ORDER BY ")
	for i, o := range items {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(o.Expr, 0)
		if o.Desc {
			p.WriteString(" DESC")
		}
	}
}

func (p *printer) list(es []Expr) {
	for i, e := range es {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(e, 0)
	}
}

func (p *printer) selectBlock(s *Select) {
	p.WriteString("SELECT ")
	if s.Stream {
		p.WriteString("STREAM ")
	}
	if s.Distinct {
		p.WriteString("DISTINCT ")
	}
	for i, it := range s.Items {
		if i > 0 {
			p.WriteString(", ")
		}
		switch {
		case it.Star && it.Qualifier != "":
			p.WriteString(quoteIdent(it.Qualifier) + ".*")
		case it.Star:
			p.WriteString("*")
		default:
			p.expr(it.Expr, 0)
			if it.Alias != "" {
				p.WriteString(" AS " + quoteIdent(it.Alias))
			}
		}
	}
	if s.From != nil {
		p.WriteString(" FROM ")
		p.table(s.From, false)
	}
	if s.Where != nil {
		p.WriteString(" WHERE ")
		p.expr(s.Where, 0)
	}
	if len(s.GroupBy) > 0 {
		p.WriteString(" GROUP BY ")
		p.list(s.GroupBy)
	}
	if g := s.Stagger; g != nil {
		p.WriteString(" WINDOWED BY STAGGER (PARTITION BY ")
		p.list(g.PartitionBy)
		p.WriteString(" RANGE " + formatInterval(g.Range) + ")")
	}
	if s.Having != nil {
		p.WriteString(" HAVING ")
		p.expr(s.Having, 0)
	}
	for i, w := range s.Windows {
		if i == 0 {
			p.WriteString(" WINDOW ")
		} else {
			p.WriteString(", ")
		}
		p.WriteString(quoteIdent(w.Name) + " AS ")
		p.windowSpec(w.Spec)
	}
	p.orderBy(s.OrderBy)
	if e := s.Emit; e != nil {
		p.WriteString(" EMIT ")
		if e.Mode != "" {
			p.WriteString(e.Mode)
		} else {
			p.WriteString("EVERY " + formatInterval(e.Every))
		}
	}
}

// table renders a FROM item; nested marks the right side of a join.
func (p *printer) table(t TableExpr, nested bool) {
	switch t := t.(type) {
	case *TableRef:
		p.WriteString(quoteIdent(t.Name))
		if t.AsOf != nil {
			p.WriteString(" FOR SYSTEM_TIME AS OF ")
			p.expr(t.AsOf, 0)
		}
		switch {
		case t.Over != nil && t.Over.Frame == nil:
			p.WriteString(" OVER " + quoteIdent(t.Over.Ref))
		case t.Over != nil:
			p.WriteString(" OVER ")
			p.windowSpec(t.Over)
		}
		p.alias(t.Alias)
	case *SubqueryRef:
		p.WriteString("(")
		p.query(t.Query)
		p.WriteString(")")
		p.alias(t.Alias)
		if len(t.Columns) > 0 {
			p.WriteString("(")
			for i, c := range t.Columns {
				if i > 0 {
					p.WriteString(", ")
				}
				p.WriteString(quoteIdent(c.Name))
			}
			p.WriteString(")")
		}
	case *Join:
		if nested {
			p.WriteString("(")
		}
		p.table(t.Left, false)
		p.WriteString([]string{" JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ", " CROSS JOIN "}[t.Kind])
		p.table(t.Right, true)
		if t.On != nil {
			p.WriteString(" ON ")
			p.expr(t.On, 0)
		}
		if nested {
			p.WriteString(")")
		}
	case *WindowTVF:
		p.WriteString("TABLE(" + t.Func + "(TABLE " + quoteIdent(t.Table.Name))
		if len(t.PartitionBy) > 0 {
			p.WriteString(" PARTITION BY ")
			p.list(t.PartitionBy)
		}
		p.WriteString(", DESCRIPTOR(" + quoteIdent(t.TimeCol.Name) + ")")
		for _, a := range t.Args {
			p.WriteString(", ")
			p.expr(a, 0)
		}
		p.WriteString("))")
		p.alias(t.Alias)
	case *TableFunc:
		p.WriteString("TABLE(" + quoteFunc(t.Name) + "(")
		for i, a := range t.Args {
			if i > 0 {
				p.WriteString(", ")
			}
			if sq, ok := a.(*SubqueryExpr); ok && !sq.Exists {
				p.WriteString("CURSOR(")
				p.query(sq.Query)
				p.WriteString(")")
				continue
			}
			p.expr(a, 0)
		}
		p.WriteString("))")
		p.alias(t.Alias)
	}
}

func (p *printer) alias(a string) {
	if a != "" {
		p.WriteString(" AS " + quoteIdent(a))
	}
}

func (p *printer) windowSpec(w *WindowSpec) {
	var parts []string
	if w.Ref != "" {
		parts = append(parts, quoteIdent(w.Ref))
	}
	if len(w.PartitionBy) > 0 {
		parts = append(parts, "PARTITION BY "+joinExprs(w.PartitionBy))
	}
	if len(w.OrderBy) > 0 {
		var q printer
		q.orderBy(w.OrderBy)
		parts = append(parts, strings.TrimPrefix(q.String(), " "))
	}
	if f := w.Frame; f != nil {
		kind := "RANGE "
		if f.Rows {
			kind = "ROWS "
		}
		switch {
		case f.Unbounded:
			parts = append(parts, kind+"UNBOUNDED PRECEDING")
		case f.Rows && f.N == 0, !f.Rows && f.Range == (Interval{}):
			parts = append(parts, kind+"CURRENT ROW")
		case f.Rows:
			parts = append(parts, kind+strconv.FormatInt(f.N, 10)+" PRECEDING")
		default:
			parts = append(parts, kind+formatInterval(f.Range)+" PRECEDING")
		}
	}
	p.WriteString("(" + strings.Join(parts, " ") + ")")
}

func joinExprs(es []Expr) string {
	var p printer
	p.list(es)
	return p.String()
}

// FormatType renders a SQL type.
func FormatType(t Type) string {
	switch t.Kind {
	case TypeDecimal:
		return "DECIMAL(" + strconv.Itoa(t.Precision) + ", " + strconv.Itoa(t.Scale) + ")"
	case TypeChar, TypeVarchar, TypeVarbinary:
		name := map[TypeKind]string{TypeChar: "CHAR", TypeVarchar: "VARCHAR", TypeVarbinary: "VARBINARY"}[t.Kind]
		if t.Length > 0 {
			return name + "(" + strconv.Itoa(t.Length) + ")"
		}
		return name
	case TypeTimestamp, TypeTime:
		name := "TIMESTAMP"
		if t.Kind == TypeTime {
			name = "TIME"
		}
		if t.Precision > 0 {
			return name + "(" + strconv.Itoa(t.Precision) + ")"
		}
		return name
	}
	names := map[TypeKind]string{TypeBoolean: "BOOLEAN", TypeTinyInt: "TINYINT", TypeSmallInt: "SMALLINT",
		TypeInteger: "INTEGER", TypeBigInt: "BIGINT", TypeReal: "REAL", TypeDouble: "DOUBLE", TypeDate: "DATE"}
	if n, ok := names[t.Kind]; ok {
		return n
	}
	return "UNKNOWN"
}

// quoteIdent double-quotes a name unless it reads back as itself unquoted.
func quoteIdent(s string) string {
	if s != "" && !keywordSet[s] && !isDigit(s[0]) {
		plain := true
		for i := 0; i < len(s); i++ {
			if c := s[i]; !(c >= 'A' && c <= 'Z' || isDigit(c) || c == '_') {
				plain = false
				break
			}
		}
		if plain && !strings.HasPrefix(s, "__") {
			return s
		}
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteFunc renders a function name (quoted only when it must be).
func quoteFunc(s string) string {
	if s != "" && !isDigit(s[0]) && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) < 0 {
		return s
	}
	return quoteIdent(s)
}

// quoteString renders a string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
