package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/sinks/encode"
)

// Render renders a run's result in format f.
func Render(r *Result, f Format) ([]byte, error) {
	switch f {
	case HTML:
		return renderHTML(r)
	case Markdown:
		return renderMarkdown(r), nil
	case CSV:
		return renderCSV(r)
	case JSON:
		return renderJSON(r)
	}
	return nil, fmt.Errorf("report: unknown format %q", f)
}

// kind is how a column is shown and charted.
type kind int

const (
	kindText kind = iota
	kindNumber
	kindTime
)

// cell is one value of the table: its text and, for numbers and times, its
// value (a time in Unix milliseconds).
type cell struct {
	text string
	null bool
	num  float64
}

// grid is the result as text cells, limited to the report's row limit.
type grid struct {
	names []string
	kinds []kind
	rows  [][]cell
	total int // rows in the result, shown or not
}

func gridOf(r *Result, loc *time.Location) grid {
	var g grid
	if loc == nil {
		loc = time.UTC
	}
	if r.Schema == nil {
		return g
	}
	for _, f := range r.Schema.Fields() {
		g.names = append(g.names, f.Name)
		g.kinds = append(g.kinds, kindOf(f.Type))
	}
	limit := math.MaxInt
	if r.Report != nil && r.Report.Limit > 0 {
		limit = r.Report.Limit
	}
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			g.total++
			if len(g.rows) >= limit {
				continue
			}
			row := make([]cell, b.NumCols())
			for c := range row {
				row[c] = cellOf(b.Column(c), i, loc)
			}
			g.rows = append(g.rows, row)
		}
	}
	return g
}

func kindOf(t arrow.DataType) kind {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128:
		return kindNumber
	case arrow.TIMESTAMP, arrow.DATE32, arrow.DATE64:
		return kindTime
	}
	return kindText
}

// cellOf reads row i of a: timestamps in loc as 2006-01-02 15:04:05 (with
// milliseconds when there are any), floats in their shortest form.
func cellOf(a arrow.Array, i int, loc *time.Location) cell {
	if a.IsNull(i) {
		return cell{text: "NULL", null: true}
	}
	switch a := a.(type) {
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		t := a.Value(i).ToTime(unit).In(loc)
		layout := "2006-01-02 15:04:05"
		if t.Nanosecond() != 0 {
			layout += ".000"
		}
		return cell{text: t.Format(layout), num: float64(t.UnixMilli())}
	case *array.Date32:
		t := a.Value(i).ToTime()
		return cell{text: t.Format("2006-01-02"), num: float64(t.UnixMilli())}
	case *array.Float64:
		return cell{text: strconv.FormatFloat(a.Value(i), 'g', -1, 64), num: a.Value(i)}
	case *array.Float32:
		return cell{text: strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32), num: float64(a.Value(i))}
	}
	s := a.ValueStr(i)
	if kindOf(a.DataType()) == kindNumber {
		n, _ := strconv.ParseFloat(s, 64)
		return cell{text: s, num: n}
	}
	return cell{text: s}
}

// header returns the lines every rendering starts with.
func header(r *Result) (title string, lines [][2]string) {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	f := "2006-01-02 15:04:05 MST"
	return r.Title, [][2]string{
		{"Schedule", r.Schedule},
		{"Scheduled time", r.Scheduled.In(loc).Format(f)},
		{"Window", r.From.In(loc).Format(f) + " to " + r.To.In(loc).Format(f) + " (end excluded)"},
		{"Run at", r.RunAt.In(loc).Format(f)},
	}
}

func renderMarkdown(r *Result) []byte {
	var b bytes.Buffer
	title, lines := header(r)
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(title))
	for _, l := range lines {
		fmt.Fprintf(&b, "- **%s:** %s\n", l[0], mdEscape(l[1]))
	}
	b.WriteString("\n")
	g := gridOf(r, r.Location)
	if len(g.names) == 0 {
		b.WriteString("No columns.\n")
		return b.Bytes()
	}
	b.WriteString("|")
	for _, n := range g.names {
		b.WriteString(" " + mdEscape(n) + " |")
	}
	b.WriteString("\n|")
	for _, k := range g.kinds {
		if k == kindNumber {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, row := range g.rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + mdEscape(c.text) + " |")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s\n", rowCount(g))
	return b.Bytes()
}

func rowCount(g grid) string {
	switch {
	case g.total == 0:
		return "No rows in this window."
	case len(g.rows) < g.total:
		return fmt.Sprintf("%d of %d rows shown.", len(g.rows), g.total)
	case g.total == 1:
		return "1 row."
	}
	return fmt.Sprintf("%d rows.", g.total)
}

// mdEscape keeps a cell on one line and its pipes literal, and escapes
// HTML: Markdown passes inline HTML through, so a value or a column name
// holding <script> would otherwise run in whatever renders the report.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	s = html.EscapeString(s)
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// renderCSV writes the rows with a header line, as the csv destination
// encodes them.
func renderCSV(r *Result) ([]byte, error) {
	if r.Schema == nil {
		return nil, nil
	}
	enc, err := encode.NewCSV(r.Schema, encode.Options{Header: true})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var out []byte
	for _, b := range r.Batches {
		if out, err = enc.Append(out, b); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return enc.Finish(out), nil
}

// renderJSON writes one JSON document: the report's description and its
// rows as objects, as the json destination encodes them.
func renderJSON(r *Result) ([]byte, error) {
	rows := []json.RawMessage{}
	for _, b := range r.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			rows = append(rows, json.RawMessage(encode.RowJSON(b, i)))
		}
	}
	var cols []map[string]string
	if r.Schema != nil {
		for _, f := range r.Schema.Fields() {
			cols = append(cols, map[string]string{"name": f.Name, "type": f.Type.String()})
		}
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	doc := struct {
		Report    string              `json:"report"`
		Title     string              `json:"title"`
		Schedule  string              `json:"schedule"`
		Scheduled string              `json:"scheduled_time"`
		From      string              `json:"window_start"`
		To        string              `json:"window_end"`
		RunAt     string              `json:"run_at"`
		Columns   []map[string]string `json:"columns"`
		Rows      []json.RawMessage   `json:"rows"`
	}{r.nameOf(), r.Title, r.Schedule, ts(r.Scheduled), ts(r.From), ts(r.To), ts(r.RunAt), cols, rows}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return out.Bytes(), nil
}

// nameOf returns the report's name.
func (r *Result) nameOf() string {
	if r.Report != nil && r.Report.Def != nil {
		return r.Report.Def.Name
	}
	return r.Title
}
