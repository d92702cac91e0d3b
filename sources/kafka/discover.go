package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	kafkago "github.com/segmentio/kafka-go"

	"github.com/eddy-sql/eddy/sources"
	"github.com/eddy-sql/eddy/sources/codec"
)

// discoverSamples is how many messages Discover reads at most.
const discoverSamples = 100

// Discover reads up to 100 messages from the start of each partition of the
// topic (without joining a group or committing anything) and infers the
// stream's declared columns from them, as KDA's schema discovery did. With
// format raw the stream has one VARCHAR column, MESSAGE.
func Discover(ctx context.Context, opts sources.Options) (*arrow.Schema, error) {
	format := strings.ToLower(strings.TrimSpace(opts.String("format")))
	if format == "raw" {
		f := arrow.Field{Name: "MESSAGE", Type: arrow.BinaryTypes.String, Nullable: true,
			Metadata: arrow.NewMetadata([]string{codec.MetaSQLType}, []string{"VARCHAR"})}
		return arrow.NewSchema([]arrow.Field{f}, nil), nil
	}
	cfg, err := parseConfig(opts)
	if err != nil {
		return nil, err
	}
	conn, err := ParseConn(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var samples [][]byte
	for _, topic := range cfg.topics {
		parts, err := conn.Dialer().LookupPartitions(ctx, "tcp", conn.Brokers[0], topic)
		if err != nil {
			return nil, fmt.Errorf("kafka: discover %s: %w", topic, err)
		}
		for _, p := range parts {
			if len(samples) >= discoverSamples {
				break
			}
			got, err := sample(ctx, conn, topic, p.ID, discoverSamples-len(samples))
			if err != nil {
				return nil, err
			}
			samples = append(samples, got...)
		}
	}
	if len(samples) == 0 {
		return nil, fmt.Errorf("kafka: discover: topics %s hold no message yet; declare the stream with CREATE STREAM", strings.Join(cfg.topics, ", "))
	}
	return codec.DiscoverWith(samples, opts)
}

// sample reads up to n messages from the start of one partition, stopping
// at the partition's end.
func sample(ctx context.Context, conn Conn, topic string, partition, n int) ([][]byte, error) {
	c, err := conn.Dialer().DialLeader(ctx, "tcp", conn.Brokers[0], topic, partition)
	if err != nil {
		return nil, fmt.Errorf("kafka: discover %s/%d: %w", topic, partition, err)
	}
	defer c.Close()
	first, last, err := c.ReadOffsets()
	if err != nil || last <= first {
		return nil, err
	}
	if _, err := c.Seek(first, kafkago.SeekAbsolute); err != nil {
		return nil, fmt.Errorf("kafka: discover %s/%d: %w", topic, partition, err)
	}
	if d, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(d)
	}
	var out [][]byte
	for off := first; off < last && len(out) < n; off++ {
		m, err := c.ReadMessage(1 << 20)
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			return out, fmt.Errorf("kafka: discover %s/%d: %w", topic, partition, err)
		}
		out = append(out, m.Value)
	}
	return out, nil
}
