package firehose

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sinks/function"
)

// failedRecord is a record bound for the error output.
type failedRecord struct {
	rec      function.Record
	attempts int
	code     string
	reason   error
}

// deliver takes the buffer and delivers it: transform, then the
// destination with retries, then the error output for what failed. It
// returns an error only when ctx ends or failed records could go nowhere.
// s.mu is held.
func (s *sink) deliver(ctx context.Context) error {
	if err := s.shipPending(ctx); err != nil {
		return err
	}
	if s.size == 0 {
		return s.err
	}
	recs, batches := s.recs, s.batches
	text, textRows := s.text, s.textRows
	s.recs, s.batches, s.size = nil, nil, 0
	s.text, s.textRows = nil, 0
	now := s.clock.Now()
	if len(text) > 0 {
		data, err := compressText(s.comp, text)
		return s.shipText(ctx, now, text, textRows, data, err)
	}
	if s.parquet {
		defer func() {
			for _, b := range batches {
				b.Release()
			}
		}()
		data, err := parquetObject(s.schema, batches, s.comp)
		if err == nil {
			var attempts int
			attempts, err = s.putObject(ctx, now, data, "")
			if err == nil {
				for _, b := range batches {
					s.metrics.Records += b.NumRows()
				}
				return s.err
			}
			if ctx.Err() != nil {
				return fmt.Errorf("firehose: deliver: %w", ctx.Err())
			}
			return s.errorOutput(ctx, ErrorTypeDelivery, s.parquetRows(batches, attempts, err))
		}
		return s.errorOutput(ctx, ErrorTypeDelivery, s.parquetRows(batches, 1, err))
	}
	var failed []failedRecord
	if s.caller != nil {
		var err error
		recs, failed, err = s.transform(ctx, recs)
		if err != nil {
			return err
		}
	}
	if len(recs) > 0 {
		var attempts int
		var err error
		if s.dest.store != nil {
			var obj bytes.Buffer
			for _, r := range recs {
				obj.Write(r.Data)
			}
			var data []byte
			if data, err = compressText(s.comp, obj.Bytes()); err == nil {
				attempts, err = s.putObject(ctx, now, data, s.comp.extension())
			}
			if err == nil {
				s.metrics.Records += int64(len(recs))
			}
		} else {
			attempts, recs, err = s.sendRecords(ctx, recs)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("firehose: deliver: %w", ctx.Err())
		}
		if err != nil {
			for _, r := range recs {
				failed = append(failed, failedRecord{rec: r, attempts: attempts, code: "DeliveryFailed", reason: err})
			}
		}
	}
	if len(failed) == 0 {
		return s.err
	}
	typ := ErrorTypeDelivery
	var processing, delivery []failedRecord
	for _, f := range failed {
		if f.code == "DeliveryFailed" {
			delivery = append(delivery, f)
		} else {
			processing = append(processing, f)
		}
	}
	if len(processing) > 0 {
		if err := s.errorOutput(ctx, ErrorTypeProcessing, processing); err != nil {
			return err
		}
	}
	if len(delivery) > 0 {
		return s.errorOutput(ctx, typ, delivery)
	}
	return s.err
}

// shipText stores an object of encoded text (data, compressed from text
// unless cerr says compression failed) or, failing that, sends its rows
// to the error output. s.mu is held.
func (s *sink) shipText(ctx context.Context, now time.Time, text []byte, rows int64, data []byte, cerr error) error {
	err, attempts := cerr, 1
	if err == nil {
		attempts, err = s.putObject(ctx, now, data, s.comp.extension())
	}
	if err == nil {
		s.metrics.Records += rows
		return s.err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("firehose: deliver: %w", ctx.Err())
	}
	var failed []failedRecord
	for _, row := range function.SplitRows(text, s.csv) {
		s.nextID++
		r := function.Record{ID: strconv.FormatUint(s.nextID, 10), Data: append(row, '\n'), Arrival: now}
		failed = append(failed, failedRecord{rec: r, attempts: attempts, code: "DeliveryFailed", reason: err})
	}
	return s.errorOutput(ctx, ErrorTypeDelivery, failed)
}

// retry calls f until it succeeds, ctx ends or retry_duration has passed,
// with exponential backoff; it returns the attempts made and f's last
// error.
func (s *sink) retry(ctx context.Context, f func() error) (int, error) {
	start := s.clock.Now()
	backoff := s.backoff
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return attempt, nil
		}
		s.metrics.Failures++
		if ctx.Err() != nil {
			return attempt, ctx.Err()
		}
		if s.clock.Now().Sub(start)+backoff > s.retryFor {
			return attempt, err
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return attempt, ctx.Err()
		case <-s.clock.After(wait):
		}
		backoff = min(2*backoff, time.Minute)
	}
}

// putObject stores one buffer's object under prefix + NAME-…-random + ext,
// staged when exactly-once is on.
func (s *sink) putObject(ctx context.Context, now time.Time, data []byte, ext string) (int, error) {
	prefix, err := expandPrefix(s.prefix, now, "")
	if err != nil {
		return 0, err
	}
	key := prefix + objectName(s.name, now) + ext
	put := key
	if s.exactly {
		put = stagingPrefix(s.name) + key
	}
	attempts, err := s.retry(ctx, func() error { return s.dest.store.Put(ctx, put, data) })
	if err != nil {
		return attempts, err
	}
	if s.exactly {
		s.staged = append(s.staged, key)
	}
	s.metrics.Objects++
	s.metrics.Bytes += int64(len(data))
	return attempts, nil
}

// sendRecords sends records to a record destination, retrying only the
// failed ones; it returns those that still failed.
func (s *sink) sendRecords(ctx context.Context, recs []function.Record) (int, []function.Record, error) {
	pending := recs
	attempts, err := s.retry(ctx, func() error {
		data := make([][]byte, len(pending))
		for i, r := range pending {
			data[i] = r.Data
		}
		failed, err := s.dest.records.Send(ctx, data)
		if err == nil && len(failed) == 0 {
			s.count(pending)
			pending = nil
			return nil
		}
		if len(failed) == 0 {
			return err
		}
		var again []function.Record
		isFailed := make(map[int]bool, len(failed))
		for _, i := range failed {
			isFailed[i] = true
		}
		var ok []function.Record
		for i, r := range pending {
			if isFailed[i] {
				again = append(again, r)
			} else {
				ok = append(ok, r)
			}
		}
		s.count(ok)
		pending = again
		return err
	})
	if err != nil {
		return attempts, pending, err
	}
	return attempts, nil, nil
}

// count adds delivered records to the metrics.
func (s *sink) count(recs []function.Record) {
	if len(recs) == 0 {
		return
	}
	s.metrics.Objects++
	for _, r := range recs {
		s.metrics.Bytes += int64(len(r.Data))
	}
	s.metrics.Records += int64(len(recs))
}

// transform runs the transform function over recs and returns the records
// to deliver (Ok, with the function's data) and those that failed.
func (s *sink) transform(ctx context.Context, recs []function.Record) ([]function.Record, []failedRecord, error) {
	outs, err := s.caller.Call(ctx, recs)
	if err != nil {
		return nil, nil, fmt.Errorf("firehose: transform: %w", err)
	}
	var ok []function.Record
	var failed []failedRecord
	for i, o := range outs {
		switch {
		case o.Err != nil:
			s.metrics.TransformFailed++
			failed = append(failed, failedRecord{rec: recs[i], attempts: o.Attempts, code: "Lambda.InvokeFailed", reason: o.Err})
		case o.Reply.Result == ResultOk:
			s.metrics.TransformOk++
			r := recs[i]
			r.Data = o.Reply.Data
			ok = append(ok, r)
		case o.Reply.Result == ResultDropped:
			s.metrics.TransformDropped++
		default:
			s.metrics.TransformFailed++
			code := "Lambda.ProcessingFailed"
			reason := fmt.Errorf("firehose: transform answered %q", o.Reply.Result)
			if o.Reply.Result != ResultProcessingFailed {
				code = "Lambda.InvalidResult"
			}
			failed = append(failed, failedRecord{rec: recs[i], attempts: o.Attempts, code: code, reason: reason})
		}
	}
	return ok, failed, nil
}

// errorOutput writes failed records under error_output_prefix, one JSON
// line each in Firehose's error record form; when there is no error store
// or it fails too, it sends them to the error stream (Env.Reject), and
// without that it makes the sink fail with ErrUndelivered.
func (s *sink) errorOutput(ctx context.Context, typ string, failed []failedRecord) error {
	now := s.clock.Now()
	s.metrics.ErrorRecords += int64(len(failed))
	var err error
	if s.errStore != nil {
		var buf []byte
		for _, f := range failed {
			line := struct {
				AttemptsMade           int    `json:"attemptsMade"`
				ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
				ErrorCode              string `json:"errorCode"`
				ErrorMessage           string `json:"errorMessage"`
				AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
				RawData                string `json:"rawData"`
			}{f.attempts, f.rec.Arrival.UnixMilli(), f.code, f.reason.Error(), now.UnixMilli(), base64.StdEncoding.EncodeToString(f.rec.Data)}
			b, _ := json.Marshal(line)
			buf = append(append(buf, b...), '\n')
		}
		var prefix string
		if prefix, err = expandPrefix(s.errPrefix, now, typ); err == nil {
			key := prefix + objectName(s.name, now)
			_, err = s.retry(ctx, func() error { return s.errStore.Put(ctx, key, buf) })
		}
		if err == nil {
			return s.err
		}
	}
	for _, f := range failed {
		reason := fmt.Errorf("firehose: %s: %s: %w", s.name, f.code, f.reason)
		if err != nil {
			reason = fmt.Errorf("%w (error output: %w)", reason, err)
		}
		if s.reject != nil {
			s.reject(string(bytes.TrimSuffix(f.rec.Data, []byte("\n"))), reason)
		} else if s.err == nil {
			s.err = fmt.Errorf("%w: %w", ErrUndelivered, reason)
		}
	}
	if ctx.Err() != nil {
		return errors.Join(s.err, ctx.Err())
	}
	return s.err
}

// parquetRows turns undelivered Parquet buffers into JSON records for the
// error output.
func (s *sink) parquetRows(batches []arrow.RecordBatch, attempts int, reason error) []failedRecord {
	enc := encode.NewJSON()
	now := s.clock.Now()
	var out []failedRecord
	for _, b := range batches {
		buf, err := enc.Append(nil, b)
		if err != nil {
			continue
		}
		for _, row := range function.SplitRows(buf, false) {
			out = append(out, failedRecord{rec: function.Record{Data: append(row, '\n'), Arrival: now}, attempts: attempts, code: "DeliveryFailed", reason: reason})
		}
	}
	return out
}
