package encode

import "testing"

func TestDisplayWidth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    string
		want int
	}{
		{name: "ascii", s: "hello", want: 5},
		{name: "empty", s: "", want: 0},
		{name: "latin accents", s: "été", want: 3},
		{name: "combining accent", s: "e\u0301", want: 1},
		{name: "cjk", s: "東京", want: 4},
		{name: "hangul", s: "한국", want: 4},
		{name: "fullwidth", s: "ＡＢ", want: 4},
		{name: "emoji", s: "🚀", want: 2},
		{name: "zero width joiner", s: "a\u200db", want: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := displayWidth([]byte(tc.s)); got != tc.want {
				t.Fatalf("displayWidth(%q) = %d, want %d", tc.s, got, tc.want)
			}
		})
	}
}
