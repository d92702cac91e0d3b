package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Long series names are shortened in the legend so that entries do not
// overlap; the full name stays in the tooltip.
func TestLegendNamesFitTheirRoom(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, want string }{
		{name: "AMZN", want: "AMZN"},
		{name: strings.Repeat("x", legendChars), want: strings.Repeat("x", legendChars)},
		{name: "a very long series name that would overlap", want: "a very long serie…"},
		{name: "prix_été_moyen_par_heure", want: "prix_été_moyen_pa…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := legendName(tc.name)
			if got != tc.want || utf8.RuneCountInString(got) > legendChars {
				t.Fatalf("legendName(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
