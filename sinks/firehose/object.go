package firehose

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// Compression names how an object is compressed.
type Compression string

// The compressions.
const (
	None   Compression = "none"
	Gzip   Compression = "gzip"
	Snappy Compression = "snappy"
	Zstd   Compression = "zstd"
)

// parseCompression reads a compression option.
func parseCompression(s string) (Compression, error) {
	switch c := Compression(strings.ToLower(strings.TrimSpace(s))); c {
	case "", None:
		return None, nil
	case Gzip, Snappy, Zstd:
		return c, nil
	}
	return "", fmt.Errorf("firehose: unknown compression %q (use none, gzip, snappy or zstd)", s)
}

// extension is the object name suffix Firehose adds for a compression of
// a text object.
func (c Compression) extension() string {
	switch c {
	case Gzip:
		return ".gz"
	case Snappy:
		return ".snappy"
	case Zstd:
		return ".zst"
	}
	return ""
}

// compressText compresses a text object (snappy in the framing format).
func compressText(c Compression, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(data) / 4)
	var w io.WriteCloser
	switch c {
	case None:
		return data, nil
	case Gzip:
		// Speed first: a delivery stream compresses every byte the query
		// produces, and level 1 costs about a third of the default.
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case Snappy:
		w = snappy.NewBufferedWriter(&buf)
	case Zstd:
		z, err := zstd.NewWriter(&buf)
		if err != nil {
			return nil, fmt.Errorf("firehose: zstd: %w", err)
		}
		w = z
	}
	if _, err := w.Write(data); err != nil {
		return nil, fmt.Errorf("firehose: compress: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("firehose: compress: %w", err)
	}
	return buf.Bytes(), nil
}

// parquetCodec maps a compression to Parquet's page compression.
func parquetCodec(c Compression) compress.Compression {
	switch c {
	case Gzip:
		return compress.Codecs.Gzip
	case Snappy:
		return compress.Codecs.Snappy
	case Zstd:
		return compress.Codecs.Zstd
	}
	return compress.Codecs.Uncompressed
}

// parquetObject writes batches as one Parquet file with the Arrow schema
// stored, so pqarrow reads the same types back. It does not release them.
func parquetObject(schema *arrow.Schema, batches []arrow.RecordBatch, c Compression) ([]byte, error) {
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithCompression(parquetCodec(c)))
	w, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("firehose: parquet: %w", err)
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			w.Close()
			return nil, fmt.Errorf("firehose: parquet: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("firehose: parquet: %w", err)
	}
	return buf.Bytes(), nil
}
