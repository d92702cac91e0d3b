package main

// This file is the seeded generator of hostile event-time input for the
// differential test (eventtime_diff_test.go): partitions with different
// rates, one possibly minutes ahead of the others (backlog), a small key
// set with skew, bounded disorder within D ms (D ≤ L sometimes, D > L
// sometimes), injected very late rows, duplicate event times, pauses, and
// optionally two writers (two source streams pumped into one).

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// etBase is the event time the generated input starts near.
var etBase = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).UnixMilli()

// etGenOpts steers the generator.
type etGenOpts struct {
	Lateness   int64 // allowed lateness L in ms: disorder is chosen around it
	Rows       int   // about how many rows in all
	DistinctTS bool  // no two rows of a key share an event time (OVER ROWS)
	Writers    int   // 1, or 2: partitions alternate between two source streams
}

// etInput is generated input: the partitions in file order and the writer
// (source stream) of each.
type etInput struct {
	Parts  [][]etRow
	Writer []int
	Desc   string // what the generator chose, for failure messages
}

// etGenerate makes the input of seed.
func etGenerate(seed uint64, o etGenOpts) etInput {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	nParts := 1 + rng.IntN(4)
	if o.Writers == 2 && nParts < 2 {
		nParts = 2
	}
	nKeys := 1 + rng.IntN(5)
	keys := []string{"a", "b", "c", "d", "e"}[:nKeys]
	start := etBase + rng.Int64N(600_000)
	backlog := -1
	if nParts > 1 && rng.IntN(2) == 0 {
		backlog = rng.IntN(nParts)
	}
	rows := max(o.Rows, 20)
	in := etInput{Writer: make([]int, nParts)}
	var desc []string
	for p := range nParts {
		in.Writer[p] = p % max(o.Writers, 1)
		weight := 1 + rng.IntN(4) // rates differ: this share of the rows
		n := rows * weight / (nParts * 2)
		meanGap := int64(20 + rng.IntN(1500))
		t := start
		if p == backlog {
			t += int64(120_000 + rng.IntN(180_000)) // minutes ahead of the others
		}
		var disorder int64
		switch rng.IntN(3) {
		case 0: // in order
		case 1:
			disorder = rng.Int64N(o.Lateness + 1) // within lateness: never late
		case 2:
			disorder = o.Lateness + 1 + rng.Int64N(2*o.Lateness+2000) // beyond lateness: some late
		}
		type pending struct {
			row etRow
			at  int64 // position in the shuffled order
		}
		var ps []pending
		dups, pauses, veryLate := 0, 0, 0
		for range n {
			switch x := rng.IntN(100); {
			case x < 8: // duplicate event time
				dups++
			case x < 10: // a pause
				t += int64(10_000 + rng.IntN(110_000))
				pauses++
			default:
				t += 1 + rng.Int64N(2*meanGap)
			}
			k := keys[min(rng.IntN(nKeys), rng.IntN(nKeys))] // skewed to the first keys
			r := etRow{K: k, TS: t, V: int64(rng.IntN(1051) - 50)}
			ps = append(ps, pending{r, t + rng.Int64N(disorder+1)})
			if rng.IntN(100) == 0 { // a very late row, far behind
				late := etRow{K: k, TS: t - o.Lateness - 1 - int64(rng.IntN(60_000)), V: int64(rng.IntN(1000))}
				ps = append(ps, pending{late, t})
				veryLate++
			}
		}
		slices.SortStableFunc(ps, func(a, b pending) int { return cmp.Compare(a.at, b.at) })
		part := make([]etRow, len(ps))
		for i, x := range ps {
			part[i] = x.row
		}
		in.Parts = append(in.Parts, part)
		ahead := ""
		if p == backlog {
			ahead = " ahead"
		}
		desc = append(desc, fmt.Sprintf("p%d(w%d): %d rows, gap~%dms, D=%dms, %d dup, %d pause, %d very late%s",
			p, in.Writer[p], len(part), meanGap, disorder, dups, pauses, veryLate, ahead))
	}
	if o.DistinctTS {
		seen := map[etRow]bool{} // (key, ts) with V zeroed
		for _, part := range in.Parts {
			for i := range part {
				for seen[etRow{K: part[i].K, TS: part[i].TS}] {
					part[i].TS++
				}
				seen[etRow{K: part[i].K, TS: part[i].TS}] = true
			}
		}
	}
	in.Desc = fmt.Sprintf("%d keys, L=%dms; %s", nKeys, o.Lateness, strings.Join(desc, "; "))
	return in
}

// etWriteParts writes the partitions of writer w as files prefix-part-N.jsonl
// in dir and returns the glob that reads them.
func etWriteParts(t testing.TB, dir, prefix string, in etInput, w int) string {
	t.Helper()
	n := 0
	for p, part := range in.Parts {
		if in.Writer[p] != w {
			continue
		}
		var b strings.Builder
		for _, r := range part {
			line, err := json.Marshal(map[string]any{"k": r.K, "ts": etTime(r.TS), "v": r.V})
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		name := filepath.Join(dir, fmt.Sprintf("%spart-%d.jsonl", prefix, n))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	return filepath.Join(dir, prefix+"part-*.jsonl")
}

// TestEventTimeGeneratorIsHostile checks that the generator is
// deterministic per seed and, over a few seeds, produces what it promises:
// late rows, duplicate event times, several partitions, and inputs with
// disorder but no late row.
func TestEventTimeGeneratorIsHostile(t *testing.T) {
	t.Parallel()
	o := etGenOpts{Lateness: 5000, Rows: 300}
	a, b := etGenerate(7, o), etGenerate(7, o)
	if !slices.EqualFunc(a.Parts, b.Parts, slices.Equal) {
		t.Fatal("seed 7 gave two different inputs")
	}
	var withLate, disorderedNoLate, multi, dupTS int
	for seed := range uint64(40) {
		in := etGenerate(seed, o)
		_, late := refSplitLate(in.Parts, o.Lateness)
		disordered := false
		for _, p := range in.Parts {
			for i := 1; i < len(p); i++ {
				if p[i].TS < p[i-1].TS {
					disordered = true
				}
				if p[i].TS == p[i-1].TS {
					dupTS++
				}
			}
		}
		if len(late) > 0 {
			withLate++
		} else if disordered {
			disorderedNoLate++
		}
		if len(in.Parts) > 1 {
			multi++
		}
		d := etGenerate(seed, etGenOpts{Lateness: 5000, Rows: 300, DistinctTS: true})
		seen := map[[2]any]bool{}
		for _, p := range d.Parts {
			for _, r := range p {
				if seen[[2]any{r.K, r.TS}] {
					t.Fatalf("seed %d: DistinctTS repeats %v", seed, r)
				}
				seen[[2]any{r.K, r.TS}] = true
			}
		}
	}
	if withLate == 0 || disorderedNoLate == 0 || multi == 0 || dupTS == 0 {
		t.Errorf("over 40 seeds: %d with late rows, %d disordered without, %d with several partitions, %d duplicate event times",
			withLate, disorderedNoLate, multi, dupTS)
	}
}
