package window

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/eddy-sql/eddy/exec"
)

// HotspotsResultColumn is the column HOTSPOTS appends.
const HotspotsResultColumn = "HOTSPOTS_RESULT"

// HotspotsConfig configures NewHotspots.
type HotspotsConfig struct {
	// Columns are the indices of the numeric input columns that make a
	// point.
	Columns []int
	// WindowSize is how many of the latest points are searched;
	// ScanRadius the distance within which points are neighbours;
	// MinPoints the least number of points of a hotspot (KDA's
	// minimumNumberOfPointsInAHotspot).
	WindowSize int
	ScanRadius float64
	MinPoints  int
	Alloc      memory.Allocator
}

// NewHotspots returns KDA's HOTSPOTS: each input row comes out with
// HOTSPOTS_RESULT appended, a JSON object {"hotspots":[…]} describing the
// dense regions among the last WindowSize points (the row's included).
// A hotspot is a density-connected cluster (DBSCAN with radius ScanRadius
// and MinPoints): points with at least MinPoints points within ScanRadius
// (themselves included) are cores, and cores within ScanRadius of each
// other, with their neighbours, form one hotspot. Each has "minValues" and
// "maxValues" (its bounding box, one value per column) and "density": its
// share of the window's points divided by its share of the window's
// bounding volume (every side at least ScanRadius), so 1 is the window's
// average and hotspots score well above it. Hotspots are listed by
// density, densest first. A row with a NULL in a used column is not added
// and gets NULL.
//
// Rows pass through in order: the operator keeps its input's origin and
// partitions, owns input, implements exec.Partitioned, exec.Snapshotter
// and exec.StateSizer, and returns exec.ErrStopped, keeping its window,
// when its input stops.
func NewHotspots(input exec.Operator, cfg HotspotsConfig) (exec.Operator, error) {
	if input == nil || cfg.Alloc == nil {
		return nil, errors.New("window: hotspots: input and allocator are required")
	}
	if len(cfg.Columns) == 0 {
		return nil, errors.New("window: hotspots: no numeric column")
	}
	if cfg.WindowSize < 1 || !(cfg.ScanRadius > 0) || cfg.MinPoints < 1 {
		return nil, errors.New("window: hotspots: window size, scan radius and minimum points must be positive")
	}
	in := input.Schema()
	for _, c := range cfg.Columns {
		if c < 0 || c >= in.NumFields() || !numericType(in.Field(c).Type) {
			return nil, fmt.Errorf("window: hotspots: column %d is not numeric", c)
		}
	}
	fields := append([]arrow.Field(nil), in.Fields()...)
	fields = append(fields, arrow.Field{Name: HotspotsResultColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	dim := len(cfg.Columns)
	return &hotspotsOp{input: input, cfg: cfg, dim: dim, schema: arrow.NewSchema(fields, nil),
		ring: make([]float64, cfg.WindowSize*dim), grid: map[uint64][]int32{}, nb: make([]int32, cfg.WindowSize)}, nil
}

type hotspotsOp struct {
	input  exec.Operator
	cfg    HotspotsConfig
	dim    int
	schema *arrow.Schema
	closed bool

	ring  []float64 // WindowSize points
	count int       // points held
	head  int       // slot of the next point
	grid  map[uint64][]int32
	nb    []int32 // per slot: points within the radius, itself included

	vals  []float64
	valid []bool
	// scratch of one search
	label  []int32
	queue  []int32
	nbrs   []int32
	cell   []int64
	base   []int64
	boxes  []float64 // min and max of each hotspot, 2·dim values each
	json   []byte
	spots  []hotspot
	bounds []float64
}

type hotspot struct {
	n        int
	min, max []float64
	density  float64
}

var (
	_ exec.Operator    = (*hotspotsOp)(nil)
	_ exec.Partitioned = (*hotspotsOp)(nil)
	_ exec.Snapshotter = (*hotspotsOp)(nil)
	_ exec.StateSizer  = (*hotspotsOp)(nil)
)

func (o *hotspotsOp) Schema() *arrow.Schema { return o.schema }

// Origin returns the origin of the input's last batch.
func (o *hotspotsOp) Origin() exec.Origin { return exec.OriginOf(o.input) }

// Partitions returns the input's partitions.
func (o *hotspotsOp) Partitions() []exec.Partition { return exec.PartitionsOf(o.input) }

// StateBytes estimates the window's memory.
func (o *hotspotsOp) StateBytes() int { return len(o.ring)*8 + o.count*20 }

// Next annotates the next input batch; the caller releases the batch.
func (o *hotspotsOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.closed {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	n := int(b.NumRows())
	o.valid = readNumeric(b, o.cfg.Columns, &o.vals, o.valid)
	sb := array.NewStringBuilder(o.cfg.Alloc)
	defer sb.Release()
	j := 0
	for i := range n {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if !o.valid[i] {
			sb.AppendNull()
			continue
		}
		o.add(o.vals[j*o.dim : (j+1)*o.dim])
		j++
		sb.Append(string(o.result()))
	}
	res := sb.NewArray()
	defer res.Release()
	cs := append(append(make([]arrow.Array, 0, len(b.Columns())+1), b.Columns()...), res)
	return array.NewRecordBatch(o.schema, cs, int64(n)), nil
}

// cellOf computes the grid cell of point x into o.cell.
func (o *hotspotsOp) cellOf(x []float64) {
	o.cell = o.cell[:0]
	for _, v := range x {
		o.cell = append(o.cell, int64(math.Floor(v/o.cfg.ScanRadius)))
	}
}

func cellKey(c []int64) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range c {
		h ^= uint64(v)
		h *= 1099511628211
		h ^= h >> 29
	}
	return h
}

func (o *hotspotsOp) point(slot int32) []float64 {
	return o.ring[int(slot)*o.dim : (int(slot)+1)*o.dim]
}

// add puts x in the window, evicting the oldest point when full.
func (o *hotspotsOp) add(x []float64) {
	slot := int32(o.head)
	if o.count == o.cfg.WindowSize {
		o.neighbours(slot)
		for _, s := range o.nbrs {
			o.nb[s]--
		}
		o.cellOf(o.point(slot))
		k := cellKey(o.cell)
		l := o.grid[k]
		for i, s := range l {
			if s == slot {
				l[i] = l[len(l)-1]
				l = l[:len(l)-1]
				break
			}
		}
		if len(l) == 0 {
			delete(o.grid, k)
		} else {
			o.grid[k] = l
		}
	} else {
		o.count++
	}
	copy(o.point(slot), x)
	o.cellOf(x)
	k := cellKey(o.cell)
	o.grid[k] = append(o.grid[k], slot)
	o.head = (o.head + 1) % o.cfg.WindowSize
	o.neighbours(slot)
	for _, s := range o.nbrs {
		o.nb[s]++
	}
	o.nb[slot] = int32(len(o.nbrs))
}

// neighbours fills o.nbrs with the slots within the scan radius of slot's
// point (itself included).
func (o *hotspotsOp) neighbours(slot int32) {
	o.nbrs = o.nbrs[:0]
	x := o.point(slot)
	if o.dim > 4 { // 3^dim cells would outnumber the points
		for s := range int32(o.count) {
			o.near(x, s)
		}
		return
	}
	o.cellOf(x)
	o.base = append(o.base[:0], o.cell...)
	offs := 1
	for range o.dim {
		offs *= 3
	}
	for k := range offs {
		m := k
		for d := range o.dim {
			o.cell[d] = o.base[d] + int64(m%3) - 1
			m /= 3
		}
		for _, s := range o.grid[cellKey(o.cell)] {
			o.near(x, s)
		}
	}
}

// near adds slot s to o.nbrs when its point is within the radius of x.
func (o *hotspotsOp) near(x []float64, s int32) {
	y := o.point(s)
	d2 := 0.0
	for d, v := range x {
		d2 += (v - y[d]) * (v - y[d])
	}
	if d2 <= o.cfg.ScanRadius*o.cfg.ScanRadius {
		o.nbrs = append(o.nbrs, s)
	}
}

// result returns the JSON of the window's hotspots.
func (o *hotspotsOp) result() []byte {
	n := o.count
	if cap(o.label) < n {
		o.label = make([]int32, n)
	}
	label := o.label[:n]
	for i := range label {
		label[i] = -1 // in no hotspot (yet); ≥ 0 its hotspot
	}
	o.spots = o.spots[:0]
	o.boxes = o.boxes[:0]
	dim := o.dim
	for p := range int32(n) {
		if label[p] != -1 || int(o.nb[p]) < o.cfg.MinPoints {
			continue // in a hotspot already, or not a core point
		}
		id := int32(len(o.spots))
		o.boxes = append(o.boxes, make([]float64, 2*dim)...)
		box := o.boxes[len(o.boxes)-2*dim:]
		h := hotspot{min: box[:dim:dim], max: box[dim:]}
		copy(h.min, o.point(p))
		copy(h.max, o.point(p))
		o.queue = append(o.queue[:0], p)
		label[p] = id
		for len(o.queue) > 0 {
			q := o.queue[len(o.queue)-1]
			o.queue = o.queue[:len(o.queue)-1]
			h.n++
			for d, v := range o.point(q) {
				h.min[d], h.max[d] = min(h.min[d], v), max(h.max[d], v)
			}
			if int(o.nb[q]) < o.cfg.MinPoints {
				continue // a border point: in the hotspot, not expanding it
			}
			o.neighbours(q)
			for _, s := range o.nbrs {
				if label[s] < 0 {
					label[s] = id
					o.queue = append(o.queue, s)
				}
			}
		}
		if h.n >= o.cfg.MinPoints {
			o.spots = append(o.spots, h)
		}
	}
	// densities relative to the window
	o.bounds = growFloats(o.bounds, 2*dim)
	wmin, wmax := o.bounds[:dim], o.bounds[dim:]
	copy(wmin, o.point(0))
	copy(wmax, o.point(0))
	for s := range int32(n) {
		for d, v := range o.point(s) {
			wmin[d], wmax[d] = min(wmin[d], v), max(wmax[d], v)
		}
	}
	r := o.cfg.ScanRadius
	logVol := 0.0
	for d := range dim {
		logVol += math.Log(max(wmax[d]-wmin[d], r))
	}
	for i := range o.spots {
		h := &o.spots[i]
		lv := 0.0
		for d := range dim {
			lv += math.Log(max(h.max[d]-h.min[d], r))
		}
		h.density = float64(h.n) / float64(n) * math.Exp(logVol-lv)
	}
	sort.SliceStable(o.spots, func(i, j int) bool { return o.spots[i].density > o.spots[j].density })
	j := append(o.json[:0], `{"hotspots":[`...)
	for i, h := range o.spots {
		if i > 0 {
			j = append(j, ',')
		}
		j = append(j, `{"density":`...)
		j = strconv.AppendFloat(j, h.density, 'g', 6, 64)
		j = append(j, `,"minValues":`...)
		j = appendFloats(j, h.min)
		j = append(j, `,"maxValues":`...)
		j = appendFloats(j, h.max)
		j = append(j, '}')
	}
	o.json = append(j, "]}"...)
	return o.json
}

func appendFloats(j []byte, v []float64) []byte {
	j = append(j, '[')
	for i, x := range v {
		if i > 0 {
			j = append(j, ',')
		}
		j = strconv.AppendFloat(j, x, 'g', -1, 64)
	}
	return append(j, ']')
}

// Close closes the input.
func (o *hotspotsOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	return o.input.Close()
}

// Snapshot writes the window's points.
func (o *hotspotsOp) Snapshot(w io.Writer) error {
	sw := &snapWriter{mem: o.cfg.Alloc}
	if err := sw.header(hotspotsHeader{Count: o.count, Head: o.head, Dim: o.dim, Window: o.cfg.WindowSize}); err != nil {
		return err
	}
	b := make([]byte, 0, len(o.ring)*8)
	for _, v := range o.ring {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	sw.section(b)
	return sw.finish(w, snapHotspots)
}

type hotspotsHeader struct {
	Count, Head, Dim, Window int
}

// Restore loads a window Snapshot wrote for the same configuration.
func (o *hotspotsOp) Restore(r io.Reader) error {
	return restoring(func() error {
		sr, err := openSnapshot(r, snapHotspots, o.cfg.Alloc)
		if err != nil {
			return err
		}
		var h hotspotsHeader
		if err := sr.header(&h); err != nil {
			return err
		}
		if h.Dim != o.dim || h.Window != o.cfg.WindowSize || h.Count < 0 || h.Count > h.Window || h.Head < 0 || h.Head >= h.Window {
			return fmt.Errorf("%w: hotspots state of another configuration", ErrSnapshot)
		}
		b, err := sr.section()
		if err != nil {
			return err
		}
		if len(b) != len(o.ring)*8 {
			return fmt.Errorf("%w: hotspots window of %d bytes", ErrSnapshot, len(b))
		}
		if err := sr.done(); err != nil {
			return err
		}
		for i := range o.ring {
			o.ring[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[i*8:]))
		}
		o.count, o.head = h.Count, h.Head
		clear(o.grid)
		for s := range int32(o.count) {
			o.cellOf(o.point(s))
			k := cellKey(o.cell)
			o.grid[k] = append(o.grid[k], s)
		}
		for s := range int32(o.count) {
			o.neighbours(s)
			o.nb[s] = int32(len(o.nbrs))
		}
		return nil
	})
}
