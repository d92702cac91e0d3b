package repl

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHistoryPath(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"override", map[string]string{"EDDY_HISTORY": "/tmp/h", "HOME": "/home/x"}, "/tmp/h"},
		{"xdg state", map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/home/x"}, "/s/eddy/history"},
		{"home", map[string]string{"HOME": "/home/x"}, "/home/x/.eddy_history"},
		{"nothing", map[string]string{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := HistoryPath(func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("HistoryPath = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAppendHistoryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		path    string
		wantErr bool
	}{
		{"creates the directory", filepath.Join(dir, "state", "eddy", "history"), false},
		{"directory is a file", filepath.Join(blocker, "history"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, e := range []string{"SELECT 1;", `\streams`} {
				err := appendHistoryFile(tc.path, e)
				if (err != nil) != tc.wantErr {
					t.Fatalf("appendHistoryFile: %v", err)
				}
			}
			if tc.wantErr {
				return
			}
			got, err := os.ReadFile(tc.path)
			if err != nil || string(got) != "SELECT 1;\n\\streams\n" {
				t.Errorf("history file %q, %v", got, err)
			}
		})
	}
}
