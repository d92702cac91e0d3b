package kinesis

import (
	"context"

	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// begin lists the shards, so that every one counts from the first Next,
// and starts the coordinator goroutine, which starts a reader goroutine
// for each shard whose parents are done.
func (s *source) begin(ctx context.Context) error {
	shards, err := s.listShards(ctx)
	if err != nil {
		return err
	}
	s.started = true
	s.wake = make(chan struct{}, 1)
	s.finished = make(chan struct{})
	s.errc = make(chan error, 1)
	s.register(shards)
	finished := map[string]bool{}
	for id, p := range s.resume {
		if p.Done {
			finished[id] = true
			s.pos[id] = p
		}
	}
	// With start = latest, the shards open now start at their tip and
	// the closed ones hold nothing new; shards found later start at
	// their beginning.
	latest := map[string]bool{}
	if s.start.kind == startLatest {
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			if sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil {
				finished[id] = true
			} else {
				latest[id] = true
			}
		}
	}
	for id := range finished {
		if sh := s.shards[id]; sh != nil {
			sh.done = true
		}
	}
	s.refresh()
	cctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.coordinate(cctx, shards, finished, latest); err != nil && cctx.Err() == nil {
			s.fail(err)
		}
	}()
	return nil
}

// register adds the shards of a listing not known yet, found now.
func (s *source) register(shards []types.Shard) {
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if _, ok := s.shards[id]; !ok {
			s.shards[id] = newShard(sh, now)
			s.version++
		}
	}
}

// refresh takes Next's view of the shards again when a listing added some.
func (s *source) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version == s.seen && s.view != nil {
		return
	}
	s.seen = s.version
	s.view = s.view[:0]
	for _, sh := range s.shards {
		sh.children, sh.parent = sh.children[:0], sh.parent[:0]
		s.view = append(s.view, sh)
	}
	sort.Slice(s.view, func(i, j int) bool { return s.view[i].id < s.view[j].id })
	for _, sh := range s.view {
		for _, p := range sh.parents {
			if parent := s.shards[p]; parent != nil {
				parent.children = append(parent.children, sh)
				sh.parent = append(sh.parent, parent)
			}
		}
	}
	s.turn = 0
}

// fail reports the first fatal error to Next.
func (s *source) fail(err error) {
	select {
	case s.errc <- err:
	default:
	}
}

// shardEnd is a reader's report that it stopped: its shard was closed and
// read to the end, or (stop_at_end) it caught up with the newest record.
type shardEnd struct {
	id     string
	closed bool
}

// readerStart says where a reader begins.
type readerStart struct {
	typ types.ShardIteratorType
	seq string
	at  time.Time
}

// coordinate lists the shards now and every discover_interval (and when a
// shard ends) and starts a reader for each shard whose parents are done;
// with stop_at_end it closes s.out once no reader is left.
func (s *source) coordinate(ctx context.Context, shards []types.Shard, finished, latest map[string]bool) error {
	started := map[string]bool{}
	ends := make(chan shardEnd)
	running := 0
	tick := time.NewTicker(s.discover)
	defer tick.Stop()
	for {
		listed := map[string]bool{}
		for _, sh := range shards {
			listed[aws.ToString(sh.ShardId)] = true
		}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			if started[id] || finished[id] || !parentsDone(sh, finished, listed) {
				continue
			}
			started[id] = true
			running++
			st := s.startOf(id, latest[id])
			s.mu.Lock()
			state := s.shards[id]
			s.mu.Unlock()
			state.started.Store(true)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				closed, err := s.read(ctx, state, st)
				if err != nil {
					if ctx.Err() == nil {
						s.fail(fmt.Errorf("kinesis: %s %s: %w", s.stream, id, err))
					}
					return
				}
				select {
				case ends <- shardEnd{id: id, closed: closed}:
				case <-ctx.Done():
				}
			}()
		}
		if s.stopAtEnd && running == 0 {
			close(s.finished)
			return nil
		}
		relist := false
		select {
		case <-ctx.Done():
			return nil
		case e := <-ends:
			running--
			if e.closed {
				finished[e.id] = true
				relist = true // its children may be new
			}
		case <-tick.C:
			relist = true
		}
		if relist {
			var err error
			if shards, err = s.listShards(ctx); err != nil {
				return err
			}
			s.register(shards)
		}
	}
}

// parentsDone tells whether shard sh may be read: each of its parents has
// been read to its end or is gone (expired from the stream).
func parentsDone(sh types.Shard, finished, listed map[string]bool) bool {
	for _, p := range []*string{sh.ParentShardId, sh.AdjacentParentShardId} {
		id := aws.ToString(p)
		if id != "" && listed[id] && !finished[id] {
			return false
		}
	}
	return true
}

// startOf returns where shard id starts: after its checkpoint, else by
// option start (latest only for the shards open when the source began).
func (s *source) startOf(id string, latest bool) readerStart {
	if p, ok := s.resume[id]; ok && p.Seq != "" {
		return readerStart{typ: types.ShardIteratorTypeAfterSequenceNumber, seq: p.Seq}
	}
	switch {
	case s.start.kind == startTimestamp:
		return readerStart{typ: types.ShardIteratorTypeAtTimestamp, at: s.start.at}
	case s.start.kind == startLatest && latest:
		return readerStart{typ: types.ShardIteratorTypeLatest}
	}
	return readerStart{typ: types.ShardIteratorTypeTrimHorizon}
}

// listShards returns every shard of the stream, sorted by id, retrying
// throttling.
func (s *source) listShards(ctx context.Context) ([]types.Shard, error) {
	var all []types.Shard
	in := &kinesis.ListShardsInput{StreamName: s.stream.NamePtr(), StreamARN: s.stream.ARNPtr()}
	bo := backoff{min: 100 * time.Millisecond, max: 5 * time.Second}
	for {
		out, err := s.client.ListShards(ctx, in)
		if err != nil {
			if throttled(err) {
				if err := bo.wait(ctx); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("kinesis: list shards of %s: %w", s.stream, err)
		}
		all = append(all, out.Shards...)
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	sort.Slice(all, func(i, j int) bool { return aws.ToString(all[i].ShardId) < aws.ToString(all[j].ShardId) })
	return all, nil
}

// iterator returns a shard iterator for shard id at st, retrying
// throttling.
func (s *source) iterator(ctx context.Context, id string, st readerStart) (*string, error) {
	in := &kinesis.GetShardIteratorInput{
		StreamName: s.stream.NamePtr(), StreamARN: s.stream.ARNPtr(),
		ShardId: aws.String(id), ShardIteratorType: st.typ,
	}
	if st.seq != "" {
		in.StartingSequenceNumber = aws.String(st.seq)
	}
	if !st.at.IsZero() {
		in.Timestamp = aws.Time(st.at)
	}
	bo := backoff{min: 100 * time.Millisecond, max: 5 * time.Second}
	for {
		out, err := s.client.GetShardIterator(ctx, in)
		if err == nil {
			return out.ShardIterator, nil
		}
		if !throttled(err) {
			return nil, fmt.Errorf("get shard iterator: %w", err)
		}
		if err := bo.wait(ctx); err != nil {
			return nil, err
		}
	}
}

// read fetches shard sh from st in order into its buffer, noting how far
// behind the tip each GetRecords call found it. It returns closed = true
// after the last record of a closed shard, or closed = false when
// stop_at_end finds it caught up, having put the end mark in the buffer
// either way. Throttling and expired iterators are retried; ctx ends it.
func (s *source) read(ctx context.Context, sh *shard, st readerStart) (bool, error) {
	id := sh.id
	it, err := s.iterator(ctx, id, st)
	if err != nil {
		return false, err
	}
	bo := backoff{min: 200 * time.Millisecond, max: 10 * time.Second}
	for {
		if it == nil {
			return true, s.send(ctx, sh, chunk{end: true, closed: true})
		}
		out, err := s.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(s.limit)})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return false, ctx.Err()
		case expired(err):
			if it, err = s.iterator(ctx, id, st); err != nil {
				return false, err
			}
			continue
		case throttled(err):
			if err := bo.wait(ctx); err != nil {
				return false, err
			}
			continue
		default:
			return false, fmt.Errorf("get records: %w", err)
		}
		bo.reset()
		it = out.NextShardIterator
		n := len(out.Records)
		// Before the records are in the buffer: never caught up too early.
		sh.full.Store(n >= int(s.limit))
		sh.behind.Store(aws.ToInt64(out.MillisBehindLatest))
		if n > 0 {
			st = readerStart{typ: types.ShardIteratorTypeAfterSequenceNumber, seq: aws.ToString(out.Records[n-1].SequenceNumber)}
			if err := s.send(ctx, sh, chunk{records: out.Records}); err != nil {
				return false, err
			}
			continue
		}
		if it == nil {
			continue
		}
		if s.stopAtEnd && aws.ToInt64(out.MillisBehindLatest) == 0 {
			return false, s.send(ctx, sh, chunk{end: true})
		}
		if err := sleep(ctx, s.poll); err != nil {
			return false, err
		}
	}
}

// send hands c to Next through sh's buffer, waiting while it is full, and
// wakes Next; it gives up when ctx is done.
func (s *source) send(ctx context.Context, sh *shard, c chunk) error {
	select {
	case sh.buf <- c:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}
