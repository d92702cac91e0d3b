package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	kafkago "github.com/segmentio/kafka-go"
)

// start launches the fetchers: one per partition without a group, or the
// group member that launches them for its assignments.
func (s *source) start(ctx context.Context) error {
	s.started = true
	s.wake = make(chan struct{}, 1)
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
	hwms, err := listOffsets(ctx, s.client, ps, kafkago.LastOffset, time.Time{})
	if err != nil {
		return err
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		pt := s.part(p)
		pt.active, pt.last = true, now
		s.active = append(s.active, pt)
		start := starts[p]
		if off, ok := s.seekTo[p]; ok {
			start = off
		}
		pt.start.Store(start)
		pt.hwm.Store(hwms[p])
		end := int64(-1)
		if s.cfg.stopAtEnd {
			if end = hwms[p]; start >= end {
				pt.ended = true
				continue
			}
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.fail(s.fetch(s.ctx, pt, start, end))
		}()
	}
	return nil
}

// part returns the state of partition p, creating it; s.mu is held.
func (s *source) part(p tp) *part {
	pt := s.parts[p]
	if pt == nil {
		pt = newPart(p, min(s.cfg.batchSize, maxBuffered))
		s.parts[p] = pt
	}
	return pt
}

// maxBuffered is the most messages a partition's buffer holds, besides
// the queue of its kafka-go reader (1024 messages).
const maxBuffered = 1024

// refresh makes the partitions of a new group generation the ones Next
// reads; a partition newly assigned counts its silence from then.
func (s *source) refresh() {
	if s.cfg.group == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.genNum == s.genSeen {
		return
	}
	s.genSeen = s.genNum
	for _, pt := range s.active {
		pt.active = false
	}
	s.active = s.active[:0]
	for p, at := range s.owned {
		pt := s.part(p)
		if !pt.active && pt.last.Before(at) {
			pt.last = at
		}
		pt.active = true
		s.active = append(s.active, pt)
	}
	sort.Slice(s.active, func(i, j int) bool { return s.active[i].p.less(s.active[j].p) })
	s.turn = 0
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

// fetch reads partition pt from offset start (or, when start is negative,
// from where option start says) into its buffer until ctx is done or,
// when end is not negative, up to offset end. It keeps the partition's
// high-water mark up to date from every message fetched.
func (s *source) fetch(ctx context.Context, pt *part, start, end int64) error {
	p := pt.p
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
	if pt.hwm.Load() < 0 {
		hwm, err := listOffsets(ctx, s.client, []tp{p}, kafkago.LastOffset, time.Time{})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		pt.hwm.Store(hwm[p])
	}
	pt.start.Store(start)
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
		if hwm := max(m.HighWaterMark, next); hwm > pt.hwm.Load() {
			pt.hwm.Store(hwm) // before the message is in the buffer: never caught up too early
		}
		if !s.put(ctx, pt, fetched{msg: m}) {
			return nil
		}
	}
	s.put(ctx, pt, fetched{done: true})
	return nil
}

// put hands f to Next through pt's buffer, waiting while it is full, and
// wakes Next when the buffer was empty. It returns false when ctx is done.
func (s *source) put(ctx context.Context, pt *part, f fetched) bool {
	select {
	case pt.buf <- f:
	case <-ctx.Done():
		return false
	}
	if len(pt.buf) == 1 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return true
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
		s.genNum++
		owned := map[tp]time.Time{}
		type job struct {
			pt    *part
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
				owned[p] = now
				pt := s.part(p)
				pt.hwm.Store(-1) // listed again by the new fetcher
				jobs = append(jobs, job{pt, start})
			}
		}
		// The previous generation's fetchers are gone: drop what they
		// fetched of partitions that are someone else's now (their new
		// owner reads them from the committed offset).
		for p := range s.owned {
			if _, ok := owned[p]; !ok {
				drain(s.parts[p].buf)
			}
		}
		s.owned = owned
		s.mu.Unlock()
		for _, j := range jobs {
			s.wg.Add(1)
			gen.Start(func(gctx context.Context) {
				defer s.wg.Done()
				ctx, cancel := context.WithCancel(s.ctx)
				defer cancel()
				stop := context.AfterFunc(gctx, cancel)
				defer stop()
				s.fail(s.fetch(ctx, j.pt, j.start, -1))
			})
		}
	}
}

// drain empties buf without waiting.
func drain(buf chan fetched) {
	for {
		select {
		case <-buf:
		default:
			return
		}
	}
}
