package planner

import (
	"sort"
	"strings"
)

// identityOptions lists, per source connector, the options that name the
// data a source reads: a checkpointed position belongs to that data and is
// kept while they stay the same. Everything else — tuning (batch_size,
// linger, poll_interval, timeouts, lateness, idle_timeout, max_skew),
// formats (format, mapping, delimiter), where to start without a position
// (start), how to connect (brokers, region, endpoint, TLS) and credentials —
// can change between runs without losing the position.
var identityOptions = map[string][]string{
	"kafka":     {"topic", "group"},
	"kinesis":   {"stream"},
	"file":      {"path"},
	"history":   {"dir"},
	"stdin":     {},
	"generator": {"kind", "table", "seed", "base_time", "event_rate", "first_event_id", "first_event_number"},
}

// notIdentity tells whether an option of a connector not in
// identityOptions is tuning, format, connection or a credential, and so
// stays out of the source's identity.
func notIdentity(key string) bool {
	switch key {
	case "batch_size", "linger", "poll_interval", "discover_interval", "idle_timeout", "lateness",
		"max_skew", "late_rows", "rowtime", "arrival", "rate", "count", "start", "stop_at_end", "follow",
		"max_bytes", "max_records", "format", "mapping", "delimiter", "quote", "header", "compression",
		"brokers", "client_id", "region", "endpoint", "profile", "checkpoint_dir", CheckpointingOption,
		ColumnsOption:
		return true
	}
	if isSecretOption(key) {
		return true
	}
	for _, suffix := range []string{"_timeout", "_interval", "_size", "_bytes"} {
		if strings.HasSuffix(key, suffix) {
			return true
		}
	}
	return strings.HasPrefix(key, "tls")
}

// isSecretOption tells whether an option holds a credential: it never
// enters a source's identity, and so is never hashed into a checkpoint.
func isSecretOption(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"password", "secret", "token", "key", "credential"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return strings.HasPrefix(k, "sasl_")
}

// sourceIdentity returns what identifies the data a source with these
// options reads: its connector and the options that name the data (see
// identityOptions), as canonical text. A source's checkpointed position is
// restored only while its identity is unchanged. A list of topics is
// compared as a set. Connectors not in identityOptions keep every option
// except tuning, format, connection and credentials (notIdentity).
func sourceIdentity(opts map[string]string) string {
	connector := opts["connector"]
	var keys []string
	if ks, ok := identityOptions[connector]; ok {
		keys = append(keys, ks...)
	} else {
		for k := range opts {
			if k != "connector" && !notIdentity(k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("connector=" + connector + ";")
	for _, k := range keys {
		v, ok := opts[k]
		if !ok || isSecretOption(k) {
			continue
		}
		if k == "topic" {
			v = canonicalList(v)
		}
		b.WriteString(k + "=" + v + ";")
	}
	return b.String()
}

// canonicalList sorts a comma-separated list and trims its items.
func canonicalList(v string) string {
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	sort.Strings(items)
	return strings.Join(items, ",")
}
