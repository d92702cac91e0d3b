// Package sources defines how Eddy reads input: the Source contract, the
// connector registry, option validation and the shared handling of ROWTIME.
// Each connector lives in its own subpackage and registers itself from init.
package sources
