package report

import (
	"fmt"
	"html"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The chart's geometry, in SVG user units.
const (
	chartW, chartH             = 760, 360
	padL, padR, padT, padB     = 70, 20, 40, 50
	maxSeries, maxBars, nTicks = 8, 40, 5
)

// palette colours the series and bars.
var palette = []string{"#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6", "#64748b"}

// chartSVG draws g: a line chart when the first column is a time (one line
// per value of the first text column, or per numeric column), bars when it
// is categorical and the second column numeric; "" when neither fits.
func chartSVG(g grid, title string, loc *time.Location) string {
	if len(g.rows) == 0 || len(g.kinds) < 2 {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	switch {
	case g.kinds[0] == kindTime:
		return lineChart(g, title, loc)
	case g.kinds[0] == kindText && g.kinds[1] == kindNumber:
		return barChart(g, title)
	}
	return ""
}

type point struct{ x, y float64 }

type series struct {
	name   string
	points []point
}

// lineSeries groups the rows into series.
func lineSeries(g grid) []series {
	num, text := -1, -1
	for c := 1; c < len(g.kinds); c++ {
		if g.kinds[c] == kindNumber && num < 0 {
			num = c
		}
		if g.kinds[c] == kindText && text < 0 {
			text = c
		}
	}
	if num < 0 {
		return nil
	}
	var out []series
	if text >= 0 {
		at := map[string]int{}
		for _, row := range g.rows {
			if row[0].null || row[num].null {
				continue
			}
			k := row[text].text
			i, ok := at[k]
			if !ok {
				if len(out) == maxSeries {
					continue
				}
				i = len(out)
				at[k] = i
				out = append(out, series{name: k + " " + g.names[num]})
			}
			out[i].points = append(out[i].points, point{row[0].num, row[num].num})
		}
	} else {
		for c := 1; c < len(g.kinds) && len(out) < maxSeries; c++ {
			if g.kinds[c] != kindNumber {
				continue
			}
			s := series{name: g.names[c]}
			for _, row := range g.rows {
				if !row[0].null && !row[c].null {
					s.points = append(s.points, point{row[0].num, row[c].num})
				}
			}
			out = append(out, s)
		}
	}
	for _, s := range out {
		sort.SliceStable(s.points, func(i, j int) bool { return s.points[i].x < s.points[j].x })
	}
	return out
}

func lineChart(g grid, title string, loc *time.Location) string {
	ss := lineSeries(g)
	if len(ss) == 0 {
		return ""
	}
	xmin, xmax, ymin, ymax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.points {
			xmin, xmax = math.Min(xmin, p.x), math.Max(xmax, p.x)
			ymin, ymax = math.Min(ymin, p.y), math.Max(ymax, p.y)
		}
	}
	if math.IsInf(xmin, 0) {
		return ""
	}
	if xmax == xmin {
		xmin, xmax = xmin-60000, xmax+60000
	}
	ymin, ymax = niceRange(ymin, ymax)
	var b strings.Builder
	open(&b, "line-chart", title)
	yAxis(&b, ymin, ymax)
	span := time.Duration(xmax-xmin) * time.Millisecond
	layout := "15:04"
	if span > 24*time.Hour {
		layout = "01-02 15:04"
	}
	for i := 0; i <= nTicks; i++ {
		v := xmin + (xmax-xmin)*float64(i)/nTicks
		x := sx(v, xmin, xmax)
		label := time.UnixMilli(int64(v)).In(loc).Format(layout)
		fmt.Fprintf(&b, `<line class="grid" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/><text class="label x" x="%.1f" y="%d" text-anchor="middle">%s</text>`,
			x, padT, x, chartH-padB, x, chartH-padB+18, label)
	}
	for i, s := range ss {
		colour := palette[i%len(palette)]
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", sx(p.x, xmin, xmax), sy(p.y, ymin, ymax)))
		}
		fmt.Fprintf(&b, `<polyline class="series" data-series="%s" stroke="%s" points="%s"/>`, html.EscapeString(s.name), colour, strings.Join(pts, " "))
		for _, p := range s.points {
			fmt.Fprintf(&b, `<circle class="point" cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s</title></circle>`,
				sx(p.x, xmin, xmax), sy(p.y, ymin, ymax), colour, html.EscapeString(s.name), formatNum(p.y))
		}
		fmt.Fprintf(&b, `<rect class="legend" x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s<title>%s</title></text>`,
			padL+i*legendStep, 14, colour, padL+i*legendStep+16, 24, html.EscapeString(legendName(s.name)), html.EscapeString(s.name))
	}
	b.WriteString("</svg>")
	return b.String()
}

func barChart(g grid, title string) string {
	rows := g.rows
	if len(rows) > maxBars {
		rows = rows[:maxBars]
	}
	ymin, ymax := 0.0, 0.0
	for _, r := range rows {
		if !r[1].null {
			ymin, ymax = math.Min(ymin, r[1].num), math.Max(ymax, r[1].num)
		}
	}
	ymin, ymax = niceRange(ymin, ymax)
	var b strings.Builder
	open(&b, "bar-chart", title)
	yAxis(&b, ymin, ymax)
	slot := float64(chartW-padL-padR) / float64(len(rows))
	zero := sy(0, ymin, ymax)
	for i, r := range rows {
		x := float64(padL) + slot*float64(i) + slot*0.15
		w := slot * 0.7
		y := sy(r[1].num, ymin, ymax)
		top, h := math.Min(y, zero), math.Abs(zero-y)
		if r[1].null {
			h = 0
		}
		fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
			x, top, w, h, palette[0], html.EscapeString(r[0].text), html.EscapeString(r[1].text))
		fmt.Fprintf(&b, `<text class="label x" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+w/2, chartH-padB+18, html.EscapeString(shorten(r[0].text, int(slot/7))))
	}
	fmt.Fprintf(&b, `<text x="%d" y="24">%s</text>`, padL, html.EscapeString(g.names[1]+" by "+g.names[0]))
	b.WriteString("</svg>")
	return b.String()
}

// open starts the SVG element and draws the axes.
func open(b *strings.Builder, class, title string) {
	fmt.Fprintf(b, `<svg class="chart %s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`, class, chartW, chartH, html.EscapeString(title))
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, chartH-padB, chartW-padR, chartH-padB)
	fmt.Fprintf(b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, padL, padT, padL, chartH-padB)
}

// yAxis draws the horizontal grid lines and their labels.
func yAxis(b *strings.Builder, ymin, ymax float64) {
	for i := 0; i <= nTicks; i++ {
		v := ymin + (ymax-ymin)*float64(i)/nTicks
		y := sy(v, ymin, ymax)
		fmt.Fprintf(b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="label y" x="%d" y="%.1f" text-anchor="end">%s</text>`,
			padL, y, chartW-padR, y, padL-8, y+4, formatNum(v))
	}
}

func sx(v, lo, hi float64) float64 { return padL + (v-lo)/(hi-lo)*float64(chartW-padL-padR) }
func sy(v, lo, hi float64) float64 {
	return float64(chartH-padB) - (v-lo)/(hi-lo)*float64(chartH-padB-padT)
}

// niceRange widens [lo, hi] to nTicks round steps.
func niceRange(lo, hi float64) (float64, float64) {
	if hi <= lo {
		hi = lo + 1
	}
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/nTicks)))
	for _, m := range []float64{1, 2, 2.5, 5, 10, 20, 25, 50} {
		step := m * mag
		start := math.Floor(lo/step) * step
		if start+step*nTicks >= hi {
			return start, start + step*nTicks
		}
	}
	return lo, hi
}

func formatNum(v float64) string {
	if math.Abs(v) >= 1e6 || (v != 0 && math.Abs(v) < 1e-3) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if n < 3 {
		n = 3
	}
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// legendStep is the room of one legend entry, in pixels; legendChars is
// how many characters of a series name fit in it beside the swatch.
const (
	legendStep  = 150
	legendChars = 18
)

// legendName shortens a series name to its legend room, with an ellipsis,
// so that long names do not run into the next entry (the full name is the
// entry's tooltip).
func legendName(name string) string {
	r := []rune(name)
	if len(r) <= legendChars {
		return name
	}
	return string(r[:legendChars-1]) + "…"
}
