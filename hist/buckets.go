package hist

import "math"

// Count is a number of observations in a cumulative bucket histogram.
type Count interface{ ~int64 | ~uint64 | ~float64 }

// BucketQuantile estimates the q-quantile (0 ≤ q ≤ 1) of a cumulative
// bucket histogram in the Prometheus shape: cumulative[i] observations
// were at most bounds[i] (ascending), and count observations in all,
// including those above the last bound. It interpolates linearly inside
// the bucket that holds the quantile, as PromQL's histogram_quantile does:
// the first bucket starts at 0, and a quantile beyond the last bound is
// that bound. The result is in the unit of bounds; NaN for an empty
// histogram, mismatched slices or a q out of range.
func BucketQuantile[C Count](bounds []float64, cumulative []C, count C, q float64) float64 {
	if count <= 0 || len(bounds) == 0 || len(bounds) != len(cumulative) || q < 0 || q > 1 || math.IsNaN(q) {
		return math.NaN()
	}
	rank := q * float64(count)
	lower, below := 0.0, 0.0
	for i, b := range bounds {
		c := float64(cumulative[i])
		if c >= rank {
			in := c - below
			if in <= 0 {
				return b
			}
			return lower + (b-lower)*(rank-below)/in
		}
		lower, below = b, c
	}
	return bounds[len(bounds)-1]
}
