package report

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/smp-dev/smp/hist"
)

// StandardPercentiles are always reported.
var standardPercentiles = [...]float64{50, 75, 90, 95, 99, 99.9, 99.99}

// DefaultBuckets are the bucket bounds used when a test names none.
var defaultBuckets = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// Options say which percentiles and buckets latency objects carry.
type Options struct {
	Percentiles []float64       // extra percentiles beyond the standard set
	Buckets     []time.Duration // bucket bounds; nil means the defaults
}

// PercentileKey formats a percentile as a report key: 99.9 → "p99.9".
func PercentileKey(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64)
}

func ms(d time.Duration) float64 {
	// Round to nanoseconds expressed in ms; keeps JSON short and exact.
	return math.Round(float64(d)) / 1e6
}

// percentiles returns the standard set plus extras, sorted, without
// duplicates.
func (o Options) percentiles() []float64 {
	ps := append(standardPercentiles[:0:0], standardPercentiles[:]...)
	ps = append(ps, o.Percentiles...)
	sort.Float64s(ps)
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}

// NewLatency summarizes h.
func NewLatency(h *hist.Histogram, o Options) (Latency, error) {
	enc, err := h.Encode()
	if err != nil {
		return Latency{}, err
	}
	l := Latency{
		Unit:        "ms",
		Count:       h.Count(),
		Min:         ms(h.Min()),
		Mean:        ms(h.Mean()),
		StdDev:      ms(h.StdDev()),
		Max:         ms(h.Max()),
		Percentiles: map[string]float64{},
		HDR:         enc,
	}
	for _, p := range o.percentiles() {
		l.Percentiles[PercentileKey(p)] = ms(h.Quantile(p))
	}
	bounds := o.Buckets
	if bounds == nil {
		bounds = defaultBuckets[:]
	}
	counts := h.CumulativeCounts(bounds)
	l.Buckets = make([]Bucket, len(bounds))
	for i, b := range bounds {
		l.Buckets[i] = Bucket{LE: ms(b), Count: counts[i]}
	}
	return l, nil
}
