package report

import (
	"bytes"
	"fmt"
	"html/template"
)

// page is the HTML report: one self-contained file, styles inline, the
// chart inline SVG; nothing is fetched from the network.
var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="eddy">
<title>{{.Title}}</title>
<style>
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#1d2330;background:#fff}
h1{font-size:1.6em;margin:0 0 .4em}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:0 0 1.5em;color:#4a5568}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
figure{margin:0 0 1.5em}
svg.chart{width:100%;height:auto;border:1px solid #e2e8f0;border-radius:6px;background:#fbfcfe}
svg.chart text{font-size:12px;fill:#4a5568}
svg.chart .axis{stroke:#a0aec0;stroke-width:1}
svg.chart .grid{stroke:#edf2f7;stroke-width:1}
svg.chart .series{fill:none;stroke-width:2.5}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.35em .7em;border-bottom:1px solid #e2e8f0;text-align:left}
th{background:#f7fafc;font-weight:600}
td.num{text-align:right}
td.null{color:#a0aec0}
p.count{color:#4a5568}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl class="meta">{{range .Meta}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
{{if .Chart}}<figure>{{.Chart}}</figure>{{end}}
<table class="report">
<thead><tr>{{range .Names}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="count">{{.Count}}</p>
</body>
</html>
`))

type htmlCell struct{ Text, Class string }

func renderHTML(r *Result) ([]byte, error) {
	title, meta := header(r)
	g := gridOf(r, r.Location)
	rows := make([][]htmlCell, len(g.rows))
	for i, row := range g.rows {
		rows[i] = make([]htmlCell, len(row))
		for c, v := range row {
			class := ""
			switch {
			case v.null:
				class = "null"
			case g.kinds[c] == kindNumber:
				class = "num"
			}
			rows[i][c] = htmlCell{Text: v.text, Class: class}
		}
	}
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"Title": title, "Meta": meta, "Names": g.names, "Rows": rows, "Count": rowCount(g),
		"Chart": template.HTML(chartSVG(g, title, r.Location)), // built from escaped text only
	})
	if err != nil {
		return nil, fmt.Errorf("report: html: %w", err)
	}
	return b.Bytes(), nil
}
