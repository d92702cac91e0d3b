// Package sql is Eddy's SQL front end: it turns the text of a KDA-style or
// Flink-style streaming SQL application into Eddy's own syntax tree (ast.go,
// expr.go), with every error positioned as line:col in the user's text.
//
// Parse reads a whole file of ';'-separated statements: CREATE [OR REPLACE]
// STREAM (or TABLE) with column types, NOT NULL, WATERMARK FOR, DESCRIPTION
// and WITH options; CREATE [OR REPLACE] PUMP … [STOPPED] AS INSERT INTO …;
// START PUMP and STOP PUMP (or ALTER PUMP … START|STOP); INSERT; SELECT
// [STREAM] queries (with LIMIT); DROP, SHOW, DESCRIBE, EXPLAIN and SET. Format and
// FormatExpr print a tree back as canonical SQL that parses to the same tree;
// Keywords lists the dialect's words for completion.
//
// How it works: our own tokenizer (tokenize.go) folds unquoted names to
// upper case and a length-preserving rewrite (rewrite.go, extract.go) turns
// what the stock TiDB parser (github.com/pingcap/tidb/pkg/parser) cannot read
// into text of the same length, keeping the rest in side tables keyed by byte
// offset: SELECT STREAM, INTERVAL literals, typed literals, STEP … BY,
// FLOOR/CEIL … TO, CAST to any Eddy type, SIMILAR TO, FULL JOIN, CURSOR,
// EXP_AVG's half-life, window and table functions in FROM, WINDOWED BY
// STAGGER and EMIT. So every
// offset TiDB reports is an offset in the user's text. When TiDB stumbles on
// a word MySQL reserves but KDA does not (KEY, CHANGE, WINDOW), the word is
// back-quoted and the statement parsed again, and offsets are mapped back
// through the list of insertions. Statement heads and DDL (which has no
// expressions besides the watermark) are parsed by hand on the tokens; TiDB
// parses every query and expression, and tidb.go turns its errors into
// positioned *Error values. convert_stmt.go and convert_expr.go then build
// Eddy's tree.
//
// Row values: T.REC.COLUMN1, t.r."COL_1", (expr).FIELD and f(x).FIELD are
// FieldRef nodes; a two-part REC.COLUMN1 stays a ColumnRef the planner
// reads as a field. A derived table may name its columns (AS l(r)).
// (a, b) OVERLAPS (c, d) is a Call named OVERLAPS with four arguments.
// CREATE FUNCTION takes SQL-bodied scalar functions (… RETURN expr).
//
// What it does not do yet: ROWS windows on a joined stream, IN (subquery),
// LIMIT with an offset, UNION without ALL, NATURAL/USING joins, FROM LAST,
// ORDER BY … WITHIN, functions written in another language than SQL, the
// temporal predicates other than OVERLAPS, Flink's ROW and computed
// columns, and FILTER on window functions (OVER); each gives a positioned
// "unsupported …" or syntax error. A LIKE ESCAPE of a backslash cannot be
// told from no ESCAPE clause. Intervals are printed in the largest whole unit
// ('1:30' MINUTE TO SECOND prints as '90' SECOND); MOD(a, b) prints as a % b.
//
// It imports no other Eddy package and does not resolve names: binding
// against the catalog of streams is the planner's job.
package sql
