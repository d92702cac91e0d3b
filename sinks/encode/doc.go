// Package encode turns Arrow record batches into bytes for Eddy's text
// outputs: JSON lines (NewJSON), RFC 4180 CSV (NewCSV) and an aligned
// terminal table (NewTable), plus RowJSON, one row as a JSON object for
// the error stream's DATA_ROW.
//
// Encoders pick a formatter per column once per batch by type switch and
// append every value straight to one []byte: no per-row any, no
// encoding/json. They never retain or release the batches they encode.
//
// Text forms, shared by all formats unless noted: NULL is null (JSON), an
// empty field (CSV) or NULL (table). TIMESTAMP is ISO 8601 UTC with the
// unit's fraction digits, 2024-05-01T10:00:00.000Z in JSON and CSV and
// 2024-05-01 10:00:00.000 in tables; DATE is 2024-05-01; TIME 10:00:00.000;
// durations a number of milliseconds; year-month intervals a number of
// months; DECIMAL a number with exactly its scale (90.800); floats the
// shortest text that reads back the same (NaN and infinities are null in
// JSON, NaN, Infinity and -Infinity in text); BINARY standard base64.
// Invalid UTF-8 bytes become U+FFFD everywhere.
//
// Not yet: nested types (lists, structs, maps) and other rare types are
// written through Arrow's ValueStr as strings; CSV writes "\n" line ends,
// not CRLF, and a one-column row whose value is NULL is an empty line,
// which some readers skip; tables do not fold or truncate long cells, and
// the display width table is a simplification of Unicode's (CJK, Hangul,
// kana, fullwidth forms and common emoji are wide; combining marks zero).
package encode
