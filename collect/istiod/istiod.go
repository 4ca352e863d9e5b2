// Package istiod reads what Istio's control plane says about itself on its
// monitoring endpoint (istiod :15014/metrics, Prometheus text format): its
// version, the xDS pushes it made by type and why, how long proxies took
// to converge on a change, and how many proxies and services it knows.
//
// Parse turns one scrape into a Snapshot (plain data); Delta turns two
// scrapes, taken before and after a measurement window, into the report's
// XDS figures for that window. Neither talks to a cluster: fetching the
// text is the platform's job.
//
// The families are Istio's (pilot/pkg/xds/monitoring.go,
// pkg/xds/monitoring.go, pilot/pkg/bootstrap/monitoring.go,
// pkg/version/stats.go). Istio exports through OpenTelemetry without
// counter suffixes or units, so its counters carry no _total and its
// histograms are in seconds.
package istiod

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	dto "github.com/prometheus/client_model/go"

	"github.com/smp-dev/smp/collect/proxystats"
	"github.com/smp-dev/smp/report"
)

// Istio's metric families read here.
const (
	FamilyInfo         = "pilot_info"                   // gauge, label version
	FamilyBuild        = "istio_build"                  // gauge, labels component, tag
	FamilyPushes       = "pilot_xds_pushes"             // counter, label type: cds, eds, lds, rds, …, cds_senderr, …
	FamilyTriggers     = "pilot_push_triggers"          // counter, label type: endpoint, config, service, proxy, …
	FamilyConvergence  = "pilot_proxy_convergence_time" // histogram, seconds
	FamilyPushTime     = "pilot_xds_push_time"          // histogram, seconds, label type
	FamilySendTime     = "pilot_xds_send_time"          // histogram, seconds
	FamilyConnected    = "pilot_xds"                    // gauge, label version (of the proxies)
	FamilyServices     = "pilot_services"               // gauge
	FamilyInboundCount = "pilot_inbound_updates"        // counter, label type: config, eds, svc, svcdelete
)

// Endpoint is where istiod serves the families, for Source strings.
const Endpoint = "istiod :15014/metrics"

// sendErrSuffix marks pilot_xds_pushes types that count failed sends.
const sendErrSuffix = "_senderr"

// Snapshot is one scrape of istiod, plain data. Counters are cumulative
// since istiod started; histograms are in seconds.
type Snapshot struct {
	// Version is pilot_info's version label, else istio_build's tag (of
	// the pilot component when there are several); "" when neither.
	Version string `json:"version,omitempty"`
	// Pushes is pilot_xds_pushes summed by its label type.
	Pushes map[string]float64 `json:"pushes,omitempty"`
	// Triggers is pilot_push_triggers summed by type.
	Triggers map[string]float64 `json:"triggers,omitempty"`
	// InboundUpdates is pilot_inbound_updates summed by type.
	InboundUpdates map[string]float64 `json:"inboundUpdates,omitempty"`
	// Convergence, PushTime and SendTime are the histograms
	// pilot_proxy_convergence_time, pilot_xds_push_time (all types
	// summed) and pilot_xds_send_time; nil when absent.
	Convergence *proxystats.Histogram `json:"convergence,omitempty"`
	PushTime    *proxystats.Histogram `json:"pushTime,omitempty"`
	SendTime    *proxystats.Histogram `json:"sendTime,omitempty"`
	// ConnectedProxies is the pilot_xds gauge summed over its series
	// (one per proxy version); 0 when absent (no proxy ever connected).
	ConnectedProxies float64 `json:"connectedProxies"`
	// Services is the pilot_services gauge.
	Services float64 `json:"services"`
}

// ErrNotIstiod is returned when the text holds none of istiod's families:
// the scrape reached something else.
var ErrNotIstiod = errors.New("no istiod metric family (pilot_info, istio_build, pilot_xds_pushes, pilot_services, …)")

// Parse reads one scrape of istiod's metrics text.
func Parse(r io.Reader) (Snapshot, error) {
	fams, err := proxystats.ParseText(r)
	if err != nil {
		return Snapshot{}, fmt.Errorf("istiod metrics: %w", err)
	}
	return FromFamilies(fams)
}

// FromFamilies is Parse on families already parsed.
func FromFamilies(fams map[string]*dto.MetricFamily) (Snapshot, error) {
	var s Snapshot
	found := false
	for _, f := range []string{FamilyInfo, FamilyBuild, FamilyPushes, FamilyTriggers, FamilyConvergence, FamilyPushTime,
		FamilySendTime, FamilyConnected, FamilyServices, FamilyInboundCount} {
		if fams[f] != nil || fams[f+"_bucket"] != nil {
			found = true
		}
	}
	if !found {
		return s, fmt.Errorf("istiod metrics: %w", ErrNotIstiod)
	}
	s.Version = version(fams)
	var err error
	if s.Pushes, err = byLabel(fams, FamilyPushes, "type"); err != nil {
		return s, err
	}
	if s.Triggers, err = byLabel(fams, FamilyTriggers, "type"); err != nil {
		return s, err
	}
	if s.InboundUpdates, err = byLabel(fams, FamilyInboundCount, "type"); err != nil {
		return s, err
	}
	if s.ConnectedProxies, err = total(fams, FamilyConnected); err != nil {
		return s, err
	}
	if s.Services, err = total(fams, FamilyServices); err != nil {
		return s, err
	}
	for _, h := range []struct {
		family string
		dst    **proxystats.Histogram
	}{{FamilyConvergence, &s.Convergence}, {FamilyPushTime, &s.PushTime}, {FamilySendTime, &s.SendTime}} {
		if *h.dst, err = proxystats.ReadHistogram(fams, h.family, 1, nil); err != nil {
			return s, fmt.Errorf("istiod metrics: %w", err)
		}
	}
	return s, nil
}

// version is pilot_info's version label, else istio_build's tag.
func version(fams map[string]*dto.MetricFamily) string {
	if f := fams[FamilyInfo]; f != nil {
		for _, m := range f.GetMetric() {
			if v := proxystats.Label(m, "version"); v != "" {
				return v
			}
		}
	}
	tag := ""
	if f := fams[FamilyBuild]; f != nil {
		for _, m := range f.GetMetric() {
			v := proxystats.Label(m, "tag")
			if v == "" {
				continue
			}
			if proxystats.Label(m, "component") == "pilot" {
				return v
			}
			if tag == "" {
				tag = v
			}
		}
	}
	return tag
}

// byLabel sums family's series by the value of label key; nil when the
// family is absent.
func byLabel(fams map[string]*dto.MetricFamily, family, key string) (map[string]float64, error) {
	f := fams[family]
	if f == nil {
		return nil, nil
	}
	out := map[string]float64{}
	for _, m := range f.GetMetric() {
		v, err := sample(family, m)
		if err != nil {
			return nil, err
		}
		out[proxystats.Label(m, key)] += v
	}
	return out, nil
}

// total sums every series of family; 0 when it is absent.
func total(fams map[string]*dto.MetricFamily, family string) (float64, error) {
	var sum float64
	for _, m := range fams[family].GetMetric() {
		v, err := sample(family, m)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// sample is a counter's, gauge's or untyped series' value, which must be a
// finite number, not negative.
func sample(family string, m *dto.Metric) (float64, error) {
	var v float64
	switch {
	case m.Counter != nil:
		v = m.Counter.GetValue()
	case m.Gauge != nil:
		v = m.Gauge.GetValue()
	case m.Untyped != nil:
		v = m.Untyped.GetValue()
	default:
		return 0, fmt.Errorf("istiod metrics: %s%s: expected a counter or gauge", family, proxystats.Labels(m))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("istiod metrics: %s%s: value %g: expected a finite number, not negative", family, proxystats.Labels(m), v)
	}
	return v, nil
}

// Delta is what istiod did between two scrapes of one window: counters are
// after minus before (a counter that went down means istiod restarted, and
// after is taken as it is), the convergence and push-time percentiles come
// from the difference of the buckets (linear inside a bucket, as PromQL's
// histogram_quantile), and gauges are after's.
func Delta(before, after Snapshot) report.XDS {
	x := report.XDS{
		Pushes:           sub(after.Pushes, before.Pushes),
		Triggers:         sub(after.Triggers, before.Triggers),
		ConvergenceMs:    quantiles(after.Convergence.Sub(before.Convergence)),
		PushTimeMs:       quantiles(after.PushTime.Sub(before.PushTime)),
		ConnectedProxies: after.ConnectedProxies,
		Services:         after.Services,
		Source: Endpoint + ": " + FamilyPushes + " by type (without *" + sendErrSuffix + " in pushesTotal), " +
			FamilyTriggers + ", " + FamilyConvergence + ", " + FamilyPushTime + " (after minus before); " +
			FamilyConnected + ", " + FamilyServices + " (after)",
	}
	if x.Pushes == nil {
		x.Pushes = map[string]float64{}
	}
	if len(x.Triggers) == 0 {
		x.Triggers = nil
	}
	for k, v := range x.Pushes {
		if !strings.HasSuffix(k, sendErrSuffix) {
			x.PushesTotal += v
		}
	}
	return x
}

// sub is after minus before, per key; a key whose count went down counts
// from zero (after as it is).
func sub(after, before map[string]float64) map[string]float64 {
	if after == nil {
		return nil
	}
	out := make(map[string]float64, len(after))
	for k, v := range after {
		if b := before[k]; v >= b {
			out[k] = v - b
		} else {
			out[k] = v
		}
	}
	return out
}

// quantiles summarizes a histogram in seconds as report quantiles in ms.
func quantiles(h *proxystats.Histogram) *report.Quantiles {
	if h == nil || h.Count == 0 {
		return nil
	}
	b := make([]report.Bucket, len(h.Bounds))
	for i := range h.Bounds {
		b[i] = report.Bucket{LE: h.Bounds[i] * 1000, Count: int64(min(h.Counts[i], math.MaxInt64))}
	}
	return report.NewQuantiles(b, float64(h.Count))
}
