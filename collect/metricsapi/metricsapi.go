// Package metricsapi is a collect.Collector for containers in a cluster
// without Prometheus: it polls the resource metrics API (metrics.k8s.io,
// served by metrics-server) while load runs. It is the fallback of
// collect/prometheus and coarser: metrics-server reads each kubelet every
// --metric-resolution (15 s by default), a reading's CPU is a rate
// averaged over its own window, and memory is the working set at that
// instant. The collector turns the rates into cumulative CPU (rate times
// the time since the previous reading) so that collect.Window cuts it
// like any other series; a window shorter than a few resolutions gives a
// figure with little behind it, and the Source says so.
package metricsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/rest"

	"github.com/smp-dev/smp/collect"
)

// GroupVersion is the API polled.
const GroupVersion = "metrics.k8s.io/v1beta1"

// Collector polls pod metrics. Configure it before Start.
type Collector struct {
	// Config reaches the API server (from a kubeconfig, or in-cluster).
	Config *rest.Config
	// Interval is the polling period, default 5 s: a third of
	// metrics-server's default resolution, so that each new reading is
	// seen soon after it is made. Repeated readings are dropped.
	Interval time.Duration
	// Timeout bounds each request, default 10 s.
	Timeout time.Duration

	client  *http.Client
	base    *url.URL
	mu      sync.Mutex
	series  []collect.Series
	last    []time.Time // the timestamp of each series' last reading
	stop    func()
	ctx     context.Context
	started bool
}

var _ collect.Collector = (*Collector)(nil)

// Start implements collect.Collector: it checks that the API is served
// (failing fast, naming the server) and starts polling.
func (c *Collector) Start(ctx context.Context, targets []collect.Target) error {
	if c.started {
		return errors.New("metrics API collector: already started")
	}
	if c.Config == nil || c.Config.Host == "" {
		return errors.New("metrics API collector: config: expected a REST config with a host")
	}
	if c.Interval < 0 || c.Timeout < 0 {
		return fmt.Errorf("metrics API collector: interval %v, timeout %v: expected neither negative", c.Interval, c.Timeout)
	}
	if c.Interval == 0 {
		c.Interval = 5 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	client, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return fmt.Errorf("metrics API collector: %s: %w", c.Config.Host, err)
	}
	host := c.Config.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	base, err := url.Parse(host)
	if err != nil {
		return fmt.Errorf("metrics API collector: host %q: %w", c.Config.Host, err)
	}
	c.client, c.base = client, base
	var list struct {
		GroupVersion string `json:"groupVersion"`
	}
	if err := c.get(ctx, "/apis/"+GroupVersion, &list); err != nil || list.GroupVersion != GroupVersion {
		if err == nil {
			err = fmt.Errorf("groupVersion %q", list.GroupVersion)
		}
		return fmt.Errorf("metrics API collector: %s does not serve %s (is metrics-server installed?): %w", c.Config.Host, GroupVersion, err)
	}
	c.series = make([]collect.Series, len(targets))
	c.last = make([]time.Time, len(targets))
	for i, t := range targets {
		c.series[i] = collect.Series{Target: t, Source: source(t, 0)}
		if t.Namespace == "" || t.Pod == "" {
			c.series[i].Note = fmt.Sprintf("target %q: namespace %q, pod %q: expected both set", t.Name, t.Namespace, t.Pod)
		}
	}
	c.started = true
	c.ctx = ctx
	c.stop = collect.Poll(ctx, c.Interval, c.poll)
	return nil
}

// Stop implements collect.Collector: a last poll, then the series.
func (c *Collector) Stop() []collect.Series {
	if !c.started {
		return nil
	}
	c.started = false
	c.stop()
	c.poll(context.WithoutCancel(c.ctx))
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.series {
		if len(c.series[i].Samples) == 0 && c.series[i].Note == "" {
			c.series[i].Note = "the metrics API returned no reading for this target"
		}
	}
	return c.series
}

func source(t collect.Target, window time.Duration) string {
	w := "unknown"
	if window > 0 {
		w = window.String()
	}
	return fmt.Sprintf("metrics.k8s.io: GET /apis/%s/namespaces/%s/pods/%s, container %q; CPU rate over each reading's window (%s, metrics-server resolution) integrated, memory working set at each reading; coarser than Prometheus",
		GroupVersion, t.Namespace, t.Pod, containerOrAll(t.Container), w)
}

func containerOrAll(name string) string {
	if name == "" {
		return "(all)"
	}
	return name
}

// podMetrics is the part of a PodMetrics object smp reads.
type podMetrics struct {
	Timestamp  time.Time `json:"timestamp"`
	Window     string    `json:"window"`
	Containers []struct {
		Name  string            `json:"name"`
		Usage map[string]string `json:"usage"`
	} `json:"containers"`
}

// poll reads every target once and appends new readings.
func (c *Collector) poll(ctx context.Context) {
	for i := range c.series {
		c.mu.Lock()
		t, note := c.series[i].Target, c.series[i].Note
		c.mu.Unlock()
		if t.Namespace == "" || t.Pod == "" {
			continue
		}
		var pm podMetrics
		err := c.get(ctx, "/apis/"+GroupVersion+"/namespaces/"+url.PathEscape(t.Namespace)+"/pods/"+url.PathEscape(t.Pod), &pm)
		c.mu.Lock()
		if err != nil {
			if ctx.Err() == nil && len(c.series[i].Samples) == 0 && note == "" {
				c.series[i].Note = err.Error()
			}
			c.mu.Unlock()
			continue
		}
		if err := c.add(i, pm); err != nil {
			c.series[i].Note = err.Error()
		}
		c.mu.Unlock()
	}
}

// add turns one reading into a sample; c.mu is held.
func (c *Collector) add(i int, pm podMetrics) error {
	s := &c.series[i]
	if !pm.Timestamp.After(c.last[i]) {
		return nil // the same reading again
	}
	window, err := time.ParseDuration(pm.Window)
	if err != nil || window <= 0 {
		return fmt.Errorf("pod metrics window %q: expected a positive duration", pm.Window)
	}
	var cores float64
	var mem int64
	found := false
	for _, ct := range pm.Containers {
		if s.Container != "" && ct.Name != s.Container {
			continue
		}
		cpuQ, err := resource.ParseQuantity(ct.Usage["cpu"])
		if err != nil {
			return fmt.Errorf("container %s cpu %q: %w", ct.Name, ct.Usage["cpu"], err)
		}
		memQ, err := resource.ParseQuantity(ct.Usage["memory"])
		if err != nil {
			return fmt.Errorf("container %s memory %q: %w", ct.Name, ct.Usage["memory"], err)
		}
		cores += cpuQ.AsApproximateFloat64()
		mem += memQ.Value()
		found = true
	}
	if !found {
		return fmt.Errorf("pod %s/%s has no container %q in the metrics API", s.Namespace, s.Pod, s.Container)
	}
	s.Note = ""
	s.Source = source(s.Target, window)
	if len(s.Samples) == 0 {
		// The first reading covers its window: the counter starts there.
		s.Samples = append(s.Samples, collect.Sample{At: pm.Timestamp.Add(-window), RSS: mem})
	}
	prev := s.Samples[len(s.Samples)-1]
	cpu := prev.CPU + time.Duration(cores*float64(pm.Timestamp.Sub(prev.At)))
	s.Samples = append(s.Samples, collect.Sample{At: pm.Timestamp, CPU: cpu, RSS: mem})
	c.last[i] = pm.Timestamp
	return nil
}

// get does one request with the timeout and decodes the JSON answer.
func (c *Collector) get(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d: %.200s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}
