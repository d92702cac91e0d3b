package repl

import "testing"

func TestCompleteAndBlank(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		text     string
		complete bool
		blank    bool
	}{
		{"empty", "", false, true},
		{"white space", " \n\t", false, true},
		{"line comment", "-- hello;", false, true},
		{"block comment", "/* ; */\n", false, true},
		{"unterminated block comment", "/* ;", false, true},
		{"statement", "SELECT 1;", true, false},
		{"trailing space and comment", "SELECT 1;  -- done\n", true, false},
		{"trailing block comment", "SELECT 1; /* x */", true, false},
		{"no semicolon", "SELECT 1", false, false},
		{"semicolon in a string", "SELECT ';", false, false},
		{"string ended", "SELECT ';';", true, false},
		{"doubled quote", "SELECT 'it''s;", false, false},
		{"doubled quote ended", "SELECT 'it''s';", true, false},
		{"quoted name", `SELECT "a;"`, false, false},
		{"backquoted name", "SELECT `a;", false, false},
		{"semicolon in a comment", "SELECT 1 -- ;", false, false},
		{"two lines", "SELECT a\nFROM s;", true, false},
		{"two statements", "SELECT 1; SELECT 2", false, false},
		{"multi-byte text", "SELECT '€';", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := complete(tc.text); got != tc.complete {
				t.Errorf("complete(%q) = %v", tc.text, got)
			}
			if got := blank(tc.text); got != tc.blank {
				t.Errorf("blank(%q) = %v", tc.text, got)
			}
		})
	}
}

func TestHistoryEntry(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"one line", "SELECT 1;", "SELECT 1;"},
		{"lines joined", "SELECT a,\n   b\nFROM s;", "SELECT a, b FROM s;"},
		{"line comments dropped", "SELECT a, -- the key\n  b -- and more\nFROM s;", "SELECT a, b FROM s;"},
		{"comment-only line dropped", "-- first\nSELECT 1;", "SELECT 1;"},
		{"dashes in a string kept", "SELECT 'a -- b',\n 'c\n--d' FROM s;", "SELECT 'a -- b', 'c --d' FROM s;"},
		{"dashes in a block comment kept", "SELECT /* x\n-- y */ 1;", "SELECT /* x -- y */ 1;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := historyEntry(tc.in); got != tc.want {
				t.Errorf("historyEntry(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, ident, quoted string }{
		{"plain", "ticks", "TICKS", "TICKS"},
		{"upper", "TICKS_2", "TICKS_2", "TICKS_2"},
		{"quoted", `"Mixed ""Case"""`, `Mixed "Case"`, `"Mixed ""Case"""`},
		{"starts with a digit", `"1x"`, "1x", `"1x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := identName(tc.in); got != tc.ident {
				t.Errorf("identName(%q) = %q, want %q", tc.in, got, tc.ident)
			}
			if got := quoteName(tc.ident); got != tc.quoted {
				t.Errorf("quoteName(%q) = %q, want %q", tc.ident, got, tc.quoted)
			}
		})
	}
}
