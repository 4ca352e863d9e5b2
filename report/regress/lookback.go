package regress

import (
	"encoding/json"
	"math"
	"slices"
)

// madScale makes the MAD of a normal sample estimate its standard
// deviation: 1/Φ⁻¹(3/4).
const madScale = 1.4826

// MinLookback is the fewest earlier values Lookback judges against: the
// median and MAD of fewer say little about the spread.
const MinLookback = 3

// Shift is the verdict of the change-point pass on one series.
type Shift struct {
	// N is the number of earlier values the newest was judged against.
	N int `json:"n"`
	// Median and MAD (median absolute deviation, unscaled) of those values.
	Median float64 `json:"median"`
	MAD    float64 `json:"mad"`
	// Score is the robust z-score (x - Median) / (1.4826·MAD): about the
	// number of standard deviations x lies from the median for normal
	// data, unmoved by a few outliers in the history. ±Inf when MAD is 0
	// and x differs from the median (null in JSON, which has no infinity).
	Score float64 `json:"score"`
	// Flag is |Score| > k.
	Flag bool `json:"flag"`
}

// MarshalJSON writes an infinite Score as null.
func (s Shift) MarshalJSON() ([]byte, error) {
	type plain Shift
	out := struct {
		plain
		Score *float64 `json:"score"`
	}{plain: plain(s)}
	if !math.IsInf(s.Score, 0) {
		out.Score = &s.Score
	}
	return json.Marshal(out)
}

// Lookback judges the newest value x of a series against the values before
// it: prev holds them oldest first, and only the last n are used (all when
// n <= 0). x is flagged when it lies more than k scaled MADs from their
// median (the modified z-score of Iglewicz and Hoaglin; k = 3.5 is their
// cut-off). ok is false with fewer than MinLookback earlier values.
func Lookback(prev []float64, x float64, n int, k float64) (s Shift, ok bool) {
	if n > 0 && len(prev) > n {
		prev = prev[len(prev)-n:]
	}
	if len(prev) < MinLookback {
		return Shift{N: len(prev)}, false
	}
	med := Median(prev)
	dev := make([]float64, len(prev))
	for i, v := range prev {
		dev[i] = math.Abs(v - med)
	}
	mad := Median(dev)
	s = Shift{N: len(prev), Median: med, MAD: mad}
	switch {
	case mad > 0:
		s.Score = (x - med) / (madScale * mad)
	case x > med:
		s.Score = math.Inf(1)
	case x < med:
		s.Score = math.Inf(-1)
	}
	s.Flag = math.Abs(s.Score) > k
	return s, true
}

// Median returns the median of xs (the mean of the middle two for an even
// count); 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Mean returns the arithmetic mean of xs; 0 for none.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
