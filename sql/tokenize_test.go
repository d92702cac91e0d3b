package sql

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     string // kind:val of each token, space separated
		comments int
	}{
		{"words fold to upper case", "select aB_1$", "w:SELECT w:AB_1$", 0},
		{"quoted names keep case and unescape", `"a""B" ` + "`x``y`", `q:a"B b:x` + "`y", 0},
		{"strings double their quotes, backslash is plain", `'it''s' 'a\n'`, `s:it's s:a\n`, 0},
		{"numbers", "1 1.5 .5 1e3 2E-2 3e", "n:1 n:1.5 n:.5 n:1e3 n:2E-2 n:3 w:E", 0},
		{"two-character operators", "<= >= <> != || => ::", "p:<= p:>= p:<> p:!= p:|| p:=> p:::", 0},
		{"line comments with and without space", "a --x\nb -- y\nc # z", "w:A w:B w:C", 3},
		{"block comment", "a /* b */ c", "w:A w:C", 1},
		{"every letter folds", "prix€ é", "w:PRIX€ w:É", 0},
		{"letters whose upper case is longer stay", "ıd ſx", "w:ıD w:ſX", 0},
		{"invalid utf-8 stays", "a\xffb", "w:A\xffB", 0},
	}
	kinds := map[tokKind]string{tkWord: "w", tkQuoted: "q", tkBack: "b", tkString: "s", tkNumber: "n", tkPunct: "p"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			toks, comments, err := tokenize(&Source{Text: tc.in})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tk := range toks {
				got = append(got, kinds[tk.kind]+":"+tk.val)
			}
			if strings.Join(got, " ") != tc.want || len(comments) != tc.comments {
				t.Fatalf("tokenize(%q) = %q with %d comments, want %q with %d", tc.in, strings.Join(got, " "), len(comments), tc.want, tc.comments)
			}
		})
	}
}
