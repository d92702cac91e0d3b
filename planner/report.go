package planner

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/eddy-sql/eddy/sql"
)

// ReportDef is a report of the catalog: a query over retained stream
// history, run on a schedule.
type ReportDef struct {
	Name string
	// Cron is the schedule as a cron expression; empty when Every is set.
	Cron string
	// Every is the period of an EVERY INTERVAL schedule, in milliseconds.
	Every int64
	// Query is the report's SELECT, as the user wrote it.
	Query *sql.Query
	// Text is the statement's text; Src its file.
	Text    string
	Src     *sql.Source
	Options map[string]string
	// Streams lists the streams the query reads; each must be retained.
	Streams []string
}

// RetainOption is the stream option that keeps a stream's rows as history
// for reports: WITH (retain = '24 hours').
const RetainOption = "retain"

// planOnlyOptions are stream options the planner consumes; connectors never
// see them.
var planOnlyOptions = map[string]bool{RetainOption: true}

func (s *Session) createReport(st *sql.CreateReport) (*Result, error) {
	if _, ok := s.reports[st.Name]; ok && !st.OrReplace {
		return nil, st.Src.Errorf(st.NamePos, "report %s already exists", quoteIdent(st.Name))
	}
	if st.Cron == "" && st.Every.Millis <= 0 {
		return nil, st.Src.Errorf(st.At, "a report needs SCHEDULE 'cron expression' or EVERY INTERVAL '…'")
	}
	// A report reads bounded history: plan it as the report runner will.
	bounded := s.clone()
	bounded.cfg.Bounded = true
	qp := &queryPlanner{s: bounded, b: s.binder(st.Src), src: st.Src}
	plan, err := qp.query(st.Query)
	if err != nil {
		return nil, err
	}
	def := &ReportDef{Name: st.Name, Cron: st.Cron, Every: st.Every.Millis, Query: st.Query, Text: st.Text, Src: st.Src, Options: map[string]string{}}
	for _, o := range st.Options {
		def.Options[o.Key] = o.Value
	}
	seen := map[string]bool{}
	for _, name := range scannedStreams(plan) {
		d, _ := s.cat.lookupStream(name)
		if _, ok := d.Options[RetainOption]; !ok {
			return nil, st.Src.Errorf(st.Query.Pos, "report %s reads stream %s, which keeps no history: declare it WITH (retain = '24 hours')", quoteIdent(st.Name), quoteIdent(name))
		}
		if !seen[name] {
			seen[name] = true
			def.Streams = append(def.Streams, name)
		}
	}
	s.reports[st.Name] = def
	return &Result{Text: "CREATE REPORT " + quoteIdent(st.Name)}, nil
}

// Reports returns the session's reports, by name.
func (s *Session) Reports() []*ReportDef {
	out := make([]*ReportDef, 0, len(s.reports))
	for _, r := range s.reports {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Stream returns a stream of the catalog.
func (s *Session) Stream(name string) (*StreamDef, bool) { return s.cat.lookupStream(name) }

// HistoryDir is where a retained stream's history lives under the state
// directory.
func HistoryDir(stateDir, stream string) string {
	return filepath.Join(stateDir, "history", stream)
}

// retainDestination returns the destination options that keep def's
// history, or nil when def is not retained.
func (s *Session) retainDestination(def *StreamDef) (map[string]string, error) {
	period, ok := def.Options[RetainOption]
	if !ok {
		return nil, nil
	}
	if s.cfg.StateDir == "" {
		return nil, fmt.Errorf("stream %s: retain needs a state directory (eddy run --state DIR)", quoteIdent(def.Name))
	}
	return map[string]string{"connector": "history", "dir": HistoryDir(s.cfg.StateDir, def.Name), "retain": period}, nil
}

// connectorOptions returns options without the planner's own keys.
func connectorOptions(opts map[string]string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		if !planOnlyOptions[k] {
			out[k] = v
		}
	}
	return out
}
