package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/eddy-sql/eddy/exec"
)

// errorLogFull is how many error-stream rows nobody reads are printed in
// full before the log only counts them.
const errorLogFull = 20

// errorLog prints the error-stream rows nobody reads on stderr so that
// they stay readable at any volume: the first rows in full, then at most
// one summary line per interval counting the rest by reason (ERROR_NAME),
// and totals by reason at the end. It is safe for concurrent use.
type errorLog struct {
	w     io.Writer
	clock func() time.Time
	full  int           // rows printed in full
	every time.Duration // at most one summary line per every
	// redact removes secrets from printed rows; may be nil.
	redact func(string) string

	mu      sync.Mutex
	printed int
	pending map[string]int64 // rows counted since the last summary
	since   time.Time        // start of the pending window
	totals  map[string]int64
}

// newErrorLog returns a log writing to w: 20 rows in full, then one
// summary a second.
func newErrorLog(w io.Writer, clock func() time.Time) *errorLog {
	return &errorLog{w: w, clock: clock, full: errorLogFull, every: time.Second, pending: map[string]int64{}, totals: map[string]int64{}}
}

// Report takes one row of the error stream.
func (l *errorLog) Report(r exec.ErrorRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	reason := r.Name
	if reason == "" {
		reason = "ERROR"
	}
	l.totals[reason]++
	if l.printed < l.full {
		l.printed++
		line := errorRecordLine(r)
		if l.redact != nil {
			line = l.redact(line)
		}
		fmt.Fprint(l.w, line)
		if l.printed == l.full {
			l.since = l.clock()
			fmt.Fprintf(l.w, "eddy: error_stream: more rows are only counted, in one line a second (read error_stream to get them all)\n")
		}
		return
	}
	l.pending[reason]++
	l.tickLocked(l.clock(), false)
}

// Tick prints the summary of the rows counted since the last one, when
// one is due. A run calls it every interval, so counts show even when the
// rows stop coming.
func (l *errorLog) Tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tickLocked(l.clock(), false)
}

// Flush prints the summary of the rows counted since the last one, due
// or not.
func (l *errorLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tickLocked(l.clock(), true)
}

func (l *errorLog) tickLocked(now time.Time, force bool) {
	if len(l.pending) == 0 || !force && now.Sub(l.since) < l.every {
		return
	}
	span := "second"
	if d := now.Sub(l.since); d > l.every+l.every/2 {
		span = d.Round(time.Second).String()
	}
	fmt.Fprintf(l.w, "eddy: error_stream: %s in the last %s (first rows above; read error_stream to get them all)\n", byReason(l.pending), span)
	l.pending = map[string]int64{}
	l.since = now
}

// Totals returns the line of totals by reason, "" when no row came.
func (l *errorLog) Totals() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, c := range l.totals {
		n += c
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("eddy: error_stream: %s rows in all: %s\n", thousands(n), byReason(l.totals))
}

// run calls Tick every interval until ctx is done.
func (l *errorLog) run(ctx context.Context) {
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.Tick()
		}
	}
}

// byReason prints counts as "12,345 LATE, 3 DECODE": most first, then by
// name.
func byReason(counts map[string]int64) string {
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if counts[names[i]] != counts[names[j]] {
			return counts[names[i]] > counts[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = thousands(counts[n]) + " " + n
	}
	return strings.Join(parts, ", ")
}

// errorRecordLine formats an error-stream row for stderr.
func errorRecordLine(r exec.ErrorRecord) string {
	var where []string
	if r.Stream != "" {
		where = append(where, "stream "+r.Stream)
	}
	if r.Pump != "" {
		where = append(where, "pump "+r.Pump)
	}
	if r.Origin != "" {
		pos := r.Origin
		if r.Partition != "" {
			pos += " partition " + r.Partition
		}
		if r.Position != "" {
			pos += " position " + r.Position
		} else {
			pos += fmt.Sprintf(" offset %d", r.Offset)
		}
		where = append(where, pos)
	}
	return fmt.Sprintf("error_stream: %s: %s (%s): %s\n", r.Name, r.Message, strings.Join(where, ", "), r.DataRow)
}
