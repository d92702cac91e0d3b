package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FreeIDs appends the ids of deleted groups, in the order the table keeps
// them for reuse, to dst. Together with LiveIDs and KeyArrays they describe
// the table exactly; Load rebuilds it from them.
func (t *GroupTable) FreeIDs(dst []uint32) []uint32 { return append(dst, t.free...) }

// Load fills an empty table with the rows groups another table of the same
// key types held: keys are the key columns of its live groups in increasing
// id order (KeyArrays of LiveIDs), free its deleted ids (FreeIDs). The live
// ids are the ids below rows+len(free) that are not in free, so every id
// comes back as it was and future ids are handed out as they would have
// been. keys are not retained. It wraps ErrAggState when the input does not
// fit (then the table is left empty).
func (t *GroupTable) Load(keys []arrow.Array, rows int, free []uint32) error {
	if len(t.live) != 0 {
		return fmt.Errorf("%w: group table load: table is not empty", ErrAggState)
	}
	if len(keys) != len(t.types) {
		return fmt.Errorf("%w: group table load: %d key columns, want %d", ErrAggState, len(keys), len(t.types))
	}
	n := rows
	if n < 0 {
		return fmt.Errorf("%w: group table load: %d rows", ErrAggState, n)
	}
	for i, k := range keys {
		if k == nil || !arrow.TypeEqual(k.DataType(), t.types[i]) {
			return fmt.Errorf("%w: group table load: key column %d is not %s", ErrAggState, i, t.types[i])
		}
		if err := ValidateArray(k); err != nil {
			return fmt.Errorf("group table load: %w", err)
		}
		if k.Len() != n {
			return fmt.Errorf("%w: group table load: key column %d has %d rows, want %d", ErrAggState, i, k.Len(), n)
		}
	}
	capacity := n + len(free)
	if t.mode == groupModeNone && capacity > 1 {
		return fmt.Errorf("%w: group table load: %d groups without keys", ErrAggState, capacity)
	}
	isFree := make([]bool, capacity)
	for _, id := range free {
		if int(id) >= capacity || isFree[id] {
			return fmt.Errorf("%w: group table load: bad free id %d", ErrAggState, id)
		}
		isFree[id] = true
	}
	liveIDs := make([]uint32, 0, n)
	for id, f := range isFree {
		if !f {
			liveIDs = append(liveIDs, uint32(id))
		}
	}
	if n > 0 {
		// Insert the keys as groups 0..n-1, then move them to their ids.
		got, err := t.Groups(keys, n, nil, nil)
		if err != nil {
			t.Reset()
			return err
		}
		for i, id := range got {
			if int(id) != i {
				t.Reset()
				return fmt.Errorf("%w: group table load: duplicate key in row %d", ErrAggState, i)
			}
		}
	}
	t.remap(liveIDs, capacity)
	t.free = append(t.free[:0], free...)
	return nil
}

// remap moves groups 0..len(ids)-1 to ids, in a table of capacity ids.
func (t *GroupTable) remap(ids []uint32, capacity int) {
	live := make([]bool, capacity)
	for _, id := range ids {
		live[id] = true
	}
	t.live = live
	switch t.mode {
	case groupModeInt:
		keys := make([]int64, capacity)
		isNull := make([]bool, capacity)
		for i, id := range ids {
			keys[id], isNull[id] = t.intKeys[i], t.isNull[i]
		}
		t.intKeys, t.isNull = keys, isNull
		for k, v := range t.ints {
			t.ints[k] = ids[v]
		}
	case groupModeBinary, groupModeBytes:
		keys := make([]string, capacity)
		for i, id := range ids {
			keys[id] = t.strKeys[i]
		}
		t.strKeys = keys
		if t.mode == groupModeBinary {
			isNull := make([]bool, capacity)
			for i, id := range ids {
				isNull[id] = t.isNull[i]
			}
			t.isNull = isNull
		}
		for k, v := range t.strs {
			t.strs[k] = ids[v]
		}
	}
	if t.nullID >= 0 {
		t.nullID = int64(ids[t.nullID])
	}
	t.count = len(ids)
}

// StateTypes returns the types of the columns StateColumns returns: the key
// types, then the StateTypes of each aggregate in order.
func (h *HashAggregator) StateTypes() []arrow.DataType {
	out := append([]arrow.DataType(nil), h.table.types...)
	for _, acc := range h.accs {
		out = append(out, acc.StateTypes()...)
	}
	return out
}

// StateColumns returns the state of every live group (Len of them) in
// increasing id order, as columns of StateTypes (the keys, then each
// accumulator's state), and the table's free ids. The caller releases the columns.
// LoadStateColumns rebuilds the aggregator from them.
func (h *HashAggregator) StateColumns(mem memory.Allocator) (cols []arrow.Array, free []uint32, err error) {
	h.tmp = h.table.LiveIDs(h.tmp[:0])
	cols, err = h.table.KeyArrays(mem, h.tmp)
	if err != nil {
		return nil, nil, err
	}
	for _, acc := range h.accs {
		st, err := acc.State(mem, h.tmp)
		if err != nil {
			releaseAll(cols)
			return nil, nil, err
		}
		cols = append(cols, st...)
	}
	return cols, h.table.FreeIDs(nil), nil
}

// LoadStateColumns fills an empty aggregator (new or Reset) with the state
// of rows groups that StateColumns of an aggregator with the same key types
// and specs returned.
// cols are not retained. It wraps ErrAggState when they do not fit, and
// then leaves the aggregator empty.
func (h *HashAggregator) LoadStateColumns(cols []arrow.Array, rows int, free []uint32) error {
	if h.table.Cap() != 0 {
		return fmt.Errorf("%w: hash aggregate load: aggregator is not empty", ErrAggState)
	}
	nk := len(h.table.types)
	if len(cols) < nk {
		return fmt.Errorf("%w: hash aggregate load: %d columns, want at least %d", ErrAggState, len(cols), nk)
	}
	if err := h.table.Load(cols[:nk], rows, free); err != nil {
		return err
	}
	h.tmp = h.table.LiveIDs(h.tmp[:0])
	rest := cols[nk:]
	n := h.table.Cap()
	for _, acc := range h.accs {
		acc.Grow(n)
	}
	for i, acc := range h.accs {
		k := len(acc.StateTypes())
		if len(rest) < k {
			h.Reset()
			return fmt.Errorf("%w: hash aggregate load: too few state columns for aggregate %d", ErrAggState, i)
		}
		if err := acc.LoadState(rest[:k], h.tmp); err != nil {
			h.Reset()
			return fmt.Errorf("hash aggregate load: aggregate %d: %w", i, err)
		}
		rest = rest[k:]
	}
	if len(rest) != 0 {
		h.Reset()
		return fmt.Errorf("%w: hash aggregate load: %d extra columns", ErrAggState, len(rest))
	}
	return nil
}
