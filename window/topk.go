package window

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/eddy-sql/eddy/exec"
)

// MostFrequentValuesColumn is the count column of TOP_K_ITEMS_TUMBLING.
const MostFrequentValuesColumn = "MOST_FREQUENT_VALUES"

// TopKCounters returns how many counters the Space-Saving summary of a
// TOP_K_ITEMS_TUMBLING window keeps for k: max(10000, 4k). Counts are exact
// while a window holds at most that many distinct values; beyond, each
// count exceeds the true one by at most N/TopKCounters(k) for a window of
// N rows, and every value more frequent than that is listed.
func TopKCounters(k int) int { return max(10000, 4*k) }

// NewTopK returns KDA's TOP_K_ITEMS_TUMBLING: per tumbling window of
// ROWTIME, the k most frequent non-NULL values of the column, one row each
// with the value (named and typed as the column) and its count
// MOST_FREQUENT_VALUES (BIGINT), most frequent first (ties by value), and
// ROWTIME = the window's end. Counting is the Space-Saving algorithm of
// Metwally, Agrawal and El Abbadi (see TopKCounters for its bound).
//
// Windows close when the event-time watermark (a Tracker over the input's
// partitions) passes their end; late rows go to cfg.Late. At io.EOF every
// window closes. On exec.ErrStopped the windows stay open (checkpointed by
// Snapshot). The output is one partition, origin 0, whose watermark is the
// emission watermark. The operator owns input and implements
// exec.Partitioned, exec.Watermarker, exec.Snapshotter, exec.StateSizer
// and LateCounter.
func NewTopK(input exec.Operator, cfg ItemsConfig, k int) (exec.Operator, error) {
	if k < 1 {
		return nil, errors.New("window: top k: k must be positive")
	}
	if input == nil {
		return nil, errors.New("window: top k: input is required")
	}
	in := input.Schema()
	if cfg.Column < 0 || cfg.Column >= in.NumFields() {
		return nil, fmt.Errorf("window: top k: no column %d", cfg.Column)
	}
	f := in.Field(cfg.Column)
	kind := &topKKind{k: k, capacity: TopKCounters(k), typ: f.Type}
	op, err := newItemsOp("top k", input, cfg, kind, []arrow.Field{
		{Name: f.Name, Type: f.Type, Nullable: true, Metadata: f.Metadata},
		{Name: MostFrequentValuesColumn, Type: arrow.PrimitiveTypes.Int64},
	})
	if err != nil {
		return nil, err
	}
	kind.keys = array.NewBuilder(cfg.Alloc, f.Type)
	kind.counts = array.NewInt64Builder(cfg.Alloc)
	return op, nil
}

type topKKind struct {
	k, capacity int
	typ         arrow.DataType
	keys        array.Builder
	counts      *array.Int64Builder
	order       []int32
}

func (t *topKKind) newSketch() sketch { return newSpaceSaving(t.capacity) }

func (t *topKKind) snapKind() byte { return snapTopK }

func (t *topKKind) emit(s sketch) int {
	ss := s.(*spaceSaving)
	t.order = t.order[:0]
	for i := range ss.keys {
		t.order = append(t.order, int32(i))
	}
	slices.SortFunc(t.order, func(a, b int32) int {
		if ss.counts[a] != ss.counts[b] {
			if ss.counts[a] > ss.counts[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(ss.keys[a], ss.keys[b])
	})
	n := min(t.k, len(t.order))
	for _, i := range t.order[:n] {
		appendKey(t.keys, ss.keys[i])
		t.counts.Append(ss.counts[i])
	}
	return n
}

func (t *topKKind) build() []arrow.Array {
	return []arrow.Array{t.keys.NewArray(), t.counts.NewArray()}
}

func (t *topKKind) release() {
	t.keys.Release()
	t.counts.Release()
}

// spaceSaving is a Space-Saving summary: at most capacity counters, a
// min-heap over them; a new value takes over the smallest counter.
type spaceSaving struct {
	capacity int
	keys     []string
	counts   []int64
	errs     []int64 // overestimation bound of each counter
	index    map[string]int32
	heap     []int32 // counter numbers, min-heap on count
	pos      []int32 // counter → heap position
	bytesN   int
}

func newSpaceSaving(capacity int) *spaceSaving {
	return &spaceSaving{capacity: capacity, index: map[string]int32{}}
}

func (s *spaceSaving) bytes() int { return s.bytesN + len(s.keys)*64 }

// add counts key, which may point into a batch's buffer (keyReader): a
// key kept is copied, since the buffer may be reused once the batch is
// released.
func (s *spaceSaving) add(key string) {
	if i, ok := s.index[key]; ok {
		s.counts[i]++
		s.down(int(s.pos[i]))
		return
	}
	key = strings.Clone(key)
	if len(s.keys) < s.capacity {
		i := int32(len(s.keys))
		s.keys = append(s.keys, key)
		s.counts = append(s.counts, 1)
		s.errs = append(s.errs, 0)
		s.index[key] = i
		s.pos = append(s.pos, int32(len(s.heap)))
		s.heap = append(s.heap, i)
		s.up(len(s.heap) - 1)
		s.bytesN += len(key)
		return
	}
	i := s.heap[0]
	delete(s.index, s.keys[i])
	s.bytesN += len(key) - len(s.keys[i])
	s.keys[i] = key
	s.errs[i] = s.counts[i]
	s.counts[i]++
	s.index[key] = i
	s.down(0)
}

func (s *spaceSaving) less(a, b int) bool { return s.counts[s.heap[a]] < s.counts[s.heap[b]] }

func (s *spaceSaving) swap(a, b int) {
	s.heap[a], s.heap[b] = s.heap[b], s.heap[a]
	s.pos[s.heap[a]], s.pos[s.heap[b]] = int32(a), int32(b)
}

func (s *spaceSaving) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *spaceSaving) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(s.heap) {
			return
		}
		c := l
		if r := l + 1; r < len(s.heap) && s.less(r, l) {
			c = r
		}
		if !s.less(c, i) {
			return
		}
		s.swap(i, c)
		i = c
	}
}

// spaceSavingState is a summary's checkpoint (keys as bytes: base64 in
// JSON, so binary keys survive).
type spaceSavingState struct {
	Keys   [][]byte `json:"keys"`
	Counts []int64  `json:"counts"`
	Errs   []int64  `json:"errs"`
}

func (t *topKKind) encode(sk sketch) ([]byte, error) {
	s := sk.(*spaceSaving)
	st := spaceSavingState{Counts: s.counts, Errs: s.errs}
	for _, k := range s.keys {
		st.Keys = append(st.Keys, []byte(k))
	}
	return json.Marshal(st)
}

func (t *topKKind) decode(b []byte) (sketch, error) {
	var st spaceSavingState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if len(st.Counts) != len(st.Keys) || len(st.Errs) != len(st.Keys) || len(st.Keys) > t.capacity {
		return nil, errors.New("top k summary of another size")
	}
	s := newSpaceSaving(t.capacity)
	for i, k := range st.Keys {
		if _, dup := s.index[string(k)]; dup || st.Counts[i] < 1 {
			return nil, errors.New("corrupt top k summary")
		}
		s.keys = append(s.keys, string(k))
		s.counts = append(s.counts, st.Counts[i])
		s.errs = append(s.errs, st.Errs[i])
		s.index[string(k)] = int32(i)
		s.pos = append(s.pos, int32(i))
		s.heap = append(s.heap, int32(i))
		s.bytesN += len(k)
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
	return s, nil
}

// appendKey appends a key made by keyReader to a builder of its type.
func appendKey(b array.Builder, key string) {
	u := func() uint64 {
		var v uint64
		for i := range 8 {
			v = v<<8 | uint64(key[i])
		}
		return v
	}
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(key)
	case *array.LargeStringBuilder:
		b.Append(key)
	case *array.Int8Builder:
		b.Append(int8(int64(u() ^ 1<<63)))
	case *array.Int16Builder:
		b.Append(int16(int64(u() ^ 1<<63)))
	case *array.Int32Builder:
		b.Append(int32(int64(u() ^ 1<<63)))
	case *array.Int64Builder:
		b.Append(int64(u() ^ 1<<63))
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(int64(u() ^ 1<<63)))
	case *array.Date32Builder:
		b.Append(arrow.Date32(int64(u() ^ 1<<63)))
	case *array.Float64Builder:
		b.Append(math.Float64frombits(u()))
	case *array.Float32Builder:
		b.Append(float32(math.Float64frombits(u())))
	case *array.BooleanBuilder:
		b.Append(key == "\x01")
	default:
		panic(fmt.Sprintf("window: appendKey: %T", b))
	}
}
