package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"90m":                  now.Add(-90 * time.Minute),
		"24h":                  now.Add(-24 * time.Hour),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"1.5d":                 now.Add(-36 * time.Hour),
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		"2026-11-01T08:00:00Z": time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC),
	} {
		got, err := ParseWhen(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-7d", "7x", "2026-13-01", "1e9d"} {
		if _, err := ParseWhen(bad, now); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseWhen(%q): %v; want an error naming it", bad, err)
		}
	}
}

// FuzzParseWhen: any text is a time or an error naming it, never a panic,
// and a duration back from now is never after now.
func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"", "7d", "90m", "2026-11-30", "2026-11-30T10:00:00Z", "-1h", "1e308d", "NaNd"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseWhen(s, now)
		if err != nil {
			return
		}
		if strings.HasSuffix(s, "d") || strings.HasSuffix(s, "h") || strings.HasSuffix(s, "m") {
			if _, perr := time.Parse("2006-01-02", s); perr != nil && got.After(now) {
				t.Fatalf("ParseWhen(%q) = %v: after now", s, got)
			}
		}
	})
}
