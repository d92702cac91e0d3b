package serve

import (
	"sync"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/planner"
)

// rowLog keeps the last rows of an application's error stream for eddy
// logs. It is safe for concurrent use.
type rowLog struct {
	mu   sync.Mutex
	rows []ErrorRow
	next int
	full bool
}

// ErrorRow is one error-stream row as Eddy's API returns it.
type ErrorRow struct {
	Time      string `json:"time"`
	Level     string `json:"level"`
	Name      string `json:"name"`
	Message   string `json:"message"`
	DataRow   string `json:"data_row,omitempty"`
	Pump      string `json:"pump,omitempty"`
	Stream    string `json:"stream,omitempty"`
	Origin    string `json:"origin,omitempty"`
	Partition string `json:"partition,omitempty"`
	Position  string `json:"position,omitempty"`
}

func newRowLog(n int) *rowLog { return &rowLog{rows: make([]ErrorRow, n)} }

// add keeps r, its secrets removed, and returns it as kept.
func (l *rowLog) add(r exec.ErrorRecord, redact *planner.Redactor) ErrorRow {
	row := ErrorRow{
		Time: r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), Level: r.Level, Name: r.Name,
		Message: redact.Text(r.Message), DataRow: redact.Text(r.DataRow), Pump: r.Pump, Stream: r.Stream,
		Origin: r.Origin, Partition: r.Partition, Position: r.Position,
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rows[l.next] = row
	l.next = (l.next + 1) % len(l.rows)
	l.full = l.full || l.next == 0
	return row
}

// last returns the last n rows, oldest first.
func (l *rowLog) last(n int) []ErrorRow {
	l.mu.Lock()
	defer l.mu.Unlock()
	var all []ErrorRow
	if l.full {
		all = append(append(all, l.rows[l.next:]...), l.rows[:l.next]...)
	} else {
		all = append(all, l.rows[:l.next]...)
	}
	if n > 0 && len(all) > n {
		all = all[len(all)-n:]
	}
	return all
}
