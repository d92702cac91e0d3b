package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

// FileName returns the name of a report run's file: NAME-SCHEDULED.EXT,
// the scheduled time in UTC (20240501T081500Z).
func FileName(rep *Report, at time.Time) string {
	return fmt.Sprintf("%s-%s.%s", strings.ToLower(rep.Def.Name), at.UTC().Format("20060102T150405Z"), rep.Format.Ext())
}

// DefaultDir is where a report's files go without a dir option or
// destination: STATE/reports/NAME.
func DefaultDir(stateDir string, rep *Report) string {
	return filepath.Join(stateDir, "reports", strings.ToLower(rep.Def.Name))
}

// WriteFile writes a rendered report into dir as FileName, whole (a
// temporary file renamed into place), and returns its path. Directories it
// creates are 0700 and the file 0600: reports hold user data.
func WriteFile(dir string, rep *Report, at time.Time, doc []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	path := filepath.Join(dir, FileName(rep, at))
	tmp, err := os.CreateTemp(dir, ".tmp-report-*")
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	_, err = tmp.Write(doc)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("report: write %s: %w", path, err)
	}
	return path, nil
}

// DeliverySchema is the one row a report delivers to a destination
// connector: which report, which window, and the rendered document.
var DeliverySchema = arrow.NewSchema([]arrow.Field{
	{Name: "REPORT", Type: arrow.BinaryTypes.String},
	{Name: "TITLE", Type: arrow.BinaryTypes.String},
	{Name: "SCHEDULED_TIME", Type: sources.TimestampType},
	{Name: "WINDOW_START", Type: sources.TimestampType},
	{Name: "WINDOW_END", Type: sources.TimestampType},
	{Name: "FORMAT", Type: arrow.BinaryTypes.String},
	{Name: "CONTENT", Type: arrow.BinaryTypes.String},
}, nil)

// ErrRejected is wrapped by the error of a delivery the destination gave
// up on.
var ErrRejected = errors.New("report: the destination rejected the report")

// SendToSink delivers a rendered report through the destination connector
// rep.Destination with options rep.Sink: one row of DeliverySchema,
// flushed and closed before it returns, so an error means it was not
// delivered.
func SendToSink(ctx context.Context, alloc memory.Allocator, clock func() time.Time, r *Result, doc []byte) error {
	rep := r.Report
	f, ok := sinks.Lookup(rep.Destination)
	if !ok {
		return fmt.Errorf("report %s: unknown destination connector %q (have: %s)", rep.Def.Name, rep.Destination, strings.Join(sinks.Names(), ", "))
	}
	opts, err := sources.Validate(rep.Sink, f.Options, false)
	if err != nil {
		return fmt.Errorf("report %s: %s: %w", rep.Def.Name, rep.Destination, err)
	}
	var mu sync.Mutex
	var rejected error
	env := sinks.Env{
		Stream: "REPORT " + rep.Def.Name, Schema: DeliverySchema, Alloc: alloc, Clock: clock, Stdout: os.Stdout,
		Reject: func(_ string, reason error) {
			mu.Lock()
			defer mu.Unlock()
			if rejected == nil {
				rejected = fmt.Errorf("%w: %v", ErrRejected, reason)
			}
		},
	}
	sink, err := f.Open(ctx, env, opts)
	if err != nil {
		return fmt.Errorf("report %s: open %s: %w", rep.Def.Name, rep.Destination, err)
	}
	err = sink.Write(ctx, deliveryBatch(alloc, r, doc))
	if fl, ok := sink.(sinks.Flusher); ok && err == nil {
		err = fl.Flush(ctx)
	}
	if cerr := sink.Close(ctx); err == nil {
		err = cerr
	}
	mu.Lock()
	defer mu.Unlock()
	if err == nil {
		err = rejected
	}
	if err != nil {
		return fmt.Errorf("report %s: deliver to %s: %w", rep.Def.Name, rep.Destination, err)
	}
	return nil
}

func deliveryBatch(alloc memory.Allocator, r *Result, doc []byte) arrow.RecordBatch {
	b := array.NewRecordBuilder(alloc, DeliverySchema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(r.nameOf())
	b.Field(1).(*array.StringBuilder).Append(r.Title)
	for i, t := range []time.Time{r.Scheduled, r.From, r.To} {
		b.Field(2 + i).(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMilli()))
	}
	b.Field(5).(*array.StringBuilder).Append(string(r.Report.Format))
	b.Field(6).(*array.StringBuilder).Append(string(doc))
	return b.NewRecordBatch()
}
