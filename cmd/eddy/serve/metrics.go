package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eddy-sql/eddy/exec"
)

// flowCounters are the counters of one input or output of an application.
type flowCounters struct {
	flow, stream, id string
	records, bytes   atomic.Int64
	// success is 1 after a write that succeeded, 0 after one that failed
	// (KDA's Success); -1 before the first.
	success atomic.Int64
}

// appMetrics are an application's counters. They outlive its jobs: a
// restart keeps counting.
type appMetrics struct {
	mu    sync.Mutex
	flows map[string]*flowCounters // by flow + "/" + stream
	// inner are the in-application streams of the latest run that are
	// neither sources nor destinations (tapped in the stream itself).
	inner []string
	// watched: the console has asked for the graph, so the rows of the
	// inner streams are counted for its edges.
	watched atomic.Bool
	lag     map[string]map[string]int64 // stream → partition → MillisBehindLatest
	errors  map[string]int64            // error stream rows by ERROR_NAME
	// abandoned counts the checkpoints given up (the planner's notices).
	abandoned atomic.Int64
	// taps are the console's live views, by stream (upper case).
	taps map[string]*streamTap
	// times are the event time of source and destination streams.
	times map[string]*streamTime
	// streams are the latest run's in-application streams (the error
	// stream aside), for their queues' fill.
	streams map[string]*exec.Stream
}

func newAppMetrics() *appMetrics {
	return &appMetrics{flows: map[string]*flowCounters{}, lag: map[string]map[string]int64{}, errors: map[string]int64{}}
}

// flow returns the counters of stream's input or output.
func (m *appMetrics) flow(flow, stream, id string) *flowCounters {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := flow + "/" + stream
	f := m.flows[k]
	if f == nil {
		f = &flowCounters{flow: flow, stream: stream}
		f.success.Store(-1)
		m.flows[k] = f
	}
	if id != "" {
		f.id = id
	}
	return f
}

// setLag records the lag of a stream's partitions (-1: unknown, left out).
func (m *appMetrics) setLag(stream string, lags map[string]int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lag[stream] = lags
}

// countError counts one error-stream row.
func (m *appMetrics) countError(reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errors[reason]++
}

// collector exposes every application's metrics, read at scrape time.
type collector struct {
	mgr *Manager

	records, bytes, success, behind, errorRows *prometheus.Desc
	status, checkpoints, ckptSeconds, state    *prometheus.Desc
}

func newCollector(m *Manager) *collector {
	flow := []string{"application", "flow", "id", "stream"}
	return &collector{
		mgr:         m,
		records:     prometheus.NewDesc("eddy_records_total", "Records read from an input or delivered to an output (KDA's Records).", flow, nil),
		bytes:       prometheus.NewDesc("eddy_bytes_total", "Bytes of the records read or delivered, as Arrow data in memory (KDA's Bytes).", flow, nil),
		success:     prometheus.NewDesc("eddy_success", "1 when the last delivery to an output succeeded, 0 when it failed (KDA's Success).", flow, nil),
		behind:      prometheus.NewDesc("eddy_millis_behind_latest", "How far a partition of an input is behind its newest record, in milliseconds (KDA's MillisBehindLatest).", []string{"application", "id", "stream", "partition"}, nil),
		errorRows:   prometheus.NewDesc("eddy_error_stream_rows_total", "Rows sent to the error stream by ERROR_NAME (LATE, DECODE, DELIVERY, …).", []string{"application", "reason"}, nil),
		status:      prometheus.NewDesc("eddy_application_status", "1 for the application's current status.", []string{"application", "status"}, nil),
		checkpoints: prometheus.NewDesc("eddy_checkpoints_total", "Checkpoints of the running application's state (since its start position), by result (taken, abandoned).", []string{"application", "result"}, nil),
		ckptSeconds: prometheus.NewDesc("eddy_checkpoint_duration_seconds", "How long the last checkpoint took.", []string{"application"}, nil),
		state:       prometheus.NewDesc("eddy_state_bytes", "Bytes of state the last checkpoint held (its size).", []string{"application"}, nil),
	}
}

// Describe sends every descriptor.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.records, c.bytes, c.success, c.behind, c.errorRows, c.status, c.checkpoints, c.ckptSeconds, c.state} {
		ch <- d
	}
}

// Collect reads every application's counters.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, a := range c.mgr.apps() {
		name, status := a.nameStatus()
		ch <- prometheus.MustNewConstMetric(c.status, prometheus.GaugeValue, 1, name, status)
		m := a.metrics
		m.mu.Lock()
		flows := make([]*flowCounters, 0, len(m.flows))
		for _, f := range m.flows {
			flows = append(flows, f)
		}
		for reason, n := range m.errors {
			ch <- prometheus.MustNewConstMetric(c.errorRows, prometheus.CounterValue, float64(n), name, reason)
		}
		for stream, parts := range m.lag {
			id := ""
			if f := m.flows["input/"+stream]; f != nil {
				id = f.id
			}
			for p, ms := range parts {
				ch <- prometheus.MustNewConstMetric(c.behind, prometheus.GaugeValue, float64(ms), name, id, stream, p)
			}
		}
		m.mu.Unlock()
		sort.Slice(flows, func(i, j int) bool { return flows[i].stream < flows[j].stream })
		for _, f := range flows {
			labels := []string{name, f.flow, f.id, f.stream}
			ch <- prometheus.MustNewConstMetric(c.records, prometheus.CounterValue, float64(f.records.Load()), labels...)
			ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(f.bytes.Load()), labels...)
			if s := f.success.Load(); s >= 0 && f.flow == "output" {
				ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, float64(s), labels...)
			}
		}
		if dir, ok := a.runningStateDir(); ok {
			// planner.Job.Checkpoints may be read only after Run: the
			// newest complete checkpoint on disk says the same while it runs.
			st, ok := newestCheckpoint(dir)
			ch <- prometheus.MustNewConstMetric(c.checkpoints, prometheus.CounterValue, float64(st.id), name, "taken")
			ch <- prometheus.MustNewConstMetric(c.checkpoints, prometheus.CounterValue, float64(m.abandoned.Load()), name, "abandoned")
			if ok {
				ch <- prometheus.MustNewConstMetric(c.ckptSeconds, prometheus.GaugeValue, st.took.Seconds(), name)
				ch <- prometheus.MustNewConstMetric(c.state, prometheus.GaugeValue, float64(st.bytes), name)
			}
		}
	}
}

// checkpointStat describes the newest complete checkpoint of a state
// directory.
type checkpointStat struct {
	id    int64         // its number: how many were taken in this state
	bytes int64         // the operator state it holds
	took  time.Duration // from its start to its publication
}

// newestCheckpoint reads the newest complete checkpoint under dir (the
// planner's layout: checkpoints/chk-N/manifest.json and state files).
func newestCheckpoint(dir string) (checkpointStat, bool) {
	root := filepath.Join(dir, "checkpoints")
	entries, err := os.ReadDir(root)
	if err != nil {
		return checkpointStat{}, false
	}
	for i := len(entries) - 1; i >= 0; i-- {
		name := entries[i].Name()
		id, err := strconv.ParseInt(strings.TrimPrefix(name, "chk-"), 10, 64)
		if !strings.HasPrefix(name, "chk-") || err != nil {
			continue
		}
		path := filepath.Join(root, name)
		data, err := os.ReadFile(filepath.Join(path, "manifest.json"))
		if err != nil {
			continue // pruned meanwhile
		}
		var m struct {
			Time   time.Time
			States []struct{ Bytes int64 }
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		st := checkpointStat{id: id}
		for _, s := range m.States {
			st.bytes += s.Bytes
		}
		if fi, err := os.Stat(path); err == nil && !m.Time.IsZero() {
			st.took = max(fi.ModTime().Sub(m.Time), 0)
		}
		return st, true
	}
	return checkpointStat{}, false
}
