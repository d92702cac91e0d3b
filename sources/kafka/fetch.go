package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// start launches the fetchers: one per partition without a group, or the
// group member that launches them for its assignments.
func (s *source) start(ctx context.Context) error {
	s.started = true
	s.idleSince = s.clock()
	s.msgs = make(chan fetched, 4096)
	s.errc = make(chan error, 1)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if s.cfg.group != "" {
		return s.startGroup()
	}
	ps, err := partitions(ctx, s.client, s.cfg.topics)
	if err != nil {
		return err
	}
	starts, err := startOffsets(ctx, s.client, ps, s.cfg.start)
	if err != nil {
		return err
	}
	var ends map[tp]int64
	if s.cfg.stopAtEnd {
		if ends, err = listOffsets(ctx, s.client, ps, kafkago.LastOffset, time.Time{}); err != nil {
			return err
		}
	}
	now := s.clock()
	s.fixed = len(ps)
	for _, p := range ps {
		start := starts[p]
		if off, ok := s.seekTo[p]; ok {
			start = off
		}
		end := int64(-1)
		if ends != nil {
			end = ends[p]
			if start >= end {
				s.ended++
				continue
			}
		}
		st := s.state(p)
		st.active, st.last = true, now
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.fail(s.fetch(s.ctx, p, start, end))
		}()
	}
	return nil
}

// fail hands a fetcher's error to Next, keeping the first.
func (s *source) fail(err error) {
	if err == nil {
		return
	}
	select {
	case s.errc <- err:
	default:
	}
}

// fetch reads partition p from offset start (or, when start is negative,
// from where option start says) and sends its messages to Next until ctx
// is done or, when end is not negative, up to offset end.
func (s *source) fetch(ctx context.Context, p tp, start, end int64) error {
	if start < 0 {
		offs, err := startOffsets(ctx, s.client, []tp{p}, s.cfg.start)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		start = offs[p]
	}
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers: s.cfg.conn.Brokers, Topic: p.topic, Partition: p.partition, Dialer: s.cfg.conn.Dialer(),
		MinBytes: 1, MaxBytes: s.cfg.maxBytes, MaxWait: 250 * time.Millisecond, QueueCapacity: 1024,
		ReadBackoffMin: 50 * time.Millisecond, ReadBackoffMax: time.Second,
	})
	defer r.Close()
	if err := r.SetOffset(start); err != nil {
		return fmt.Errorf("kafka: %s: seek to %d: %w", p, start, err)
	}
	next := start
	for end < 0 || next < end {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("kafka: read %s: %w", p, err)
		}
		next = m.Offset + 1
		select {
		case s.msgs <- fetched{msg: m}:
		case <-ctx.Done():
			return nil
		}
	}
	select {
	case s.msgs <- fetched{done: true, p: p}:
	case <-ctx.Done():
	}
	return nil
}

// startGroup joins the consumer group; a goroutine follows its
// generations.
func (s *source) startGroup() error {
	g, err := kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
		ID: s.cfg.group, Brokers: s.cfg.conn.Brokers, Dialer: s.cfg.conn.Dialer(), Topics: s.cfg.topics,
		StartOffset: kafkago.FirstOffset, SessionTimeout: s.cfg.session, RebalanceTimeout: s.cfg.session,
		HeartbeatInterval: s.cfg.heartbeat, JoinGroupBackoff: time.Second,
		WatchPartitionChanges: true, PartitionWatchInterval: 5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("kafka: group %s: %w", s.cfg.group, err)
	}
	s.group = g
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.followGroup()
	}()
	return nil
}

// followGroup runs each generation of the group: a fetcher per assigned
// partition, from the offset Seek gave, else the group's committed one,
// else option start. Rows Next already returned are skipped (by offset)
// when a partition comes back after a rebalance.
func (s *source) followGroup() {
	for {
		gen, err := s.group.Next(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, kafkago.ErrGroupClosed) {
				return
			}
			continue // the group retries with backoff
		}
		now := s.clock()
		s.mu.Lock()
		s.gen = gen
		s.owned = map[tp]time.Time{}
		type job struct {
			p     tp
			start int64
		}
		var jobs []job
		for topic, as := range gen.Assignments {
			for _, a := range as {
				p := tp{topic, a.ID}
				start := a.Offset
				if off, ok := s.seekTo[p]; ok {
					start = off
					delete(s.seekTo, p)
				}
				s.owned[p] = now
				jobs = append(jobs, job{p, start})
			}
		}
		s.mu.Unlock()
		for _, j := range jobs {
			s.wg.Add(1)
			gen.Start(func(gctx context.Context) {
				defer s.wg.Done()
				ctx, cancel := context.WithCancel(s.ctx)
				defer cancel()
				stop := context.AfterFunc(gctx, cancel)
				defer stop()
				s.fail(s.fetch(ctx, j.p, j.start, -1))
			})
		}
	}
}
