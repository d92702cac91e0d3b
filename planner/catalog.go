package planner

import (
	"context"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/eddy-sql/eddy/exec"
	"github.com/eddy-sql/eddy/sql"
)

// Column is one column of a stream.
type Column struct {
	Name    string
	Type    arrow.DataType
	SQLType string // the declared SQL type text, e.g. VARCHAR(4)
	NotNull bool
	// Length is the declared length of a CHAR or VARCHAR column (0: none);
	// sources truncate longer input values to it, as KDA did.
	Length int
}

// StreamDef is an in-application stream in the catalog.
type StreamDef struct {
	Name    string
	Columns []Column // declared columns, without the system columns
	// Options are the WITH options merged with any binding from outside.
	Options map[string]string
	// Watermark is the stream's WATERMARK FOR clause, if any.
	Watermark *sql.Watermark
	// Decl is the CREATE STREAM statement; nil for bound or system streams.
	Decl *sql.CreateStream
	// Discovered tells that the columns came from schema discovery.
	Discovered bool
}

// Connector returns the stream's connector name, or "" for a stream that
// lives only inside the application.
func (d *StreamDef) Connector() string { return d.Options["connector"] }

// TableDef is a reference table in the catalog: rows loaded from an object
// (a file, an S3 object, an HTTP resource) that stream rows look up by key.
type TableDef struct {
	Name    string
	Columns []Column
	// Options are the WITH options merged with any --reference binding.
	Options map[string]string
	// Decl is the CREATE TABLE statement; nil for a bound table.
	Decl *sql.CreateStream
	// Discovered tells that the columns came from schema discovery.
	Discovered bool
}

// Connector returns the table's connector name.
func (d *TableDef) Connector() string { return d.Options["connector"] }

// PumpDef is a pump in the catalog.
type PumpDef struct {
	Name   string
	Insert *sql.Insert
	// Stopped is set by CREATE PUMP … STOPPED and STOP PUMP: the pump is
	// defined but does not run until START PUMP.
	Stopped bool
	plan    Node // optimized logical plan, ending in the cast to the target's columns
}

// Connectors is how the planner reaches the outside world: the registry of
// source and destination connectors (cmd backs it with sources and sinks).
type Connectors interface {
	// OpenSource opens a source for stream with the given options and
	// output schema (declared columns, APPROXIMATE_ARRIVAL_TIME, ROWTIME).
	OpenSource(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (*OpenedSource, error)
	// DiscoverSource returns the declared columns a source would produce.
	DiscoverSource(ctx context.Context, options map[string]string) ([]Column, error)
	// OpenSink opens a destination for stream; rows it gives up on go to
	// errs.
	OpenSink(ctx context.Context, stream string, schema *arrow.Schema, options map[string]string, errs exec.ErrorSink) (Sink, error)
	// IsSource tells whether connector names a source connector, IsSink a
	// destination connector.
	IsSource(connector string) bool
	IsSink(connector string) bool
}

// OpenedSource is a source ready to run.
type OpenedSource struct {
	// Op produces the stream's batches and tracks its watermark.
	Op exec.Operator
	// Raw is the connector's own source; the checkpoint coordinator looks
	// on it for the abilities of sources.Positioner, Seeker and Committer.
	Raw any
}

// Sink is a destination as the planner uses it; sinks.Sink satisfies it.
type Sink interface {
	Write(ctx context.Context, batch arrow.RecordBatch) error
	Close(ctx context.Context) error
}

// catalog holds the streams, tables and pumps of a session, by folded name.
type catalog struct {
	streams map[string]*StreamDef
	tables  map[string]*TableDef
	pumps   map[string]*PumpDef
	order   []string // pump names in creation order
}

func newCatalog() *catalog {
	return &catalog{streams: map[string]*StreamDef{}, tables: map[string]*TableDef{}, pumps: map[string]*PumpDef{}}
}

// lookupStream finds a stream by its exact name; the error stream answers
// to any case (KDA writes it error_stream, quoted or not).
func (c *catalog) lookupStream(name string) (*StreamDef, bool) {
	if d, ok := c.streams[name]; ok {
		return d, true
	}
	if strings.EqualFold(name, exec.ErrorStreamName) {
		return c.streams[exec.ErrorStreamName], true
	}
	return nil, false
}

// similarStream names a stream whose name differs from name only in case.
func (c *catalog) similarStream(name string) (string, bool) {
	for k := range c.streams {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

func (c *catalog) streamNames() []string {
	n := make([]string, 0, len(c.streams))
	for k := range c.streams {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// errorStreamDef is the catalog entry of the system error stream.
func errorStreamDef() *StreamDef {
	cols := make([]Column, 0, len(exec.ErrorSchema.Fields())-1)
	for _, f := range exec.ErrorSchema.Fields() {
		if f.Name == exec.RowtimeColumn {
			continue
		}
		cols = append(cols, Column{Name: f.Name, Type: f.Type, SQLType: SQLTypeOf(f.Type)})
	}
	return &StreamDef{Name: exec.ErrorStreamName, Columns: cols, Options: map[string]string{}}
}
