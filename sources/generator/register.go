package generator

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// Name is the connector name: WITH (connector = 'generator', kind = …) or
// the binding generator:ticker?rate=100.
const Name = "generator"

// options lists the options of the generator connector, beyond
// sources.Common. Options that only Nexmark reads are ignored by the ticker.
var options = []sources.OptionSpec{
	{Name: "kind", Required: true, Doc: "what to generate: ticker (the KDA demo stock ticks) or nexmark"},
	{Name: "rate", Kind: sources.KindInt, Doc: "events per second of wall-clock time, 0 = as fast as possible; default 10 for ticker, 0 for nexmark (for nexmark it counts events of all kinds)"},
	{Name: "count", Kind: sources.KindInt, Default: "0", Doc: "events to generate before the stream ends, 0 = unbounded (for nexmark: events of all kinds, Nexmark's events.num)"},
	{Name: "seed", Kind: sources.KindInt, Default: "0", Doc: "random seed; the same seed gives the same rows (nexmark: XORed into every event's seed, 0 = the reference sequence)"},
	{Name: "batch_size", Kind: sources.KindInt, Default: "4096", Doc: "most rows per batch; a paced source emits what is due at least every 100ms"},
	{Name: "parallelism", Kind: sources.KindInt, Default: "1", Doc: "nexmark without rate: generate on this many cores (0: GOMAXPROCS), delivering batches in event order as on one core"},
	{Name: "table", Default: "bid", Doc: "nexmark: which events the stream carries: bid, auction or person"},
	{Name: "event_rate", Kind: sources.KindInt, Default: "10000", Doc: "nexmark: events per second of event time, which spaces DATE_TIME"},
	{Name: "base_time", Default: "2015-07-15T00:00:00Z", Doc: "nexmark: DATE_TIME of the first event (ISO 8601, UTC unless a zone is given)"},
	{Name: "first_event_id", Kind: sources.KindInt, Default: "0", Doc: "nexmark: id of the first event (Flink uses 1)"},
	{Name: "first_event_number", Kind: sources.KindInt, Default: "0", Doc: "nexmark: number of the first event, which fixes its DATE_TIME (Flink uses 1)"},
}

func init() {
	f := sources.Factory{
		Name:     Name,
		Doc:      "built-in generators: the KDA demo stock ticker and the Nexmark bid/auction/person streams",
		Target:   "kind",
		Options:  options,
		Open:     Open,
		Discover: Discover,
	}
	sources.Register(f)
	sources.Register(f.Alias("datagen"))
}

// Open opens a generator source from validated options. Its batches have
// exactly env.Schema: declared columns matched to generated fields by name
// (case-insensitive, underscores ignored; any subset in any order), then
// APPROXIMATE_ARRIVAL_TIME (the clock at emission) and ROWTIME.
func Open(_ context.Context, env sources.Env, opts sources.Options) (sources.Source, error) {
	cfg, err := parseOptions(opts)
	if err != nil {
		return nil, err
	}
	return newSource(env, cfg)
}

// Discover returns the declared columns of the stream opts describe, each
// field with metadata "sqltype" holding its SQL type.
func Discover(_ context.Context, opts sources.Options) (*arrow.Schema, error) {
	cfg, err := parseOptions(opts)
	if err != nil {
		return nil, err
	}
	tbl, err := cfg.newTable()
	if err != nil {
		return nil, err
	}
	return schemaOf(tbl.fields()), nil
}

// parseOptions checks option values and fills the kind-dependent defaults.
func parseOptions(opts sources.Options) (config, error) {
	cfg := config{
		kind:    strings.ToLower(strings.TrimSpace(opts.String("kind"))),
		table:   strings.ToLower(strings.TrimSpace(opts.String("table"))),
		count:   opts.Int("count"),
		seed:    opts.Int("seed"),
		rowtime: strings.TrimSpace(opts.String("rowtime")),
	}
	bad := func(key, why string) (config, error) {
		return config{}, fmt.Errorf("generator: %w: %s = %q: %s", sources.ErrOption, key, opts.String(key), why)
	}
	switch cfg.kind {
	case "ticker":
		cfg.rate = 10
	case "nexmark":
		switch cfg.table {
		case "":
			cfg.table = "bid"
		case "bid", "auction", "person":
		default:
			return bad("table", "want bid, auction or person")
		}
	default:
		return bad("kind", "want ticker or nexmark")
	}
	if opts.Has("rate") {
		cfg.rate = opts.Int("rate")
	}
	if cfg.rate < 0 || cfg.rate > maxRate {
		return bad("rate", fmt.Sprintf("want 0 to %d", maxRate))
	}
	switch p := opts.Int("parallelism"); {
	case p < 0 || p > maxParallelism:
		return bad("parallelism", fmt.Sprintf("want 0 (every core) to %d", maxParallelism))
	case p == 0:
		cfg.parallelism = runtime.GOMAXPROCS(0)
	default:
		cfg.parallelism = int(p)
	}
	if cfg.count < 0 {
		return bad("count", "want 0 (unbounded) or more")
	}
	cfg.batchSize = 4096
	if opts.Has("batch_size") {
		bs := opts.Int("batch_size")
		if bs < 1 || bs > maxBatchSize {
			return bad("batch_size", fmt.Sprintf("want 1 to %d", maxBatchSize))
		}
		cfg.batchSize = int(bs)
	}
	if cfg.kind != "nexmark" {
		return cfg, nil
	}
	cfg.nexmark.EventRate = DefaultEventRate
	if opts.Has("event_rate") {
		r := opts.Int("event_rate")
		if r < 1 || r > maxEventRate {
			return bad("event_rate", "want a positive number of events per second")
		}
		cfg.nexmark.EventRate = float64(r)
	}
	cfg.nexmark.BaseTime = DefaultBaseTime()
	if s := strings.TrimSpace(opts.String("base_time")); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return bad("base_time", err.Error())
		}
		cfg.nexmark.BaseTime = t
	}
	cfg.nexmark.FirstEventID = opts.Int("first_event_id")
	cfg.nexmark.FirstEventNumber = opts.Int("first_event_number")
	if cfg.nexmark.FirstEventID < 0 {
		return bad("first_event_id", "must not be negative")
	}
	if cfg.nexmark.FirstEventNumber < 0 {
		return bad("first_event_number", "must not be negative")
	}
	return cfg, nil
}

// timeLayouts are the accepted base_time forms; those without a zone are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("want an ISO 8601 timestamp such as 2015-07-15T00:00:00Z")
}
