package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/eddy-sql/eddy/sources"
)

// JSON decodes records that are JSON objects (JSON lines). Each declared
// column takes the value at its JSONPath mapping or, without one, the
// top-level key of its name: an exact match first, else a case-insensitive
// one (unquoted SQL names are upper case, JSON keys often are not). A
// missing key or JSON null is NULL. Values convert by KDA's rules: see the
// package doc.
type JSON struct {
	cols    []column
	rest    [][]pathSeg // per column: the path after its first key
	root    []bool      // per column: the mapping is $, the whole record
	targets []target
	byLen   [][]int32 // key length → indexes into targets
	found   []span    // per column, for the record being decoded
	quality []uint8   // per column: 0 not found, 1 case-insensitive, 2 exact
	scratch []byte
	keybuf  []byte
	// hits caches, per key seen, the targets it matches and how well, so
	// that a record's keys cost one map lookup each (bounded in size).
	hits map[string][]keyHit
	// first[c] is set when a key starting with byte c may match a target:
	// other keys are skipped without a lookup.
	first [256]bool
	// read, when set by Prune, tells which columns are decoded at all.
	read []bool
	// shape holds the top-level keys of the records decoded before, by
	// position, with the targets each matches: records of one source
	// mostly repeat their keys in one order, so a key equal to the one
	// at its position last time is neither scanned nor matched again.
	shape []shapeKey
}

// shapeKey is the key last seen at one position of a record: its bytes
// followed by the closing quote (empty: none cached), and its matches.
type shapeKey struct {
	raw  []byte
	hits []keyHit
	// words are raw as little-endian words, the last zero-padded, and
	// mask keeps the bytes of the last that belong to raw.
	words []uint64
	mask  uint64
}

// maxShape bounds how many key positions are remembered.
const maxShape = 64

// keyHit is one target a key matches: exactly (q 2) or ignoring case (1).
type keyHit struct {
	target int32
	q      uint8
}

// maxCachedKeys bounds the key cache for inputs whose keys keep changing.
const maxCachedKeys = 4096

var _ Decoder = (*JSON)(nil)

// target is a top-level key some column reads.
type target struct {
	key  []byte
	fold bool // name-matched: case-insensitive fallback allowed
	col  int
}

// NewJSON returns a JSON decoder for the declared columns of schema.
// mapping maps column names (matched exactly, then case-insensitively) to
// JSONPaths such as $.a.b or $.arr[0]; a column absent from mapping uses
// its field's "mapping" metadata, if any, and else its name.
func NewJSON(schema *arrow.Schema, mapping map[string]string) (*JSON, error) {
	cols, err := columnsOf(schema)
	if err != nil {
		return nil, err
	}
	n := len(cols)
	d := &JSON{cols: cols, rest: make([][]pathSeg, n), root: make([]bool, n), found: make([]span, n), quality: make([]uint8, n)}
	paths := make([]string, n)
	for i, f := range schema.Fields() {
		if m, ok := f.Metadata.GetValue(MetaMapping); ok {
			paths[i] = m
		}
	}
	for name, p := range mapping {
		i := fieldIndex(schema, name)
		if i < 0 {
			return nil, fmt.Errorf("codec: mapping names unknown column %s", name)
		}
		paths[i] = p
	}
	for i := range cols {
		if paths[i] == "" {
			d.addTarget(target{key: []byte(cols[i].name), fold: true, col: i})
			continue
		}
		segs, err := parsePath(paths[i])
		if err != nil {
			return nil, fmt.Errorf("codec: column %s: %w", cols[i].name, err)
		}
		switch {
		case len(segs) == 0:
			d.root[i] = true
		case segs[0].kind != segKey:
			return nil, fmt.Errorf("codec: column %s: JSONPath %q must start with a key (the record is an object)", cols[i].name, paths[i])
		default:
			d.addTarget(target{key: segs[0].key, col: i})
			d.rest[i] = segs[1:]
		}
	}
	return d, nil
}

func fieldIndex(s *arrow.Schema, name string) int {
	for i, f := range s.Fields() {
		if f.Name == name {
			return i
		}
	}
	for i, f := range s.Fields() {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

func (d *JSON) addTarget(t target) {
	d.markFirst(t)
	for len(d.byLen) <= len(t.key) {
		d.byLen = append(d.byLen, nil)
	}
	d.byLen[len(t.key)] = append(d.byLen[len(t.key)], int32(len(d.targets)))
	d.targets = append(d.targets, t)
}

// Decode decodes one JSON object into a row of b; see Decoder.
func (d *JSON) Decode(rec []byte, arrival time.Time, b *sources.Batcher) error {
	if b.NumColumns() != len(d.cols) {
		return fmt.Errorf("codec: batcher has %d columns, decoder %d", b.NumColumns(), len(d.cols))
	}
	if err := d.scan(rec); err != nil {
		return err
	}
	d.scratch = d.scratch[:0]
	for i := range d.cols {
		if err := d.convert(rec, i, b); err != nil {
			b.Discard()
			return err
		}
	}
	return b.Commit(arrival)
}

// scan validates rec and records the span of each wanted top-level key.
func (d *JSON) scan(rec []byte) error {
	clear(d.quality)
	i := skipWS(rec, 0)
	if i >= len(rec) || rec[i] != '{' {
		return jsonErr(i, "record is not a JSON object")
	}
	j := skipWS(rec, i+1)
	if j < len(rec) && rec[j] == '}' {
		j++
	} else {
		for n := 0; ; n++ {
			if j >= len(rec) || rec[j] != '"' {
				return jsonErr(j, "expected a string key")
			}
			var hits []keyHit
			if n < len(d.shape) && d.shape[n].at(rec, j+1) {
				// The key at this position last time: the same bytes up
				// to a closing quote, so the same key and matches.
				hits = d.shape[n].hits
				j += 1 + len(d.shape[n].raw)
			} else {
				kend, esc, err := scanString(rec, j)
				if err != nil {
					return err
				}
				key := rec[j+1 : kend-1]
				if esc {
					d.keybuf = appendUnescaped(d.keybuf[:0], key)
					key = d.keybuf
				}
				hits = d.hitsOf(key)
				if n < maxShape {
					d.remember(n, rec[j+1:kend], esc, hits)
				}
				j = kend
			}
			if j >= len(rec) || rec[j] != ':' { // compact JSON has none
				if j = skipWS(rec, j); j >= len(rec) || rec[j] != ':' {
					return jsonErr(j, "expected ':'")
				}
			}
			if j++; j < len(rec) && rec[j] <= ' ' {
				j = skipWS(rec, j)
			}
			v, err := scanValue(rec, j, 1)
			if err != nil {
				return err
			}
			for _, h := range hits {
				t := &d.targets[h.target]
				if h.q >= d.quality[t.col] {
					d.found[t.col], d.quality[t.col] = v, h.q
				}
			}
			if j = v.end; j < len(rec) && rec[j] != ',' {
				j = skipWS(rec, j)
			}
			if j < len(rec) && rec[j] == ',' {
				if j++; j < len(rec) && rec[j] <= ' ' {
					j = skipWS(rec, j)
				}
				continue
			}
			if j < len(rec) && rec[j] == '}' {
				j++
				break
			}
			return jsonErr(j, "expected ',' or '}'")
		}
	}
	if j = skipWS(rec, j); j != len(rec) {
		return jsonErr(j, "unexpected data after the object")
	}
	return nil
}

// remember caches the key at position n: raw is its bytes with the
// closing quote. A key with escapes is not cached (its bytes are not
// the key), and the position then matches nothing until it is seen
// again without.
func (d *JSON) remember(n int, raw []byte, esc bool, hits []keyHit) {
	for len(d.shape) <= n {
		d.shape = append(d.shape, shapeKey{})
	}
	sk := &d.shape[n]
	if esc {
		sk.raw, sk.hits = sk.raw[:0], nil
		return
	}
	sk.raw, sk.hits, sk.words = append(sk.raw[:0], raw...), hits, sk.words[:0]
	var pad [8]byte
	for w := 0; w < len(raw); w += 8 {
		n := copy(pad[:], raw[w:])
		clear(pad[n:])
		sk.words = append(sk.words, binary.LittleEndian.Uint64(pad[:]))
		sk.mask = ^uint64(0)
		if n < 8 {
			sk.mask = uint64(1)<<(8*n) - 1
		}
	}
}

// at tells whether b[i:] starts with the cached key's bytes, comparing
// eight bytes at a time; an empty entry never matches.
func (k *shapeKey) at(b []byte, i int) bool {
	if len(k.raw) == 0 || len(b)-i < len(k.raw) {
		return false
	}
	if len(b)-i < 8*len(k.words) {
		return string(b[i:i+len(k.raw)]) == string(k.raw)
	}
	last := len(k.words) - 1
	for w := 0; w < last; w++ {
		if binary.LittleEndian.Uint64(b[i+8*w:]) != k.words[w] {
			return false
		}
	}
	return binary.LittleEndian.Uint64(b[i+8*last:])&k.mask == k.words[last]
}

// markFirst records the first bytes of the keys t may match: its own
// and, when t folds case, the other case of an ASCII letter; a key that
// starts with a non-ASCII byte is always looked up, since Unicode case
// folding may change its first byte.
func (d *JSON) markFirst(t target) {
	if len(t.key) == 0 {
		return // the empty key is found by its length alone
	}
	c := t.key[0]
	d.first[c] = true
	if t.fold && c|0x20 >= 'a' && c|0x20 <= 'z' {
		d.first[c^0x20] = true
	}
	if t.fold || c >= utf8.RuneSelf {
		for b := utf8.RuneSelf; b < 256; b++ {
			d.first[b] = true
		}
	}
}

// Prune makes d decode only the columns i for which read[i] is true (read
// has one entry per declared column; nil reads all): the values of the
// other columns are validated as JSON, as every value of the record is,
// but not converted, and the columns stay NULL. So a record that is not
// one well-formed JSON object is still rejected, but a value that does
// not convert to its unread column's type (or, with strict_varchar, is
// too long for it) is not detected.
func (d *JSON) Prune(read []bool) error {
	if read == nil {
		return nil
	}
	if len(read) != len(d.cols) {
		return fmt.Errorf("codec: prune lists %d columns, decoder has %d", len(read), len(d.cols))
	}
	d.read = append([]bool(nil), read...)
	all := d.targets
	d.targets, d.byLen, d.hits, d.first, d.shape = nil, nil, nil, [256]bool{}, nil
	for _, t := range all {
		if read[t.col] {
			d.addTarget(t)
		}
	}
	for i := range d.root {
		d.root[i] = d.root[i] && read[i]
	}
	return nil
}

// hitsOf returns the targets key matches (shared: not to be changed).
func (d *JSON) hitsOf(key []byte) []keyHit {
	if len(key) >= len(d.byLen) || len(d.byLen[len(key)]) == 0 {
		return nil
	}
	if len(key) > 0 && !d.first[key[0]] {
		return nil
	}
	hits, ok := d.hits[string(key)]
	if !ok {
		hits = d.lookup(key)
		if d.hits == nil {
			d.hits = make(map[string][]keyHit)
		}
		if len(d.hits) < maxCachedKeys {
			d.hits[string(key)] = hits
		}
	}
	return hits
}

// lookup finds the targets key matches.
func (d *JSON) lookup(key []byte) []keyHit {
	var hits []keyHit
	for _, ti := range d.byLen[len(key)] {
		t := &d.targets[ti]
		q := uint8(2)
		if !bytes.Equal(key, t.key) {
			if !t.fold || !equalFold(key, t.key) {
				continue
			}
			q = 1
		}
		hits = append(hits, keyHit{target: ti, q: q})
	}
	return hits
}

// convert stages column i's value; a column not found stays NULL.
func (d *JSON) convert(rec []byte, i int, b *sources.Batcher) error {
	var v span
	switch {
	case d.root[i]:
		v = span{start: 0, end: len(rec), kind: jObject}
	case d.quality[i] == 0:
		return nil
	default:
		v = d.found[i]
	}
	if len(d.rest[i]) > 0 {
		var ok bool
		if v, ok = resolve(rec, v, d.rest[i], &d.keybuf); !ok {
			return nil
		}
	}
	c := &d.cols[i]
	switch v.kind {
	case jString:
		s := rec[v.start+1 : v.end-1]
		if v.esc {
			start := len(d.scratch)
			d.scratch = appendUnescaped(d.scratch, s)
			s = d.scratch[start:len(d.scratch):len(d.scratch)]
		}
		return c.setText(b, i, s, &d.scratch)
	case jInt, jFloat:
		return c.setNumber(b, i, rec[v.start:v.end], v.kind == jInt)
	case jTrue, jFalse:
		return c.setBool(b, i, v.kind == jTrue)
	case jObject, jArray:
		return c.setRaw(b, i, bytes.TrimSpace(rec[v.start:v.end]))
	}
	return nil // jNull
}

// equalFold is bytes.EqualFold with a fast path for ASCII.
func equalFold(a, b []byte) bool {
	for i := range a {
		x, y := a[i], b[i]
		if x|y >= utf8.RuneSelf {
			return bytes.EqualFold(a[i:], b[i:])
		}
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}
