package sources

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	specs := []OptionSpec{
		{Name: "path", Required: true},
		{Name: "count", Kind: KindInt, Default: "0"},
		{Name: "follow", Kind: KindBool, Default: "false"},
		{Name: "linger", Kind: KindDuration, Default: "100ms"},
		{Name: "buffer", Kind: KindSize, Default: "5MiB"},
	}
	cases := []struct {
		name string
		raw  map[string]string
		want map[string]string
		err  string
	}{
		{name: "defaults fill in", raw: map[string]string{"path": "x"},
			want: map[string]string{"path": "x", "count": "0", "follow": "false", "linger": "100ms", "buffer": "5MiB", "lateness": "0s", "idle_timeout": "5s", "late_rows": "error"}},
		{name: "keys are case-insensitive", raw: map[string]string{"PATH": "x", "Count": "7"},
			want: map[string]string{"path": "x", "count": "7"}},
		{name: "unknown key", raw: map[string]string{"path": "x", "colour": "red"}, err: `unknown option "colour"`},
		{name: "missing required", raw: map[string]string{}, err: `"path" is required`},
		{name: "bad int", raw: map[string]string{"path": "x", "count": "many"}, err: `count = "many"`},
		{name: "bad bool", raw: map[string]string{"path": "x", "follow": "maybe"}, err: `follow = "maybe"`},
		{name: "bad duration", raw: map[string]string{"path": "x", "linger": "soon"}, err: `linger = "soon"`},
		{name: "bad size", raw: map[string]string{"path": "x", "buffer": "big"}, err: `buffer = "big"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(tc.raw, specs, true)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrOption) {
					t.Fatalf("err = %v, want %q wrapping ErrOption", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	cases := map[string]time.Duration{
		"500ms": 500 * time.Millisecond, "2s": 2 * time.Second, "5m": 5 * time.Minute,
		"60": time.Minute, "0.5": 500 * time.Millisecond, "'2' SECOND": 2 * time.Second,
		"INTERVAL '1' MINUTE": time.Minute, "10 seconds": 10 * time.Second, "": 0,
		"3 hours": 3 * time.Hour,
	}
	for in, want := range cases {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1s", "-5", "soon", "'2' FORTNIGHT"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	cases := map[string]int64{"4096": 4096, "64KiB": 64 << 10, "5MiB": 5 << 20, "1GB": 1e9, "2kb": 2000, "1.5MiB": 3 << 19}
	for in, want := range cases {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := ParseSize("lots"); err == nil {
		t.Error("ParseSize(lots) succeeded")
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	// The registry is process-wide and has no unregister: a fresh name
	// per run keeps -count=N working.
	name := fmt.Sprintf("test-registry-%d", time.Now().UnixNano())
	Register(Factory{Name: name, Open: func(ctx context.Context, env Env, opts Options) (Source, error) { return nil, nil }})
	if _, ok := Lookup(name); !ok {
		t.Fatal("Lookup did not find a registered connector")
	}
	if _, ok := Lookup("no-such-connector"); ok {
		t.Fatal("Lookup found an unregistered connector")
	}
	found := false
	for _, n := range Names() {
		found = found || n == name
	}
	if !found {
		t.Error("Names misses the connector")
	}
	for _, bad := range []Factory{{Name: name, Open: func(context.Context, Env, Options) (Source, error) { return nil, nil }}, {Name: ""}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad.Name)
				}
			}()
			Register(bad)
		}()
	}
}
