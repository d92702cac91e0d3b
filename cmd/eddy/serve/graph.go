package serve

import (
	"math"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// Graph is an application's pipeline as the console draws it: source
// streams, pumps (the streams they read and the stream they write) and
// destinations, with the event time of the streams the server sees.
type Graph struct {
	Sources      []string    `json:"sources"`
	Pumps        []GraphPump `json:"pumps"`
	Destinations []string    `json:"destinations"`
	// Times are, by stream, its watermark and newest event time as the
	// sources and destinations report them (intermediate streams are not
	// reachable from outside the job).
	Times map[string]StreamTime `json:"times"`
	// Rows are, by stream between pumps, the rows it has carried since the
	// graph was first asked for (the console turns them into rows/s).
	Rows map[string]int64 `json:"rows"`
	// Queues are, by stream of the current run, how full its fullest
	// reader's queue is: near full, that reader holds the writers back.
	Queues map[string]QueueFill `json:"queues"`
}

// QueueFill is how many batches wait in a stream's fullest reader queue,
// of how many it holds.
type QueueFill struct {
	Queued   int `json:"queued"`
	Capacity int `json:"capacity"`
}

// GraphPump is one pump of a Graph.
type GraphPump struct {
	Name   string   `json:"name"`
	Reads  []string `json:"reads"`
	Target string   `json:"target"`
}

// StreamTime is a stream's event time, in ms since the epoch; nil when
// unknown.
type StreamTime struct {
	// Watermark is the minimum of the promises of its partitions that are
	// neither idle nor done.
	Watermark *int64 `json:"watermark,omitempty"`
	// MaxTime is the largest ROWTIME it has carried.
	MaxTime *int64 `json:"max_time,omitempty"`
}

// streamTime records a stream's event time; safe for concurrent use.
type streamTime struct {
	watermark, maxTime atomic.Int64
}

func newStreamTime() *streamTime {
	t := &streamTime{}
	t.watermark.Store(math.MinInt64)
	t.maxTime.Store(math.MinInt64)
	return t
}

// partitions records a source's partitions.
func (t *streamTime) partitions(parts []exec.Partition) {
	wm := int64(math.MaxInt64)
	for _, p := range parts {
		if p.MaxTime != math.MinInt64 && p.MaxTime > t.maxTime.Load() {
			t.maxTime.Store(p.MaxTime)
		}
		if !p.Idle && !p.Done && p.Watermark != exec.NoWatermark && p.Watermark < wm {
			wm = p.Watermark
		}
	}
	if wm != math.MaxInt64 {
		t.watermark.Store(wm)
	}
}

// batch records the ROWTIME of a batch's last row, when it has one.
func (t *streamTime) batch(b arrow.RecordBatch) {
	n := int(b.NumCols())
	if n == 0 || b.NumRows() == 0 || b.Schema().Field(n-1).Name != "ROWTIME" {
		return
	}
	ts, ok := b.Column(n - 1).(*array.Timestamp)
	if !ok || ts.IsNull(ts.Len()-1) {
		return
	}
	if v := int64(ts.Value(ts.Len() - 1)); v > t.maxTime.Load() {
		t.maxTime.Store(v)
	}
}

func (t *streamTime) get() StreamTime {
	var out StreamTime
	if v := t.watermark.Load(); v != math.MinInt64 {
		out.Watermark = &v
	}
	if v := t.maxTime.Load(); v != math.MinInt64 {
		out.MaxTime = &v
	}
	return out
}

// timeOf returns stream's event-time record, made on first use.
func (m *appMetrics) timeOf(stream string) *streamTime {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.times == nil {
		m.times = map[string]*streamTime{}
	}
	k := strings.ToUpper(stream)
	t := m.times[k]
	if t == nil {
		t = newStreamTime()
		m.times[k] = t
	}
	return t
}

// parseExplain reads the names of planner.Session.ExplainApp's text:
// "source S: …", "pump P -> stream T:" with its logical plan's "Scan S"
// lines, "destination D: …". Options are not kept.
func parseExplain(text string) Graph {
	g := Graph{Sources: []string{}, Pumps: []GraphPump{}, Destinations: []string{}}
	var pump *GraphPump
	logical := false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "source "):
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "source "), ": ")
			g.Sources = append(g.Sources, unquote(name))
			pump = nil
		case strings.HasPrefix(line, "pump "):
			head := strings.TrimSuffix(strings.TrimPrefix(line, "pump "), ":")
			name, target, _ := strings.Cut(head, " -> stream ")
			g.Pumps = append(g.Pumps, GraphPump{Name: unquote(name), Target: unquote(target), Reads: []string{}})
			pump = &g.Pumps[len(g.Pumps)-1]
		case strings.HasPrefix(line, "destination "):
			name, _, _ := strings.Cut(strings.TrimPrefix(line, "destination "), ": ")
			g.Destinations = append(g.Destinations, unquote(name))
			pump = nil
		case strings.HasPrefix(line, "query ") || strings.HasPrefix(line, "history of "):
			pump = nil
		case pump != nil && trimmed == "logical plan:":
			logical = true
		case pump != nil && trimmed == "physical plan:":
			logical = false
		case pump != nil && logical && strings.HasPrefix(trimmed, "Scan "):
			name := strings.TrimPrefix(trimmed, "Scan ")
			if i := strings.IndexAny(name, " ["); i > 0 && !strings.HasPrefix(name, `"`) {
				name = name[:i]
			} else if strings.HasPrefix(name, `"`) {
				if j := strings.Index(name[1:], `"`); j >= 0 {
					name = name[:j+2]
				}
			}
			name = unquote(name)
			if !contains(pump.Reads, name) {
				pump.Reads = append(pump.Reads, name)
			}
		}
	}
	for i := range g.Pumps {
		sort.Strings(g.Pumps[i].Reads)
	}
	return g
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Graph returns application app's pipeline as its last start planned it,
// with its streams' event time; ok is false before its first start.
func (m *Manager) Graph(app string) (g Graph, ok bool, err error) {
	a, err := m.get(app)
	if err != nil {
		return Graph{}, false, err
	}
	a.mu.Lock()
	if a.graph == nil {
		a.mu.Unlock()
		return Graph{}, false, nil
	}
	g = *a.graph
	a.mu.Unlock()
	g.Times = map[string]StreamTime{}
	g.Rows = map[string]int64{}
	a.metrics.watched.Store(true)
	a.metrics.mu.Lock()
	for k, t := range a.metrics.times {
		g.Times[k] = t.get()
	}
	for _, name := range a.metrics.inner {
		if t := a.metrics.taps[strings.ToUpper(name)]; t != nil {
			g.Rows[name] = t.rows.Load()
		}
	}
	streams := a.metrics.streams
	a.metrics.mu.Unlock()
	g.Queues = make(map[string]QueueFill, len(streams))
	for name, st := range streams {
		q, c := st.QueueFill()
		g.Queues[name] = QueueFill{Queued: q, Capacity: c}
	}
	return g, true, nil
}
