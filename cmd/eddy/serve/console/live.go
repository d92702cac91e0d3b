package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/cmd/eddy/serve"
)

// Live reaches the streams of running applications; *serve.Manager is
// one.
type Live interface {
	// TapStreams lists the streams of app that can be tapped.
	TapStreams(app string) ([]serve.TapStream, error)
	// Tap samples a stream's rows without ever blocking its writers.
	Tap(app, stream string, rate, buffer int) (*serve.Tap, error)
	// Graph is app's pipeline with its streams' event time.
	Graph(app string) (serve.Graph, bool, error)
}

// graph answers /console/graph/APP with the application's serve.Graph
// (404 before its first start).
func (c *Console) graph(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.session(r); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized", "message": "console: log in first"})
		return
	}
	if c.opts.Live == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "NotFound", "message": "console: no pipeline graph on this server"})
		return
	}
	g, ok, err := c.opts.Live.Graph(strings.TrimPrefix(r.URL.Path, Prefix+"graph/"))
	if err != nil || !ok {
		msg := "console: the application has not started yet"
		if err != nil {
			msg = err.Error()
		}
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "ResourceNotFoundException", "message": msg})
		return
	}
	writeJSON(w, http.StatusOK, g)
}

// liveFlush is how often sampled rows are sent to the page.
const liveFlush = 200 * time.Millisecond

// live answers /console/live/APP (the streams, JSON) and
// /console/live/APP/STREAM (its sampled rows as Server-Sent Events: an
// event "rows" with {columns, rows, dropped} at most every liveFlush).
func (c *Console) live(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.session(r); !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Unauthorized", "message": "console: log in first"})
		return
	}
	if c.opts.Live == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "NotFound", "message": "console: no live data on this server"})
		return
	}
	app, stream, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix+"live/"), "/")
	if stream == "" {
		list, err := c.opts.Live.TapStreams(app)
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "ResourceNotFoundException", "message": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, list)
		return
	}
	tap, err := c.opts.Live.Tap(app, stream, c.opts.LiveRate, c.opts.LiveBuffer)
	if err != nil {
		status := http.StatusNotFound
		if !errors.Is(err, serve.ErrNoStream) {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, map[string]any{"error": "NotFound", "message": err.Error()})
		return
	}
	defer tap.Close()
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "Internal", "message": "console: streaming unsupported"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	flusher.Flush()
	tick := time.NewTicker(liveFlush)
	defer tick.Stop()
	var rows []serve.TapRow
	var sentCols []string
	var sentDropped int64 = -1
	quiet := 0
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.closing:
			return
		case row, ok := <-tap.C:
			if !ok {
				return
			}
			rows = append(rows, row)
		case <-tick.C:
			cols := tap.Columns()
			dropped := tap.Dropped()
			quiet++
			if len(rows) == 0 && slices.Equal(cols, sentCols) && dropped == sentDropped && quiet < 75 {
				continue
			}
			quiet = 0
			ev := struct {
				Columns []string       `json:"columns"`
				Rows    []serve.TapRow `json:"rows"`
				Dropped int64          `json:"dropped"`
			}{cols, rows, dropped}
			if ev.Rows == nil {
				ev.Rows = []serve.TapRow{}
			}
			data, _ := json.Marshal(ev)
			if _, err := fmt.Fprintf(w, "event: rows\ndata: %s\n\n", data); err != nil {
				return
			}
			flusher.Flush()
			rows, sentCols, sentDropped = rows[:0], cols, dropped
		}
	}
}
