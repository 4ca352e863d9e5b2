// Package proxystats reads a proxy's own view of the traffic it carried
// from the metrics it exposes in the Prometheus text format: how many
// requests, how many responses of each status class, and the latency
// histogram where the proxy keeps one. It is the proxy-side counterpart
// of the load generator's figures: the two should agree on the request
// count, and the difference between their latencies is time spent
// outside the proxy.
//
// A Schema names the metric families of one proxy: Envoy's
// /stats/prometheus (downstream or upstream), Linkerd's proxy
// :4191/metrics and smp's reference proxy. Parse sums every series that
// carries the wanted labels, so one call gives one listener, one cluster
// or the whole proxy.
package proxystats

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/hist"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Stats is a proxy's view, plain data.
type Stats struct {
	Proxy     string            `json:"proxy"`  // Schema.Name
	Source    string            `json:"source"` // the families read
	Requests  uint64            `json:"requests"`
	Responses map[string]uint64 `json:"responses,omitempty"` // by class: "2xx" … "5xx"
	// Latency is nil when the proxy exposes no histogram (or none matched).
	Latency *Histogram `json:"latency,omitempty"`
}

// Histogram is a cumulative latency histogram in seconds, as in the
// Prometheus format: Counts[i] requests took at most Bounds[i]; Count
// includes those above the last bound.
type Histogram struct {
	Bounds []float64 `json:"bounds"`
	Counts []uint64  `json:"counts"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum"` // seconds
}

// Schema names a proxy's metric families. Families that a proxy does not
// have are left empty.
type Schema struct {
	Name      string
	Requests  string // counter of requests
	Responses string // counter of responses, labelled by ClassLabel
	// ClassLabel holds the status: a class digit ("2", Envoy), a code
	// ("200", Linkerd) or a class ("2xx", smp); its first digit is kept.
	ClassLabel string
	Latency    string  // histogram family (without _bucket)
	Unit       float64 // seconds per unit of Latency: 0.001 for milliseconds
}

// EnvoyDownstream is Envoy's HTTP connection managers: what the proxy
// served to its clients.
func EnvoyDownstream() Schema {
	return Schema{Name: "envoy", Requests: "envoy_http_downstream_rq_total", Responses: "envoy_http_downstream_rq_xx",
		ClassLabel: "envoy_response_code_class", Latency: "envoy_http_downstream_rq_time", Unit: 1e-3}
}

// EnvoyUpstream is Envoy's clusters: what the proxy asked of upstreams.
func EnvoyUpstream() Schema {
	return Schema{Name: "envoy", Requests: "envoy_cluster_upstream_rq_total", Responses: "envoy_cluster_upstream_rq_xx",
		ClassLabel: "envoy_response_code_class", Latency: "envoy_cluster_upstream_rq_time", Unit: 1e-3}
}

// Linkerd is the Linkerd proxy's :4191/metrics; select a direction with
// the label direction="inbound" or "outbound".
func Linkerd() Schema {
	return Schema{Name: "linkerd", Requests: "request_total", Responses: "response_total",
		ClassLabel: "status_code", Latency: "response_latency_ms", Unit: 1e-3}
}

// Reference is smp's reference proxy (internal/proxy); select a route with
// the label route.
func Reference() Schema {
	return Schema{Name: "smp", Requests: "smp_proxy_requests_total", Responses: "smp_proxy_responses_total",
		ClassLabel: "class", Latency: "smp_proxy_request_duration_seconds", Unit: 1}
}

// ErrNoRequests is returned when no series of the request family matches.
var ErrNoRequests = errors.New("no matching request counter")

// Parse reads metrics text and sums the series of s that carry every
// label in match (all series when match is empty).
func Parse(r io.Reader, s Schema, match map[string]string) (Stats, error) {
	fams, err := ParseText(r)
	if err != nil {
		return Stats{}, fmt.Errorf("%s metrics: %w", s.Name, err)
	}
	return FromFamilies(fams, s, match)
}

// ParseText runs expfmt's text parser, turning its panics into errors:
// the parser of prometheus/common v0.66.1 dereferences nil on a line that
// opens with braces, such as "{}" (fixed upstream in prometheus/common
// pull request 922), and a proxy's metrics are input smp does not control.
func ParseText(r io.Reader) (fams map[string]*dto.MetricFamily, err error) {
	defer func() {
		if v := recover(); v != nil {
			fams, err = nil, fmt.Errorf("malformed metrics text (the parser panicked: %v)", v)
		}
	}()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

// FromFamilies is Parse on families already parsed.
func FromFamilies(fams map[string]*dto.MetricFamily, s Schema, match map[string]string) (Stats, error) {
	st := Stats{Proxy: s.Name, Source: source(s, match)}
	found := false
	for _, m := range selected(fams[s.Requests], match) {
		v, ok := value(m)
		if !ok {
			return st, fmt.Errorf("%s metrics: %s %s: expected a finite non-negative counter", s.Name, s.Requests, Labels(m))
		}
		st.Requests += uint64(v)
		found = true
	}
	if !found {
		return st, fmt.Errorf("%s metrics: %s %v: %w", s.Name, s.Requests, match, ErrNoRequests)
	}
	for _, m := range selected(fams[s.Responses], match) {
		v, ok := value(m)
		if !ok {
			return st, fmt.Errorf("%s metrics: %s %s: expected a finite non-negative counter", s.Name, s.Responses, Labels(m))
		}
		class := statusClass(Label(m, s.ClassLabel))
		if st.Responses == nil {
			st.Responses = map[string]uint64{}
		}
		st.Responses[class] += uint64(v)
	}
	h, err := histogram(fams, s, match)
	if err != nil {
		return st, err
	}
	st.Latency = h
	return st, nil
}

// histogram sums the matching series of s.Latency, scaled to seconds.
func histogram(fams map[string]*dto.MetricFamily, s Schema, match map[string]string) (*Histogram, error) {
	if s.Latency == "" {
		return nil, nil
	}
	h, err := ReadHistogram(fams, s.Latency, s.Unit, match)
	if err != nil {
		return nil, fmt.Errorf("%s metrics: %w", s.Name, err)
	}
	return h, nil
}

// ReadHistogram sums the series of the histogram family name that carry
// every label in match, multiplying bounds and sums by unit (seconds per
// unit of the family; 0 is taken as 1). It reads the _bucket, _sum and
// _count series whether the family is typed histogram or (as some
// exporters leave it) untyped. It returns nil when no series matched, and
// an error when the buckets are not cumulative.
func ReadHistogram(fams map[string]*dto.MetricFamily, name string, unit float64, match map[string]string) (*Histogram, error) {
	if unit <= 0 {
		unit = 1
	}
	byBound := map[float64]uint64{}
	var count uint64
	var sum float64
	n := 0
	for _, m := range selected(fams[name], match) {
		h := m.GetHistogram()
		if h == nil {
			continue
		}
		n++
		total := h.GetSampleCount()
		for _, b := range h.GetBucket() {
			if math.IsInf(b.GetUpperBound(), +1) {
				total = max(total, b.GetCumulativeCount())
			} else {
				byBound[b.GetUpperBound()*unit] += b.GetCumulativeCount()
			}
		}
		count += total
		sum += h.GetSampleSum() * unit
	}
	if n == 0 {
		for _, m := range selected(fams[name+"_bucket"], match) {
			v, ok := value(m)
			le, err := strconv.ParseFloat(Label(m, "le"), 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("%s_bucket %s: expected a count and a numeric le", name, Labels(m))
			}
			n++
			if math.IsInf(le, +1) {
				count += uint64(v)
			} else {
				byBound[le*unit] += uint64(v)
			}
		}
		for _, m := range selected(fams[name+"_sum"], match) {
			v, _ := value(m)
			sum += v * unit
		}
	}
	if n == 0 {
		return nil, nil
	}
	h := &Histogram{Count: count, Sum: sum}
	for b := range byBound {
		h.Bounds = append(h.Bounds, b)
	}
	sort.Float64s(h.Bounds)
	for _, b := range h.Bounds {
		h.Counts = append(h.Counts, byBound[b])
	}
	for i := range h.Counts {
		if (i > 0 && h.Counts[i] < h.Counts[i-1]) || h.Counts[i] > h.Count {
			return nil, fmt.Errorf("%s: bucket le=%g holds %d: expected cumulative counts no greater than the count %d",
				name, h.Bounds[i], h.Counts[i], h.Count)
		}
	}
	return h, nil
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) in seconds, interpolating
// linearly inside the bucket that holds it, as PromQL's
// histogram_quantile does: the first bucket starts at 0, and a quantile
// beyond the last bound is that bound. NaN for an empty histogram or a q
// out of range.
func (h *Histogram) Quantile(q float64) float64 {
	if h == nil {
		return math.NaN()
	}
	return hist.BucketQuantile(h.Bounds, h.Counts, h.Count, q)
}

// selected returns the metrics of f that carry every label of match.
func selected(f *dto.MetricFamily, match map[string]string) []*dto.Metric {
	if f == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		ok := true
		for k, v := range match {
			if Label(m, k) != v {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// value is a counter's, gauge's or untyped sample's value, when it is a
// finite count.
func value(m *dto.Metric) (float64, bool) {
	var v float64
	switch {
	case m.Counter != nil:
		v = m.Counter.GetValue()
	case m.Untyped != nil:
		v = m.Untyped.GetValue()
	case m.Gauge != nil:
		v = m.Gauge.GetValue()
	default:
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1<<63 {
		return 0, false
	}
	return v, true
}

// Label is the value of a series' label name ("" without it).
func Label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Labels writes a series' labels as in the text format, for messages.
func Labels(m *dto.Metric) string {
	s := "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			s += ","
		}
		s += l.GetName() + "=" + strconv.Quote(l.GetValue())
	}
	return s + "}"
}

// statusClass maps "2", "200" or "2xx" to "2xx"; anything else to "other".
func statusClass(v string) string {
	if len(v) > 0 && v[0] >= '1' && v[0] <= '5' {
		return v[:1] + "xx"
	}
	return "other"
}

// source names the families read and the series selected.
func source(s Schema, match map[string]string) string {
	var fams []string
	for _, f := range []string{s.Requests, s.Responses, s.Latency} {
		if f != "" {
			fams = append(fams, f)
		}
	}
	out := s.Name + " metrics " + strings.Join(fams, ", ")
	if len(match) > 0 {
		keys := slices.Sorted(maps.Keys(match))
		sel := make([]string, len(keys))
		for i, k := range keys {
			sel[i] = fmt.Sprintf("%s=%q", k, match[k])
		}
		out += " where " + strings.Join(sel, ", ")
	}
	return out
}

// Sub returns what s counted since before (an earlier reading of the same
// proxy): the requests, responses and latency observations in between.
// A counter that went down (the proxy restarted) counts from zero.
func (s Stats) Sub(before Stats) Stats {
	out := Stats{Proxy: s.Proxy, Source: s.Source, Requests: delta(s.Requests, before.Requests)}
	if len(s.Responses) > 0 {
		out.Responses = make(map[string]uint64, len(s.Responses))
		for k, v := range s.Responses {
			if d := delta(v, before.Responses[k]); d > 0 {
				out.Responses[k] = d
			}
		}
	}
	out.Latency = s.Latency.Sub(before.Latency)
	return out
}

// Sub is h minus before (an earlier reading of the same histogram),
// bucket by bucket: the observations in between. It is h itself when the
// two do not have the same buckets or when any count went down (the
// process restarted and counts from zero); nil when h is nil.
func (h *Histogram) Sub(before *Histogram) *Histogram {
	if h == nil {
		return nil
	}
	if before == nil || !slices.Equal(h.Bounds, before.Bounds) || len(h.Counts) != len(before.Counts) || h.Count < before.Count {
		return h
	}
	for i := range h.Counts {
		if h.Counts[i] < before.Counts[i] {
			return h
		}
	}
	out := &Histogram{Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts)),
		Count: h.Count - before.Count, Sum: h.Sum - before.Sum}
	for i := range h.Counts {
		out.Counts[i] = h.Counts[i] - before.Counts[i]
	}
	return out
}

func delta(after, before uint64) uint64 {
	if after < before {
		return after
	}
	return after - before
}
