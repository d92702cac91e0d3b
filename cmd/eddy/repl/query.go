package repl

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/term"

	"github.com/eddy-sql/eddy/sinks/encode"
)

// query runs a SELECT STREAM, showing its rows as they come, until its
// input ends or Ctrl-C cancels it; then it prints a summary, and, when it
// showed nothing because a source it reads had already finished, says so.
func (r *repl) query(ctx context.Context, name, text string) error {
	finished := r.endedSources() // before the query: its own sources may end while it runs
	schema, _ := r.cfg.Live.QuerySchema(name)
	enc, err := encode.New(r.format, schema, encode.Options{Header: true, RepeatHeader: r.screenRows()})
	if err != nil {
		return err
	}
	qctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.watchQuery(cancel)
	defer r.watchQuery(nil)
	var buf []byte
	stats, err := r.cfg.Live.Query(qctx, name, func(b arrow.RecordBatch) error {
		var err error
		buf, err = enc.Append(buf[:0], b)
		if err != nil {
			return err
		}
		_, err = r.cfg.Out.Write(buf)
		return err
	})
	if tail := enc.Finish(nil); len(tail) > 0 {
		r.cfg.Out.Write(tail)
	}
	if err != nil {
		return err
	}
	cancelled := qctx.Err() != nil && ctx.Err() == nil
	r.summary(stats.Rows, stats.Elapsed, cancelled)
	if stats.Rows == 0 && !cancelled {
		if done := finishedSources(finished, text); len(done) > 0 {
			fmt.Fprintf(r.cfg.Out, "note: %s had finished before this query: a bounded source (a file read to its end, a generator with a count) is read once per session, by the queries and pumps running then; start a new session to read it again, or tail a file with follow = 'true'\n",
				strings.Join(done, ", "))
		}
	}
	return nil
}

// finishedSources returns the sources among finished (names of source
// streams that had ended before the query started) that text names.
func finishedSources(finished []string, text string) []string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToUpper(text), func(c rune) bool {
		return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_'
	}) {
		words[w] = true
	}
	var out []string
	for _, name := range finished {
		if words[strings.ToUpper(name)] {
			out = append(out, "source "+name)
		}
	}
	return out
}

// endedSources lists the source streams whose task has ended.
func (r *repl) endedSources() []string {
	var out []string
	for task, running := range r.cfg.Live.Running() {
		if name, ok := strings.CutPrefix(task, "source "); ok && !running {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// watchQuery makes Ctrl-C call cancel (nil: a query no longer runs). Off a
// terminal, SIGINT is caught only while a query runs.
func (r *repl) watchQuery(cancel context.CancelFunc) {
	r.mu.Lock()
	r.cancel = cancel
	r.mu.Unlock()
	if r.cfg.Terminal {
		return
	}
	if cancel != nil {
		signalNotify(r.intr)
	} else {
		signalStop(r.intr)
	}
}

// summary prints what a query showed. A cancelled query, or any query
// with \timing on, also tells how long it ran and how fast rows came.
func (r *repl) summary(rows int64, elapsed time.Duration, cancelled bool) {
	noun := "rows"
	if rows == 1 {
		noun = "row"
	}
	if !cancelled && !r.timing {
		fmt.Fprintf(r.cfg.Out, "(%d %s)\n", rows, noun)
		return
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(rows) / s
	}
	how := ""
	if cancelled {
		how = ", cancelled"
	}
	fmt.Fprintf(r.cfg.Out, "(%d %s in %s, %.1f rows/s%s)\n", rows, noun, roundDuration(elapsed), rate, how)
}

// screenRows returns after how many rows the table header repeats: about
// a screenful on a terminal, never elsewhere.
func (r *repl) screenRows() int {
	if !r.cfg.Terminal {
		return 0
	}
	_, h, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil || h < 10 {
		return 20
	}
	return h - 3
}
