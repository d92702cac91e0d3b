package kafka

import (
	"fmt"
	"strings"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sinks/encode"
	"github.com/eddy-sql/eddy/sources"
	ksrc "github.com/eddy-sql/eddy/sources/kafka"
)

// Options returns the options of the kafka destination connector.
func Options() []sources.OptionSpec {
	return append([]sources.OptionSpec{
		{Name: "topic", Required: true, Doc: "the topic to write"},
		{Name: "key", Doc: "the column(s) whose values make the message key, comma separated (default: no key; partitions round robin)"},
		{Name: "key_separator", Default: "|", Doc: "joins the values of several key columns"},
		{Name: "format", Default: "json", Doc: "message format: json (an object per row) or csv (a line without header)"},
		{Name: "delimiter", Default: ",", Doc: "CSV field delimiter: one ASCII character or tab"},
		{Name: "acks", Default: "all", Doc: "acknowledgements a write waits for: all (the in-sync replicas), one (the leader) or none"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "1000", Doc: "messages per produce request to a partition at most"},
		{Name: "batch_bytes", Kind: sources.KindSize, Default: "1MiB", Doc: "bytes per produce request to a partition at most"},
		{Name: "linger", Kind: sources.KindDuration, Default: "5ms", Doc: "how long a partial produce batch waits for more messages"},
		{Name: "retries", Kind: sources.KindInt, Default: "10", Doc: "attempts per produce request before the error stops the query"},
		{Name: "backoff_min", Kind: sources.KindDuration, Default: "100ms", Doc: "the first wait between attempts (it doubles)"},
		{Name: "backoff_max", Kind: sources.KindDuration, Default: "2s", Doc: "the longest wait between attempts"},
		{Name: "compression", Default: "none", Doc: "none, gzip, snappy, lz4 or zstd"},
	}, ksrc.ConnOptions()...)
}

// Config configures a kafka sink.
type Config struct {
	Conn         ksrc.Conn
	Topic        string
	Key          []string // key columns; none: messages have no key
	KeySeparator string
	Format       encode.Format // encode.JSON or encode.CSV
	Delimiter    byte
	Acks         kafkago.RequiredAcks
	BatchSize    int
	BatchBytes   int64
	Linger       time.Duration
	Attempts     int
	BackoffMin   time.Duration
	BackoffMax   time.Duration
	Compression  kafkago.Compression
}

// ParseConfig reads a Config from options validated against Options.
func ParseConfig(opts sources.Options) (Config, error) {
	c := Config{
		Topic: strings.TrimSpace(opts.String("topic")), KeySeparator: opts.String("key_separator"),
		BatchSize: int(opts.Int("batch_size")), BatchBytes: opts.Size("batch_bytes"), Linger: opts.Duration("linger"),
		Attempts: int(opts.Int("retries")), BackoffMin: opts.Duration("backoff_min"), BackoffMax: opts.Duration("backoff_max"),
	}
	var err error
	if c.Conn, err = ksrc.ParseConn(opts); err != nil {
		return c, err
	}
	for _, k := range strings.Split(opts.String("key"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.Key = append(c.Key, k)
		}
	}
	if c.Format, err = encode.ParseFormat(opts.String("format")); err != nil {
		return c, fmt.Errorf("kafka: %w", err)
	}
	if c.Delimiter, err = encode.ParseDelimiter(opts.String("delimiter")); err != nil {
		return c, fmt.Errorf("kafka: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(opts.String("acks"))) {
	case "", "all", "-1":
		c.Acks = kafkago.RequireAll
	case "one", "1":
		c.Acks = kafkago.RequireOne
	case "none", "0":
		c.Acks = kafkago.RequireNone
	default:
		return c, fmt.Errorf("kafka: %w: acks %q: use all, one or none", sources.ErrOption, opts.String("acks"))
	}
	switch strings.ToLower(strings.TrimSpace(opts.String("compression"))) {
	case "", "none":
	case "gzip":
		c.Compression = kafkago.Gzip
	case "snappy":
		c.Compression = kafkago.Snappy
	case "lz4":
		c.Compression = kafkago.Lz4
	case "zstd":
		c.Compression = kafkago.Zstd
	default:
		return c, fmt.Errorf("kafka: %w: compression %q: use none, gzip, snappy, lz4 or zstd", sources.ErrOption, opts.String("compression"))
	}
	return c, nil
}
