// Package file is the "file" source connector: it reads JSON-lines or CSV
// records from one file or a glob of files, plain or gzip-compressed, in
// path order, and ends with io.EOF. With follow = true it keeps tailing the
// last file for appended lines, like tail -f, and never ends; it notices a
// truncated file and starts over from its beginning. Records that do not
// decode go to Env.Reject with the path and line number.
//
// Not yet: files that appear after the source opened are not picked up,
// a rotated (renamed) file is not followed to its successor, and follow
// does not work on gzip files.
package file
