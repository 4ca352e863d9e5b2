// Package hist wraps hdrhistogram-go for latency data: values are
// nanoseconds, 3 significant digits, and histograms can be merged, encoded
// (HDR V2, base64) and summarized into the report's latency shape.
//
// A Histogram is not safe for concurrent use: the load engine keeps one per
// worker and merges them after the run.
package hist

import (
	"errors"
	"fmt"
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Bounds of every latency histogram: 1 ns to 1 hour at 3 significant digits.
// Larger values are clamped to Highest and counted in Clamped.
const (
	Lowest  int64 = 1
	Highest int64 = int64(time.Hour)
	Digits        = 3
)

// Histogram records durations in nanoseconds.
type Histogram struct {
	h       *hdr.Histogram
	clamped int64
}

// New returns an empty histogram with the standard bounds.
func New() *Histogram {
	return &Histogram{h: hdr.New(Lowest, Highest, Digits)}
}

// NewCoarse returns an empty histogram with 2 significant digits and
// microsecond resolution, a tenth of New's memory: for per-interval
// timelines, where p50 and p99 to 1% are all that is asked.
func NewCoarse() *Histogram {
	return &Histogram{h: hdr.New(int64(time.Microsecond), Highest, 2)}
}

// Record adds one duration. Negative values count as 0; values past
// Highest are clamped (and counted by Clamped).
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < Lowest {
		v = Lowest
	} else if v > Highest {
		v = Highest
		h.clamped++
	}
	_ = h.h.RecordValue(v) // cannot fail: v is within bounds
}

// RecordN adds n values of d (n <= 0 adds nothing), clamped as Record.
func (h *Histogram) RecordN(d time.Duration, n int64) {
	if n <= 0 {
		return
	}
	v := int64(d)
	if v < Lowest {
		v = Lowest
	} else if v > Highest {
		v = Highest
		h.clamped += n
	}
	_ = h.h.RecordValues(v, n) // cannot fail: v is within bounds
}

// Merge adds every value of o into h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil {
		return
	}
	h.h.Merge(o.h)
	h.clamped += o.clamped
}

// MergeOptional merges o into h where either may be nil (not measured):
// it returns h, made when needed, or nil when both are.
func MergeOptional(h, o *Histogram) *Histogram {
	if o == nil {
		return h
	}
	if h == nil {
		h = New()
	}
	h.Merge(o)
	return h
}

// Reset empties h.
func (h *Histogram) Reset() {
	h.h.Reset()
	h.clamped = 0
}

// Count is the number of recorded values.
func (h *Histogram) Count() int64 { return h.h.TotalCount() }

// Clamped is how many values were larger than Highest.
func (h *Histogram) Clamped() int64 { return h.clamped }

// SetClamped sets how many values were larger than Highest: for a decoder
// that carries the count beside the HDR encoding, which does not hold it.
func (h *Histogram) SetClamped(n int64) { h.clamped = n }

// Min is the smallest value recorded (within histogram precision). Min,
// Max, Mean and StdDev are in nanoseconds; all are 0 when empty.
func (h *Histogram) Min() time.Duration { return time.Duration(h.h.Min()) }

// Max is the largest value recorded (within histogram precision).
func (h *Histogram) Max() time.Duration { return time.Duration(h.h.Max()) }

// Mean of recorded values.
func (h *Histogram) Mean() time.Duration { return time.Duration(math.Round(h.h.Mean())) }

// StdDev of recorded values.
func (h *Histogram) StdDev() time.Duration { return time.Duration(math.Round(h.h.StdDev())) }

// Quantile returns the value at percentile p (0 < p <= 100).
func (h *Histogram) Quantile(p float64) time.Duration {
	if h.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.h.ValueAtPercentile(p))
}

// CumulativeCounts returns, for each bound (ascending), how many values
// are at or below it. Within histogram precision: a value counts when the
// lower end of its bin is at or below the bound.
func (h *Histogram) CumulativeCounts(bounds []time.Duration) []int64 {
	out := make([]int64, len(bounds))
	var n int64
	i := 0
	for _, b := range h.h.Distribution() {
		if b.Count == 0 {
			continue
		}
		for i < len(bounds) && b.From > int64(bounds[i]) {
			out[i] = n
			i++
		}
		if i == len(bounds) {
			return out
		}
		n += b.Count
	}
	for ; i < len(bounds); i++ {
		out[i] = n
	}
	return out
}

// Encode returns the HDR V2 compressed encoding, base64 (the format every
// HdrHistogram implementation can read).
func (h *Histogram) Encode() (string, error) {
	b, err := h.h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// ErrDecode wraps every failure to decode an encoded histogram.
var ErrDecode = errors.New("decode histogram")

// Decode reads what Encode wrote.
func Decode(s string) (*Histogram, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty string", ErrDecode)
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return &Histogram{h: h}, nil
}
