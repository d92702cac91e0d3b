package generator

import (
	"strings"
	"testing"
)

func TestAppendNextString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		maxLen int32
		sp     byte
	}{
		{"space trimmed", 20, ' '},
		{"short", 5, ' '},
		{"underscore kept", 5, '_'},
		{"long", 100, ' '},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newJavaRandom(int64(tc.maxLen))
			prefix := []byte("keep")
			sawSp := false
			for range 5000 {
				out := appendNextString(append([]byte(nil), prefix...), &r, tc.maxLen, tc.sp)
				if string(out[:4]) != "keep" {
					t.Fatalf("prefix clobbered: %q", out)
				}
				s := string(out[4:])
				if int32(len(s)) >= tc.maxLen {
					t.Fatalf("%q longer than %d", s, tc.maxLen-1)
				}
				if tc.sp == ' ' && s != strings.TrimSpace(s) {
					t.Fatalf("%q not trimmed", s)
				}
				if tc.sp != ' ' && len(s) < 3 {
					t.Fatalf("%q shorter than 3", s)
				}
				sawSp = sawSp || strings.IndexByte(s, tc.sp) >= 0
				for i := range len(s) {
					if c := s[i]; c != tc.sp && (c < 'a' || c > 'z') {
						t.Fatalf("%q has %q", s, c)
					}
				}
			}
			if !sawSp {
				t.Fatalf("no %q in 5000 strings", tc.sp)
			}
		})
	}
}

func TestNextExtra(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		current, avg     int64
		wantMin, wantMax int32
	}{
		{"bid", 32, 100, 54, 81},
		{"too big already", 300, 200, 0, 0},
		{"exact", 200, 200, 0, 0},
		{"small room", 196, 200, 3, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newJavaRandom(3)
			lo, hi := int32(1<<30), int32(-1)
			for range 20000 {
				s := nextExtra(&r, tc.current, tc.avg)
				if s.off < 0 || s.off+s.n > extraBufLen {
					t.Fatalf("span %+v outside the buffer", s)
				}
				lo, hi = min(lo, s.n), max(hi, s.n)
			}
			if lo != tc.wantMin || hi != tc.wantMax {
				t.Fatalf("lengths %d..%d, want %d..%d", lo, hi, tc.wantMin, tc.wantMax)
			}
		})
	}
}

func TestStaticTables(t *testing.T) {
	t.Parallel()
	tab := staticTables()
	if tab != staticTables() {
		t.Fatal("tables built twice")
	}
	tests := []struct {
		name string
		ok   func() bool
	}{
		{"hot channels first", func() bool { return tab.channel.str(0) == "Google" && tab.channel.str(3) == "Apple" }},
		{"cache channels", func() bool {
			return tab.channel.str(4) == "channel-0" && tab.channel.str(4+9999) == "channel-9999"
		}},
		{"channel 1 id is Integer.MIN_VALUE", func() bool {
			return strings.HasSuffix(tab.url.str(5), "&channel_id=-2147483648")
		}},
		{"sizes", func() bool {
			return len(tab.channel.off) == 10005 && len(tab.url.off) == 10005 && len(tab.extra) == 1<<20
		}},
		{"extra is letters", func() bool { return strings.Trim(tab.extraStr, "abcdefghijklmnopqrstuvwxyz") == "" }},
		{"names", func() bool { return tab.names.str(0) == "Peter Shultz" && tab.names.str(98) == "Walter Noris" }},
		{"bytes and strings agree", func() bool { return string(tab.url.b) == tab.url.s }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !tc.ok() {
				t.Fatal("table check failed")
			}
		})
	}
}
