package render

import "unicode/utf8"

// Legend geometry. Names that fit in a column of legendCol are laid out
// four to a row in columns (the common case: scenario names); a longer
// name takes the width it needs and the row wraps before the right edge,
// and a name wider than a whole row is cut with "…" (the full name stays
// in the entry's tooltip).
const (
	legendCol  = 170
	legendChar = 7  // px per character of the 12px legend font, a little over its average
	legendKey  = 16 // the colour key and its gap before the text
	legendGap  = 18 // between entries of a flowing row
	legendMax  = chartW - marginL - marginR
)

// legendEntry is one name placed: its row, x, and the text shown.
type legendEntry struct {
	row, x int
	text   string
	cut    bool // text is the name cut short
}

// legendWidth is the width an entry's text takes, estimated.
func legendWidth(s string) int { return legendKey + legendChar*utf8.RuneCountInString(s) }

// layLegend places names and returns how many rows they take.
func layLegend(names []string) ([]legendEntry, int) {
	out := make([]legendEntry, len(names))
	grid := true
	for _, n := range names {
		grid = grid && legendWidth(n) <= legendCol-legendGap/2
	}
	if grid {
		for i, n := range names {
			out[i] = legendEntry{row: i / 4, x: marginL + (i%4)*legendCol, text: n}
		}
		return out, (len(names) + 3) / 4
	}
	row, x := 0, marginL
	for i, n := range names {
		text, cut := n, false
		if legendWidth(n) > legendMax {
			r := []rune(n)
			text, cut = string(r[:(legendMax-legendKey)/legendChar-1])+"…", true
		}
		w := legendWidth(text)
		if x > marginL && x+w > marginL+legendMax {
			row, x = row+1, marginL
		}
		out[i] = legendEntry{row: row, x: x, text: text, cut: cut}
		x += w + legendGap
	}
	if len(names) == 0 {
		return out, 0
	}
	return out, row + 1
}
