// Package repl is Eddy's interactive shell: a prompt where statements run
// against one live session. CREATE STREAM and CREATE PUMP keep running in
// the background, SELECT STREAM shows its rows as they are produced (an
// aligned table, or JSON lines or CSV) until its input ends or Ctrl-C
// cancels it, and meta-commands (\help, \streams, \describe, \format, …)
// look around and change settings.
//
// On a terminal the REPL edits lines with github.com/peterh/liner (history
// kept in a file, Tab completion of keywords, functions, streams, pumps and
// columns, statements spanning lines up to a semicolon). Otherwise it reads
// statements from its input and prints results plainly, for scripts and
// golden tests.
//
// The package knows nothing of connectors or flags: its host (cmd/eddy)
// builds the planner session and passes it in through Config.
//
// Not done yet: completion of file names after \source, editing a
// multi-line statement as a whole (each line is edited on its own, and
// history keeps a statement as one line), a status line that updates while
// a query runs, and paging of wide tables.
package repl
