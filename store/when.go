package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/spec"
)

// ParseWhen reads a time bound of a Filter as people write it: a duration
// back from now (90m, 24h, 7d), a date (2006-01-02) or an RFC 3339 time;
// "" is the zero time (no bound).
func ParseWhen(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil && n >= 0 && n < 1e6 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := spec.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d.D()), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: expected a duration back from now (24h, 7d), a date (2006-01-02) or an RFC 3339 time", v)
}
