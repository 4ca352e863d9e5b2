// Package fortio converts between smp reports and Fortio's JSON result (the
// format fortio load -json writes, that Fortio's report UI and Meshery
// read, and that Nighthawk can emit): Export writes one scenario as a Fortio
// result, Import reads a Fortio result into a one-scenario smp report.
//
// Fortio keeps latencies in seconds as a bucketed histogram (Data), not an
// HDR histogram, so Import rebuilds the HDR histogram by spreading each
// bucket's count evenly over the bucket, the same linear interpolation
// Fortio uses for its own percentiles: the imported percentiles and
// buckets match Fortio's to within a bucket's resolution, not exactly.
// Min, mean, max and standard deviation are Fortio's own, exact: Fortio
// computes them from every value, not from its buckets.
package fortio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Result is the subset of Fortio's HTTPRunnerResults that smp reads and
// writes. Field names are Fortio's.
type Result struct {
	RunType      string    `json:"RunType,omitempty"`
	Labels       string    `json:"Labels"`
	StartTime    time.Time `json:"StartTime"`
	RequestedQPS string    `json:"RequestedQPS"`
	// RequestedDuration is the load duration asked for (fortio load -t),
	// as time.Duration's String writes it, or "exactly N calls" or
	// "until stop". Fortio's warmup (one call per connection, before the
	// clock starts) is not part of it.
	RequestedDuration string  `json:"RequestedDuration,omitempty"`
	ActualQPS         float64 `json:"ActualQPS"`
	// ActualDuration is how long the measured calls took, in ns: from
	// StartTime (after the warmup) until the last connection finished.
	ActualDuration    int64            `json:"ActualDuration"`
	NumThreads        int              `json:"NumThreads"`
	Version           string           `json:"Version"`
	DurationHistogram *Histogram       `json:"DurationHistogram"`
	Exactly           int64            `json:"Exactly"`
	Jitter            bool             `json:"Jitter"`
	Uniform           bool             `json:"Uniform"`
	RunID             int64            `json:"RunID,omitempty"`
	RetCodes          map[string]int64 `json:"RetCodes"`
	Sizes             *Histogram       `json:"Sizes,omitempty"`
	URL               string           `json:"URL,omitempty"`
	SocketCount       int              `json:"SocketCount,omitempty"`
	AbortOn           int              `json:"AbortOn"`
}

// Histogram is Fortio's histogram: seconds for durations.
type Histogram struct {
	Count       int64        `json:"Count"`
	Min         float64      `json:"Min"`
	Max         float64      `json:"Max"`
	Sum         float64      `json:"Sum"`
	Avg         float64      `json:"Avg"`
	StdDev      float64      `json:"StdDev"`
	Data        []Bucket     `json:"Data"`
	Percentiles []Percentile `json:"Percentiles,omitempty"`
}

// Bucket is one histogram bucket: Count values in [Start, End); Percent
// is the cumulative percentage up to End.
type Bucket struct {
	Start   float64 `json:"Start"`
	End     float64 `json:"End"`
	Percent float64 `json:"Percent"`
	Count   int64   `json:"Count"`
}

// Percentile is one requested percentile and its value in seconds.
type Percentile struct {
	Percentile float64 `json:"Percentile"`
	Value      float64 `json:"Value"`
}

// ErrNotFortio is returned by Decode for JSON that is not a Fortio result.
var ErrNotFortio = errors.New("not a Fortio result")

// Detect reports whether data looks like a Fortio JSON result: an object
// with a DurationHistogram and either RetCodes or ActualQPS.
func Detect(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, dh := probe["DurationHistogram"]
	_, rc := probe["RetCodes"]
	_, qps := probe["ActualQPS"]
	return dh && (rc || qps)
}

// Decode parses a Fortio JSON result.
func Decode(data []byte) (*Result, error) {
	if !Detect(data) {
		return nil, fmt.Errorf("%w: expected an object with DurationHistogram and RetCodes or ActualQPS", ErrNotFortio)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("fortio result: %w", err)
	}
	if r.DurationHistogram == nil {
		return nil, fmt.Errorf("fortio result: DurationHistogram: got null, expected a histogram")
	}
	return &r, nil
}

// Write encodes a Fortio result as indented JSON.
func Write(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
