package window

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// ErrSnapshot is wrapped by the error of every Restore of this package's
// operators when the bytes are not a snapshot they can restore: wrong magic,
// unknown format version, another operator kind, a checksum mismatch,
// truncated or corrupt contents, or state that does not fit the operator's
// configuration (another plan).
var ErrSnapshot = errors.New("window: bad snapshot")

// SnapshotVersion is the format version Snapshot writes; Restore rejects
// every other.
const SnapshotVersion = 2

// Snapshot framing: magic, version byte, operator kind byte, payload length
// (uint64 LE), CRC-32C of the payload (uint32 LE), then the payload: a
// sequence of sections, each a uint64 LE length and its bytes. The first
// section is a JSON header of the operator's scalars; the next ones are
// Arrow IPC streams of one record batch each, holding the columnar state.
const (
	snapMagic     = "EDWS"
	snapFrameSize = len(snapMagic) + 2 + 8 + 4

	snapGroupBy   byte = 1
	snapOver      byte = 2
	snapWatermark byte = 3
)

var snapCRC = crc32.MakeTable(crc32.Castagnoli)

// errRestorePanic marks a restore that panicked: a bug in the validation of
// snapshot contents (tests look for it).
var errRestorePanic = errors.New("internal error")

// snapWriter builds a snapshot payload.
type snapWriter struct {
	mem memory.Allocator
	buf bytes.Buffer
}

func (w *snapWriter) section(b []byte) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
	w.buf.Write(n[:])
	w.buf.Write(b)
}

// header writes v as JSON.
func (w *snapWriter) header(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("window: snapshot header: %w", err)
	}
	w.section(b)
	return nil
}

// record writes cols (not released) as one Arrow IPC stream of rows rows,
// columns named c0, c1, …
func (w *snapWriter) record(cols []arrow.Array, rows int) error {
	types := make([]arrow.DataType, len(cols))
	for i, c := range cols {
		types[i] = c.DataType()
	}
	schema := stateSchema(types)
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	defer rec.Release()
	var b bytes.Buffer
	iw := ipc.NewWriter(&b, ipc.WithSchema(schema), ipc.WithAllocator(w.mem))
	if err := iw.Write(rec); err != nil {
		iw.Close()
		return fmt.Errorf("window: snapshot: %w", err)
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("window: snapshot: %w", err)
	}
	// Drop the schema message: the reader knows the schema, and parsing
	// one from the snapshot would trust its sizes.
	n, err := schemaMessageLen(b.Bytes())
	if err != nil {
		return err
	}
	w.section(b.Bytes()[n:])
	return nil
}

// stateSchema is the schema of a state record with columns of types.
func stateSchema(types []arrow.DataType) *arrow.Schema {
	fields := make([]arrow.Field, len(types))
	for i, dt := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// schemaMessageLen returns the length of the schema message an Arrow IPC
// stream starts with: continuation marker, metadata length, metadata (it
// has no body).
func schemaMessageLen(stream []byte) (int, error) {
	if len(stream) < 8 || binary.LittleEndian.Uint32(stream) != 0xFFFFFFFF {
		return 0, errors.New("window: snapshot: unexpected Arrow IPC stream layout")
	}
	n := 8 + int(int32(binary.LittleEndian.Uint32(stream[4:])))
	if n < 8 || n > len(stream) {
		return 0, errors.New("window: snapshot: unexpected Arrow IPC stream layout")
	}
	return n, nil
}

// schemaMessage returns the IPC schema message of a state record with
// columns of types.
func schemaMessage(types []arrow.DataType) ([]byte, error) {
	var b bytes.Buffer
	iw := ipc.NewWriter(&b, ipc.WithSchema(stateSchema(types)), ipc.WithAllocator(memory.NewGoAllocator()))
	if err := iw.Close(); err != nil {
		return nil, fmt.Errorf("window: snapshot: %w", err)
	}
	n, err := schemaMessageLen(b.Bytes())
	if err != nil {
		return nil, err
	}
	return b.Bytes()[:n], nil
}

// finish writes the framed snapshot of operator kind to out.
func (w *snapWriter) finish(out io.Writer, kind byte) error {
	payload := w.buf.Bytes()
	frame := make([]byte, 0, snapFrameSize)
	frame = append(frame, snapMagic...)
	frame = append(frame, SnapshotVersion, kind)
	frame = binary.LittleEndian.AppendUint64(frame, uint64(len(payload)))
	frame = binary.LittleEndian.AppendUint32(frame, crc32.Checksum(payload, snapCRC))
	if _, err := out.Write(frame); err != nil {
		return fmt.Errorf("window: snapshot: %w", err)
	}
	if _, err := out.Write(payload); err != nil {
		return fmt.Errorf("window: snapshot: %w", err)
	}
	return nil
}

// snapReader reads a snapshot payload section by section.
type snapReader struct {
	mem  memory.Allocator
	data []byte
}

// openSnapshot reads a framed snapshot of operator kind from r and checks
// its version and checksum.
func openSnapshot(r io.Reader, kind byte, mem memory.Allocator) (*snapReader, error) {
	var frame [snapFrameSize]byte
	if _, err := io.ReadFull(r, frame[:]); err != nil {
		return nil, fmt.Errorf("%w: reading header: %v", ErrSnapshot, err)
	}
	if string(frame[:4]) != snapMagic {
		return nil, fmt.Errorf("%w: not a window operator snapshot", ErrSnapshot)
	}
	if v := frame[4]; v != SnapshotVersion {
		return nil, fmt.Errorf("%w: unknown format version %d (want %d)", ErrSnapshot, v, SnapshotVersion)
	}
	if k := frame[5]; k != kind {
		return nil, fmt.Errorf("%w: snapshot of operator kind %d, want %d", ErrSnapshot, k, kind)
	}
	n := binary.LittleEndian.Uint64(frame[6:14])
	sum := binary.LittleEndian.Uint32(frame[14:18])
	// Read through a LimitReader so a corrupt length cannot allocate more
	// than the input holds.
	var buf bytes.Buffer
	got, err := io.Copy(&buf, io.LimitReader(r, int64(min(n, 1<<62))))
	if err != nil {
		return nil, fmt.Errorf("%w: reading payload: %v", ErrSnapshot, err)
	}
	if uint64(got) != n {
		return nil, fmt.Errorf("%w: truncated: %d of %d payload bytes", ErrSnapshot, got, n)
	}
	payload := buf.Bytes()
	if crc32.Checksum(payload, snapCRC) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrSnapshot)
	}
	return &snapReader{mem: mem, data: payload}, nil
}

func (r *snapReader) section() ([]byte, error) {
	if len(r.data) < 8 {
		return nil, fmt.Errorf("%w: truncated section", ErrSnapshot)
	}
	n := binary.LittleEndian.Uint64(r.data)
	if n > uint64(len(r.data)-8) {
		return nil, fmt.Errorf("%w: section of %d bytes past the end", ErrSnapshot, n)
	}
	b := r.data[8 : 8+n]
	r.data = r.data[8+n:]
	return b, nil
}

// header decodes the JSON header into v.
func (r *snapReader) header(v any) error {
	b, err := r.section()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: header: %v", ErrSnapshot, err)
	}
	return nil
}

// record reads one record batch whose columns have the given types and
// rows rows, in Go-allocated memory; the caller releases it.
func (r *snapReader) record(types []arrow.DataType, rows int) (_ arrow.RecordBatch, err error) {
	sec, err := r.section()
	if err != nil {
		return nil, err
	}
	schemaMsg, err := schemaMessage(types)
	if err != nil {
		return nil, err
	}
	b := append(schemaMsg, sec...)
	// Decode into garbage-collected memory: the IPC reader may not free
	// everything on corrupt input, and what must outlive Restore is copied
	// to the operator's allocator. The section bounds every size it reads,
	// and the allocations: a corrupt message (say, claiming a compressed
	// buffer of terabytes) fails instead of exhausting memory.
	budget := &budgetAllocator{mem: memory.NewGoAllocator(), left: 2*len(b) + 1<<16}
	ir, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(budget),
		ipc.WithBodySizeLimit(int64(len(b))), ipc.WithMetadataSizeLimit(int64(len(b))))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
	}
	defer ir.Release()
	if !ir.Next() {
		if err := ir.Err(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSnapshot, err)
		}
		return nil, fmt.Errorf("%w: missing record batch", ErrSnapshot)
	}
	got := ir.RecordBatch()
	got.Retain()
	defer func() {
		if err != nil {
			got.Release()
		}
	}()
	if ir.Next() || ir.Err() != nil {
		return nil, fmt.Errorf("%w: more than one record batch in a section", ErrSnapshot)
	}
	if int(got.NumCols()) != len(types) {
		return nil, fmt.Errorf("%w: %d state columns, want %d", ErrSnapshot, got.NumCols(), len(types))
	}
	if got.NumRows() != int64(rows) {
		return nil, fmt.Errorf("%w: %d state rows, want %d", ErrSnapshot, got.NumRows(), rows)
	}
	for i, c := range got.Columns() {
		if !arrow.TypeEqual(c.DataType(), types[i]) {
			return nil, fmt.Errorf("%w: state column %d is %s, want %s", ErrSnapshot, i, c.DataType(), types[i])
		}
		if c.Len() != rows {
			return nil, fmt.Errorf("%w: state column %d has %d rows, want %d", ErrSnapshot, i, c.Len(), rows)
		}
		if err := validate(c); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// done checks that every section was read.
func (r *snapReader) done() error {
	if len(r.data) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrSnapshot, len(r.data))
	}
	return nil
}

// restoring runs fn, turning a panic (which checked input should never
// cause) into an error wrapping ErrSnapshot, so a corrupt snapshot can never
// crash the engine.
func restoring(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %w: %v", ErrSnapshot, errRestorePanic, p)
		}
	}()
	if err := fn(); err != nil {
		if errors.Is(err, ErrSnapshot) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	return nil
}

func validate(c arrow.Array) error {
	if err := exec.ValidateArray(c); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	return nil
}

// uint32Array, int64Array and boolArray build non-NULL state columns the
// caller releases.
func uint32Array(mem memory.Allocator, vals []uint32) arrow.Array {
	b := array.NewUint32Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

func int64Array(mem memory.Allocator, vals []int64) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

func boolArray(mem memory.Allocator, vals []bool) arrow.Array {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewArray()
}

// readUint32s reads a one-column record of uint32s of the given length.
func (r *snapReader) uint32s(rows int) ([]uint32, error) {
	rec, err := r.record([]arrow.DataType{arrow.PrimitiveTypes.Uint32}, rows)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	return append([]uint32(nil), rec.Column(0).(*array.Uint32).Uint32Values()...), nil
}

// writeUint32s writes vals as a one-column record.
func (w *snapWriter) uint32s(vals []uint32) error {
	a := uint32Array(w.mem, vals)
	defer a.Release()
	return w.record([]arrow.Array{a}, len(vals))
}

// budgetAllocator allocates from mem until left bytes are used up, then
// panics with an error wrapping ErrSnapshot (the IPC reader and restoring
// turn the panic into an error).
type budgetAllocator struct {
	mem  memory.Allocator
	left int
}

func (a *budgetAllocator) take(n int) {
	if n > a.left {
		panic(fmt.Errorf("%w: state larger than its section", ErrSnapshot))
	}
	a.left -= n
}

func (a *budgetAllocator) Allocate(size int) []byte {
	a.take(size)
	return a.mem.Allocate(size)
}

func (a *budgetAllocator) Reallocate(size int, b []byte) []byte {
	a.take(size - len(b))
	return a.mem.Reallocate(size, b)
}

func (a *budgetAllocator) Free(b []byte) {
	a.left += len(b)
	a.mem.Free(b)
}
