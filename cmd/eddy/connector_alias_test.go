package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/eddy-sql/eddy/sinks"
	"github.com/eddy-sql/eddy/sources"
)

// TestFlinkConnectorAliases checks that Flink's connector names are
// registered as aliases of Eddy's connectors and listed as such.
func TestFlinkConnectorAliases(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run([]string{"connectors"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("eddy connectors exited %d: %s", code, out.String())
	}
	tests := []struct {
		name, of string
		source   bool
	}{
		{name: "filesystem", of: "file", source: true},
		{name: "datagen", of: "generator", source: true},
		{name: "filesystem", of: "file"},
		{name: "print", of: "stdout"},
		{name: "blackhole", of: "discard"},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is "+tc.of, func(t *testing.T) {
			t.Parallel()
			var aliasOf string
			if tc.source {
				f, ok := sources.Lookup(tc.name)
				if !ok {
					t.Fatalf("source %s is not registered", tc.name)
				}
				aliasOf = f.AliasOf
			} else {
				f, ok := sinks.Lookup(tc.name)
				if !ok {
					t.Fatalf("destination %s is not registered", tc.name)
				}
				aliasOf = f.AliasOf
			}
			if aliasOf != tc.of {
				t.Fatalf("%s.AliasOf = %q, want %q", tc.name, aliasOf, tc.of)
			}
			if want := tc.name + " alias of " + tc.of; !strings.Contains(strings.Join(strings.Fields(out.String()), " "), want) {
				t.Fatalf("eddy connectors does not list %q:\n%s", want, out.String())
			}
		})
	}
}

// TestFilesystemAliasRunsAFlinkTable runs a Flink-style table declared
// with connector 'filesystem' into a 'filesystem' destination.
func TestFilesystemAliasRunsAFlinkTable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jsonl"), filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(in, []byte("{\"a\": 1}\n{\"a\": null}\n{\"a\": 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(dir, "app.sql")
	text := "CREATE TABLE src (a BIGINT) WITH ('connector' = 'filesystem', 'path' = '" + in + "', 'format' = 'json');\n" +
		"CREATE TABLE dst (b BIGINT) WITH ('connector' = 'filesystem', 'path' = '" + out + "', 'format' = 'json');\n" +
		"INSERT INTO dst SELECT a * 2 FROM src;\n"
	if err := os.WriteFile(app, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"run", app}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("eddy run exited %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\"B\":2}\n{\"B\":null}\n{\"B\":6}\n"; string(got) != want {
		t.Fatalf("destination got %q, want %q", got, want)
	}
}
