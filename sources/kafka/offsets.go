package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// tp names one partition of one topic.
type tp struct {
	topic     string
	partition int
}

func (p tp) String() string { return fmt.Sprintf("%s/%d", p.topic, p.partition) }

// less orders partitions by topic, then number.
func (p tp) less(q tp) bool {
	if p.topic != q.topic {
		return p.topic < q.topic
	}
	return p.partition < q.partition
}

// partitions returns every partition of topics, sorted. A topic that does
// not exist is an error.
func partitions(ctx context.Context, c *kafkago.Client, topics []string) ([]tp, error) {
	res, err := c.Metadata(ctx, &kafkago.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("kafka: metadata of %v: %w", topics, err)
	}
	found := map[string]bool{}
	var out []tp
	for _, t := range res.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("kafka: topic %s: %w", t.Name, t.Error)
		}
		found[t.Name] = true
		for _, p := range t.Partitions {
			out = append(out, tp{t.Name, p.ID})
		}
	}
	for _, t := range topics {
		if !found[t] {
			return nil, fmt.Errorf("kafka: topic %s: %w", t, kafkago.UnknownTopicOrPartition)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].less(out[j]) })
	return out, nil
}

// listOffsets asks for one kind of offset of every partition in ps: the
// first (FirstOffset), the end (LastOffset) or the first at or after at.
// A timestamp past the last message gives the end offset.
func listOffsets(ctx context.Context, c *kafkago.Client, ps []tp, kind int64, at time.Time) (map[tp]int64, error) {
	if len(ps) == 0 {
		return map[tp]int64{}, nil
	}
	req := &kafkago.ListOffsetsRequest{Topics: map[string][]kafkago.OffsetRequest{}}
	for _, p := range ps {
		r := kafkago.OffsetRequest{Partition: p.partition, Timestamp: kind}
		if !at.IsZero() {
			r = kafkago.TimeOffsetOf(p.partition, at)
		}
		req.Topics[p.topic] = append(req.Topics[p.topic], r)
	}
	res, err := c.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("kafka: list offsets: %w", err)
	}
	out := make(map[tp]int64, len(ps))
	var missing []tp
	for topic, parts := range res.Topics {
		for _, po := range parts {
			p := tp{topic, po.Partition}
			if po.Error != nil {
				return nil, fmt.Errorf("kafka: list offsets of %s: %w", p, po.Error)
			}
			switch {
			case !at.IsZero():
				off := int64(-1)
				for o := range po.Offsets {
					off = o
				}
				if off < 0 {
					missing = append(missing, p)
					continue
				}
				out[p] = off
			case kind == kafkago.FirstOffset:
				out[p] = po.FirstOffset
			default:
				out[p] = po.LastOffset
			}
		}
	}
	if len(missing) > 0 { // nothing at or after the time yet: the end
		ends, err := listOffsets(ctx, c, missing, kafkago.LastOffset, time.Time{})
		if err != nil {
			return nil, err
		}
		for p, o := range ends {
			out[p] = o
		}
	}
	for _, p := range ps {
		if _, ok := out[p]; !ok {
			return nil, fmt.Errorf("kafka: list offsets: no answer for %s", p)
		}
	}
	return out, nil
}

// startOffsets resolves where partitions ps start under mode.
func startOffsets(ctx context.Context, c *kafkago.Client, ps []tp, mode startMode) (map[tp]int64, error) {
	switch {
	case !mode.at.IsZero():
		return listOffsets(ctx, c, ps, 0, mode.at)
	case mode.latest:
		return listOffsets(ctx, c, ps, kafkago.LastOffset, time.Time{})
	default:
		return listOffsets(ctx, c, ps, kafkago.FirstOffset, time.Time{})
	}
}

// staleGeneration tells whether err means the commit came from a
// generation that has ended: the partitions are someone else's now and
// whoever has them re-reads from the last committed offset.
func staleGeneration(err error) bool {
	return errors.Is(err, kafkago.IllegalGeneration) || errors.Is(err, kafkago.RebalanceInProgress) ||
		errors.Is(err, kafkago.UnknownMemberId) || errors.Is(err, kafkago.FencedInstanceID)
}
