package encode

import (
	"unicode"
	"unicode/utf8"
)

// wideRanges are the code points terminals show two columns wide: East
// Asian Wide and Fullwidth blocks and the common emoji blocks. It is a
// simplification of Unicode's EastAsianWidth table that covers CJK, Hangul,
// kana, fullwidth forms and emoji.
var wideRanges = [...][2]rune{
	{0x1100, 0x115F}, {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF},
	{0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}

// runeWidth returns how many terminal columns r takes: 0 for combining
// marks and format characters, 2 for wide characters, else 1.
func runeWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	for _, rg := range wideRanges {
		if r < rg[0] {
			break
		}
		if r <= rg[1] {
			return 2
		}
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
		return 0
	}
	return 1
}

// displayWidth returns the terminal columns b takes (b is valid UTF-8).
func displayWidth(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		n += runeWidth(r)
		i += size
	}
	return n
}
