package window_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/window"
)

// frameSize is the length of a snapshot's frame: magic, version, kind,
// payload length, CRC-32C.
const frameSize = 18

// reframe wraps payload in a valid frame of the given operator kind, so
// corrupt contents get past the checksum.
func reframe(kind byte, payload []byte) []byte {
	out := append([]byte("EDWS"), window.SnapshotVersion, kind)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(payload)))
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	return append(out, payload...)
}

// snapKinds builds one operator of each snapshot kind (1 group by, 2 over,
// 3 watermark, 20 DISTINCT, 21 ORDER BY), tumbling, session and (last)
// stagger for the group by.
var snapKinds = []struct {
	name string
	kind byte
	pipe pipeline
}{
	{"tumbling", 1, groupByPipe(func() (window.Assigner, error) { return window.Tumbling(time.Second, 0) }, []exec.Expr{sK}, window.EmitPolicy{}, false)},
	{"session", 1, groupByPipe(func() (window.Assigner, error) { return window.Session(400 * time.Millisecond) }, []exec.Expr{sK, sN}, window.EmitPolicy{}, false)},
	{"over", 2, overPipe(
		window.OverSpec{Func: "SUM", Arg: sV, Partition: []exec.Expr{sK}, Rows: true, Preceding: 2, Name: "a"},
		window.OverSpec{Func: "FIRST_VALUE", Arg: sS, Range: time.Second, Name: "b"})},
	{"watermark", 3, func(t testing.TB, mem memory.Allocator, src *snapSource) (exec.Operator, []exec.Snapshotter) {
		op, err := window.NewWatermark(src, 7, 0, time.Second, src.clockFn())
		if err != nil {
			t.Fatal(err)
		}
		return op, []exec.Snapshotter{op.(exec.Snapshotter)}
	}},
	{"distinct", 20, distinctPipe([]int{0, 1})},
	{"order", 21, orderPipe([]exec.SortKey{{Column: 2}})},
	{"stagger", 1, groupByPipe(func() (window.Assigner, error) { return window.Stagger(300 * time.Millisecond) }, []exec.Expr{sK}, window.EmitPolicy{}, false)},
}

// validSnapshot runs the operator of kind i over 20 batches and snapshots
// it.
func validSnapshot(t testing.TB, i int) []byte {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op, snaps := snapKinds[i].pipe(t, mem, &snapSource{mem: mem, batches: genBatches(9, 20, 5)})
	defer op.Close()
	for range 20 {
		step(t, op)
	}
	return snapshotAll(t, snaps)[len(snaps)-1]
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	t.Parallel()
	good := validSnapshot(t, 0)
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x40
		return b
	}
	cases := []struct {
		name string
		data []byte
		pipe pipeline
	}{
		{"empty", nil, snapKinds[0].pipe},
		{"truncated frame", good[:10], snapKinds[0].pipe},
		{"truncated payload", good[:len(good)-1], snapKinds[0].pipe},
		{"wrong magic", flip(0), snapKinds[0].pipe},
		{"previous format version", func() []byte { b := bytes.Clone(good); b[4] = window.SnapshotVersion - 1; return b }(), snapKinds[0].pipe},
		{"unknown version", func() []byte { b := bytes.Clone(good); b[4] = window.SnapshotVersion + 1; return b }(), snapKinds[0].pipe},
		{"other operator kind", validSnapshot(t, 3), snapKinds[0].pipe},
		{"checksum mismatch", flip(len(good) - 5), snapKinds[0].pipe},
		{"garbage header", reframe(1, []byte("\x02\x00\x00\x00\x00\x00\x00\x00{}")), snapKinds[0].pipe},
		{"missing sections", reframe(1, good[frameSize:frameSize+40]), snapKinds[0].pipe},
		{"other assigner", good, snapKinds[1].pipe},
		{"other aggregates", good, groupByPipe(func() (window.Assigner, error) { return window.Tumbling(time.Second, 0) }, []exec.Expr{sK, sN}, window.EmitPolicy{}, false)},
		{"over snapshot with other specs", validSnapshot(t, 2), overPipe(window.OverSpec{Func: "COUNT", Name: "a"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			batches := genBatches(3, 10, 5)
			op, snaps := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches})
			err := snaps[len(snaps)-1].Restore(bytes.NewReader(tc.data))
			if !errors.Is(err, window.ErrSnapshot) || errors.Is(err, window.ErrRestorePanic) {
				t.Fatalf("Restore = %v, want a clean ErrSnapshot", err)
			}
			// The operator is unchanged: it behaves as a fresh one.
			got := runAll(t, op)
			op.Close()
			fresh, _ := tc.pipe(t, mem, &snapSource{mem: mem, batches: batches})
			diff(t, "after a failed restore", got, runAll(t, fresh))
			fresh.Close()
		})
	}
}

// FuzzRestore feeds arbitrary bytes, raw and wrapped in a valid frame, to
// the Restore of every operator kind: it must fail cleanly or restore a
// state the operator can run on.
func FuzzRestore(f *testing.F) {
	for i := range snapKinds {
		f.Add(validSnapshot(f, i)[frameSize:])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, k := range snapKinds {
			for _, data := range [][]byte{payload, reframe(k.kind, payload)} {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				op, snaps := k.pipe(t, mem, &snapSource{mem: mem, batches: genBatches(5, 6, 5)})
				err := snaps[len(snaps)-1].Restore(bytes.NewReader(data))
				if errors.Is(err, window.ErrRestorePanic) || (err != nil && !errors.Is(err, window.ErrSnapshot)) {
					t.Fatalf("%s: Restore = %v", k.name, err)
				}
				if err == nil {
					// A restored state must run without panicking.
					for {
						if _, more := stepNoFail(op); !more {
							break
						}
					}
				}
				op.Close()
				mem.AssertSize(t, 0)
			}
		}
	})
}

// stepNoFail is step that tolerates operator errors (a fuzzed state may be
// semantically odd, e.g. overflow a sum), only not panics.
func stepNoFail(op exec.Operator) (string, bool) {
	b, err := op.Next(context.Background())
	if err != nil {
		return "", false
	}
	b.Release()
	return "", true
}
