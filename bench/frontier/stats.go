package main

import (
	"math"
	"slices"
	"time"
)

// evenness is how evenly requests arrived at the server during one run:
// the requests counted per window of fixed length over the measured span,
// which starts warmup after the first arrival and ends with the last whole
// window before the last arrival.
type evenness struct {
	Requests   int64   `json:"requests"`   // every request received, warmup included
	Unrecorded int64   `json:"unrecorded"` // of those, arrived with the timestamp buffer full (not in the figures below)
	Windows    int     `json:"windows"`    // windows in the measured span
	Mean       float64 `json:"mean"`       // requests per window
	CV         float64 `json:"cv"`         // coefficient of variation of the counts per window (population standard deviation / mean)
	P99        float64 `json:"p99"`        // count of the 99th percentile window (nearest rank)
	Max        float64 `json:"max"`        // count of the fullest window
	Above2x    float64 `json:"above2x"`    // share of windows with more than twice the mean count, 0..1
	Rate       float64 `json:"rate"`       // requests/s over the measured span
	ServerCPU  int64   `json:"serverCPU"`  // ns of user+system CPU the server used during the run
	ServerWall int64   `json:"serverWall"` // ns from the start of the run (arm) to its end (stats)
}

// measure computes the evenness of arrivals ts (monotonic ns, in any
// order) counted per window after skipping warmup from the first arrival.
// It fills everything but Requests, Unrecorded and the server's times; with no
// whole window after the warmup it returns Windows 0 and zero figures.
func measure(ts []int64, warmup, window time.Duration) evenness {
	var e evenness
	if len(ts) == 0 || window <= 0 {
		return e
	}
	first, last := slices.Min(ts), slices.Max(ts)
	start := first + int64(warmup)
	w := int64(window)
	if last <= start {
		return e
	}
	n := (last - start) / w // whole windows before the last arrival
	if n == 0 {
		return e
	}
	counts := make([]float64, n)
	total := 0.0
	for _, t := range ts {
		if t < start {
			continue
		}
		if k := (t - start) / w; k < n {
			counts[k]++
			total++
		}
	}
	e.Windows = int(n)
	e.Mean = total / float64(n)
	e.Rate = total / (float64(n*w) / 1e9)
	var ss float64
	for _, c := range counts {
		ss += (c - e.Mean) * (c - e.Mean)
		if c > 2*e.Mean {
			e.Above2x++
		}
	}
	e.Above2x /= float64(n)
	if e.Mean > 0 {
		e.CV = math.Sqrt(ss/float64(n)) / e.Mean
	}
	slices.Sort(counts)
	e.Max = counts[n-1]
	e.P99 = counts[int(math.Ceil(0.99*float64(n)))-1]
	return e
}
