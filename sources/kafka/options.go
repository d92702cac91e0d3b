package kafka

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// Options returns the options of the kafka source connector, beyond
// sources.Common.
func Options() []sources.OptionSpec {
	opts := []sources.OptionSpec{
		{Name: "topic", Required: true, Doc: "the topic to read, or several, comma separated"},
		{Name: "group", Doc: "consumer group id: processes with the same group split the partitions; offsets are committed at checkpoints (default: no group, read every partition)"},
		{Name: "start", Default: "earliest", Doc: "where to start without a committed offset: earliest, latest or an ISO timestamp (the first message at or after it)"},
		{Name: "stop_at_end", Kind: sources.KindBool, Default: "false", Doc: "end (bounded) once every partition is read up to the end it had at open; not with group"},
		{Name: "batch_size", Kind: sources.KindInt, Default: "8192", Doc: "rows per batch at most"},
		{Name: "linger", Kind: sources.KindDuration, Default: "100ms", Doc: "emit a partial batch once its oldest row is this old"},
		{Name: "poll_interval", Kind: sources.KindDuration, Default: "200ms", Doc: "how often an idle source returns an empty batch so time goes on"},
		{Name: "max_skew", Kind: sources.KindDuration, Default: "1m", Doc: "watermark alignment: a partition whose newest ROWTIME is more than this ahead of the slowest partition that is neither idle nor ended waits for it (its rows stay unread); 0 disables"},
		{Name: "max_bytes", Kind: sources.KindSize, Default: "10MiB", Doc: "the most bytes one fetch of a partition asks for"},
		{Name: "session_timeout", Kind: sources.KindDuration, Default: "30s", Doc: "consumer group session timeout: how soon a dead member's partitions move"},
		{Name: "heartbeat_interval", Kind: sources.KindDuration, Default: "3s", Doc: "consumer group heartbeat interval: how soon a member notices a rebalance"},
	}
	for _, o := range codec.Options() {
		if o.Name == "format" {
			o.Doc = "message format: json, csv or raw (the whole value in the one VARCHAR or VARBINARY payload column)"
		}
		if o.Name == "header" {
			o.Doc = "not used: a Kafka message is one record (must be false)"
		}
		opts = append(opts, o)
	}
	return append(opts, ConnOptions()...)
}

// startMode is where a partition without a committed offset starts.
type startMode struct {
	latest bool
	at     time.Time // non-zero: the first message at or after it
}

func parseStart(s string) (startMode, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "", "earliest":
		return startMode{}, nil
	case "latest":
		return startMode{latest: true}, nil
	}
	ms, err := sources.ParseTimestamp(strings.TrimSpace(s))
	if err != nil {
		return startMode{}, fmt.Errorf("kafka: %w: start %q: use earliest, latest or an ISO timestamp", sources.ErrOption, s)
	}
	return startMode{at: time.UnixMilli(ms).UTC()}, nil
}

// config is the source's validated configuration.
type config struct {
	conn      Conn
	topics    []string
	group     string
	start     startMode
	stopAtEnd bool
	batchSize int
	linger    time.Duration
	poll      time.Duration
	idle      time.Duration
	maxSkew   time.Duration
	maxBytes  int
	session   time.Duration
	heartbeat time.Duration
	format    string
}

func parseConfig(opts sources.Options) (config, error) {
	c := config{
		group: strings.TrimSpace(opts.String("group")), stopAtEnd: opts.Bool("stop_at_end"),
		batchSize: int(opts.Int("batch_size")), linger: opts.Duration("linger"), poll: opts.Duration("poll_interval"),
		idle: opts.Duration("idle_timeout"), maxSkew: opts.Duration("max_skew"),
		maxBytes: int(opts.Size("max_bytes")), session: opts.Duration("session_timeout"),
		heartbeat: opts.Duration("heartbeat_interval"),
		format:    strings.ToLower(strings.TrimSpace(opts.String("format"))),
	}
	var err error
	if c.conn, err = ParseConn(opts); err != nil {
		return c, err
	}
	seen := map[string]bool{}
	for _, t := range strings.Split(opts.String("topic"), ",") {
		if t = strings.TrimSpace(t); t != "" && !seen[t] {
			seen[t] = true
			c.topics = append(c.topics, t)
		}
	}
	if len(c.topics) == 0 {
		return c, fmt.Errorf("kafka: %w: topic is empty", sources.ErrOption)
	}
	if c.start, err = parseStart(opts.String("start")); err != nil {
		return c, err
	}
	switch {
	case c.batchSize < 1:
		return c, fmt.Errorf("kafka: %w: batch_size must be at least 1", sources.ErrOption)
	case c.stopAtEnd && c.group != "":
		return c, fmt.Errorf("kafka: %w: stop_at_end does not work with a consumer group", sources.ErrOption)
	case opts.Bool("header"):
		return c, fmt.Errorf("kafka: %w: header does not apply to Kafka messages (each message is one record)", sources.ErrOption)
	case c.maxBytes < 1:
		return c, fmt.Errorf("kafka: %w: max_bytes must be positive", sources.ErrOption)
	}
	if c.format == "" {
		c.format = "json"
	}
	if c.linger <= 0 {
		c.linger = 100 * time.Millisecond
	}
	if c.poll <= 0 {
		c.poll = 200 * time.Millisecond
	}
	if c.session <= 0 {
		c.session = 30 * time.Second
	}
	if c.heartbeat <= 0 || c.heartbeat >= c.session {
		c.heartbeat = c.session / 10
	}
	return c, nil
}
