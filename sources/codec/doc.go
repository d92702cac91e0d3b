// Package codec decodes input records straight into Arrow builders (through
// a sources.Batcher): JSON lines with a hand-written scanner and CSV with
// RFC 4180 quoting. It also frames byte streams into records (Framer),
// runs the record loop line-oriented connectors share (Ingest), and infers
// declared columns from samples (Discover), as KDA's DiscoverInputSchema.
//
// JSON values convert to SQL types by KDA's rules: null is NULL; a boolean
// is 1/0 in numeric columns and 'true'/'false' in strings; a number fills
// numeric columns (a fraction or overflow in an integer column is an
// error; DECIMAL is read exactly and losing digits is an error), a
// BOOLEAN (0 is false), a string (its text) or a TIMESTAMP (epoch
// milliseconds); a string is parsed for numeric, datetime and binary
// (base64 or X'hex') columns, is TRUE in a BOOLEAN iff it is "true"
// (any case), and is truncated to a VARCHAR(n)'s n characters (field
// metadata "length"; counted through CountTruncations, or with option
// strict_varchar rejected as a TruncationError); objects and arrays go into strings as their JSON
// text. A record that is malformed or has a value that does not convert is
// rejected whole (SyntaxError, CoercionError) and nothing of it is kept.
//
// Pruning (JSON only): with option sources.ColumnsOption, set by the
// planner, a decoder converts only the columns named there and those of
// options rowtime and arrival (ReadSet, Prune); the rest stay NULL and
// the Batcher fills them per batch. Every value is still validated as
// JSON, so a record that is not one well-formed object is rejected as
// before, but a value that does not convert to an unread column's type
// (or is too long for it under strict_varchar) is not detected.
//
// Bad input is contained to its record. CSV quoting follows RFC 4180: a
// quoted field may hold line breaks, so a record may span lines, but only
// up to MaxQuotedSpan bytes: a quote that has not closed by then, or by
// the end of the input, is taken for a stray one and its record ends at
// its first line end; a multi-line record that turns out malformed is
// rejected only for its first line (decoded on its own first), and
// framing goes on with the next line. An over-long line is rejected with
// ErrTooLong and skipped. An input that breaks off (a damaged gzip
// stream) keeps the rows before the break (Ingest.Break).
//
// Discovery names JSON columns after their keys as written and CSV
// columns after a header row when there is one; it lets a column's type
// outvote up to OutvotePercent of odd samples and sizes VARCHAR with
// headroom (see DiscoverWith).
//
// Not yet: JSONPath flattening of arrays into several rows
// ($.arr[0:].field), wildcards and filters; multi-character CSV
// delimiters; row delimiters other than LF/CRLF; strict rejection of raw
// control characters inside JSON strings (they are accepted); DATE, TIME
// and DECIMAL in discovered schemas (discovery yields BIGINT, DOUBLE,
// BOOLEAN, TIMESTAMP and VARCHAR).
package codec
