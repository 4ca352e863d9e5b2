package run

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/smp-dev/smp/collect/proxystats"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
)

// proxyReadTimeout bounds one read of a proxy's metrics.
const proxyReadTimeout = 5 * time.Second

// proxyReadings are the components' own metrics read at one moment, by
// component name; problems says which could not be read and why.
type proxyReadings struct {
	stats    map[string]proxystats.Stats
	problems []string
}

// readProxies reads every component that exposes its own metrics.
func readProxies(ctx context.Context, d *platform.Deployment) proxyReadings {
	out := proxyReadings{stats: map[string]proxystats.Stats{}}
	for _, c := range d.Components {
		if c.Metrics == nil {
			continue
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyReadTimeout)
		text, err := c.Metrics(rctx)
		cancel()
		if err == nil {
			var st proxystats.Stats
			if st, err = proxystats.Parse(bytes.NewReader(text), c.MetricsSchema, nil); err == nil {
				out.stats[c.Name] = st
				continue
			}
		}
		out.problems = append(out.problems, fmt.Sprintf("%s: %v", c.Name, err))
	}
	return out
}

// addProxyViews puts what each proxy counted between before and after
// beside its component's resources, and says which could not be read.
func addProxyViews(it *report.Iteration, before, after proxyReadings) {
	for i := range it.Components {
		c := &it.Components[i]
		b, okB := before.stats[c.Name]
		a, okA := after.stats[c.Name]
		if !okB || !okA {
			continue
		}
		d := a.Sub(b)
		v := &report.ProxyView{Requests: d.Requests, Responses: d.Responses,
			Source: "the proxy's own metrics (" + d.Source + "), read before and after the load"}
		if d.Latency != nil && d.Latency.Count > 0 {
			v.P50Ms = msOrZero(d.Latency.Quantile(0.5))
			v.P99Ms = msOrZero(d.Latency.Quantile(0.99))
		}
		c.Proxy = v
	}
	for _, p := range append(before.problems, after.problems...) {
		it.Warnings = append(it.Warnings, "proxy-side view not read: "+p)
	}
}

func msOrZero(seconds float64) float64 {
	if math.IsNaN(seconds) {
		return 0
	}
	return math.Round(seconds*1e6) / 1e3
}
