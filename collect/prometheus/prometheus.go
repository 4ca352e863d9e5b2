// Package prometheus is a collect.Collector for containers in a cluster:
// it reads cAdvisor's counters from a Prometheus server after the run,
// instead of sampling while load runs. Start checks that the server
// answers and remembers the time; Stop asks /api/v1/query_range for
// every target's cumulative CPU (container_cpu_usage_seconds_total) and
// working-set memory (container_memory_working_set_bytes, what
// `kubectl top` shows) from a little before Start to a little after Stop.
//
// Only net/http and encoding/json talk to the server; the response types
// are prometheus/common/model's.
package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/smp-dev/smp/collect"
)

// Metric names read from cAdvisor (through the kubelet's /metrics/cadvisor).
const (
	CPUMetric    = "container_cpu_usage_seconds_total"  // counter, seconds
	MemoryMetric = "container_memory_working_set_bytes" // gauge, bytes
)

// DefaultScrapeInterval is assumed when Collector.ScrapeInterval is zero:
// the interval most cAdvisor scrape configs use. Set the real one; see
// Collector.ScrapeInterval for why it matters.
const DefaultScrapeInterval = 15 * time.Second

// Collector reads container resources from Prometheus. Configure it before
// Start; Start and Stop are called once each, from one goroutine.
type Collector struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:9090 (a path
	// prefix such as /prometheus is kept).
	URL string
	// ScrapeInterval is how often Prometheus scrapes cAdvisor; it is the
	// query_range step. A smaller step repeats each scraped value (a
	// staircase: zero CPU rate between scrapes and spikes at them), a
	// larger one throws scrapes away; equal steps give one point per
	// scrape, all shifted by the same phase (less than one interval),
	// which leaves rates unchanged. Default: the server's own global
	// scrape_interval (from /api/v1/status/config), else
	// DefaultScrapeInterval.
	ScrapeInterval time.Duration
	// Margin widens the queried range on both sides so that a window cut
	// (collect.Window) has a sample before its start and after its end.
	// Default two scrape intervals. Stop waits until the end of the
	// range has been scraped (Margin plus one second) before it asks.
	Margin time.Duration
	// Timeout bounds each HTTP request. Default 10s.
	Timeout time.Duration
	// Client is the HTTP client. Default one without a timeout of its own
	// (Timeout applies through the request's context).
	Client *http.Client

	base    *url.URL
	ctx     context.Context
	start   time.Time
	targets []collect.Target
	started bool
	mu      sync.Mutex
}

var _ collect.Collector = (*Collector)(nil)

// Start implements collect.Collector: it checks that the server answers
// and records the start of the range. It fails fast, naming the URL.
func (c *Collector) Start(ctx context.Context, targets []collect.Target) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return errors.New("prometheus collector: already started")
	}
	base, err := url.Parse(c.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("prometheus collector: url %q: expected http(s)://host:port", c.URL)
	}
	if c.ScrapeInterval < 0 || c.Margin < 0 || c.Timeout < 0 {
		return fmt.Errorf("prometheus collector: scrapeInterval %v, margin %v, timeout %v: expected none negative",
			c.ScrapeInterval, c.Margin, c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Client == nil {
		c.Client = &http.Client{}
	}
	c.base = base
	if err := c.ping(ctx); err != nil {
		return fmt.Errorf("prometheus collector: %s does not answer as a Prometheus server: %w", c.URL, err)
	}
	if c.ScrapeInterval == 0 {
		c.ScrapeInterval = c.serverInterval(ctx)
	}
	if c.Margin == 0 {
		c.Margin = 2 * c.ScrapeInterval
	}
	c.ctx, c.targets, c.start, c.started = ctx, targets, time.Now(), true
	return nil
}

// Stop implements collect.Collector: it waits until the range's end has
// been scraped (unless the Start context is done), then queries every
// target. A target without data gets an empty series with a Note.
func (c *Collector) Stop() []collect.Series {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return nil
	}
	c.started = false
	end := time.Now().Add(c.Margin)
	settle := time.NewTimer(time.Until(end) + time.Second)
	select {
	case <-settle.C:
	case <-c.ctx.Done():
		settle.Stop()
		end = time.Now() // cancelled: take what has been scraped
	}
	// The queries run even when the run was cancelled, so that a partial
	// report still says what the proxies cost; each has its Timeout.
	ctx := context.WithoutCancel(c.ctx)
	from := c.start.Add(-c.Margin)
	out := make([]collect.Series, len(c.targets))
	for i, t := range c.targets {
		out[i] = c.series(ctx, t, from, end)
	}
	return out
}

// series queries one target.
func (c *Collector) series(ctx context.Context, t collect.Target, from, to time.Time) collect.Series {
	s := collect.Series{Target: t}
	sel, err := Selector(t)
	if err != nil {
		s.Note = err.Error()
		return s
	}
	cpuQ, memQ := "sum("+CPUMetric+sel+")", "sum("+MemoryMetric+sel+")"
	s.Source = fmt.Sprintf("prometheus %s query_range step=%v: cpu %s; memory %s", c.URL, c.ScrapeInterval, cpuQ, memQ)
	cpu, err := c.queryRange(ctx, cpuQ, from, to)
	if err != nil {
		s.Note = err.Error()
		return s
	}
	mem, err := c.queryRange(ctx, memQ, from, to)
	if err != nil {
		s.Note = err.Error()
		return s
	}
	s.Samples, s.Note = join(cpu, mem)
	return s
}

// Selector is the label matcher of a target: namespace and pod, and the
// container when the target names one. Without a container it matches
// every container of the pod but the pod-level cgroup (container="") and
// the pause container (container="POD"), so that sum() counts each once.
func Selector(t collect.Target) (string, error) {
	if t.Namespace == "" || t.Pod == "" {
		return "", fmt.Errorf("target %q: namespace %q, pod %q: expected both set", t.Name, t.Namespace, t.Pod)
	}
	if t.Container == "POD" {
		return "", fmt.Errorf("target %q: container %q is the pause container: expected an application or proxy container", t.Name, t.Container)
	}
	sel := "{namespace=" + strconv.Quote(t.Namespace) + ",pod=" + strconv.Quote(t.Pod)
	if prefix, ok := strings.CutSuffix(t.Pod, "*"); ok {
		sel = "{namespace=" + strconv.Quote(t.Namespace) + ",pod=~" + strconv.Quote(regexp.QuoteMeta(prefix)+".+")
	}
	if t.Container != "" {
		sel += ",container=" + strconv.Quote(t.Container)
	} else {
		sel += `,container!="",container!="POD"`
	}
	return sel + "}", nil
}

// join turns the CPU and memory results into samples at the instants both
// have, CPU made cumulative across counter resets. A missing result
// yields no samples and a note naming it.
func join(cpu, mem model.Matrix) ([]collect.Sample, string) {
	switch {
	case len(cpu) == 0 && len(mem) == 0:
		return nil, "no " + CPUMetric + " and no " + MemoryMetric + " series for this target in the range (wrong namespace/pod/container, or not scraped)"
	case len(cpu) == 0:
		return nil, "no " + CPUMetric + " series for this target in the range"
	case len(mem) == 0:
		return nil, "no " + MemoryMetric + " series for this target in the range"
	case len(cpu) > 1 || len(mem) > 1:
		return nil, fmt.Sprintf("sum() returned %d cpu and %d memory series: expected one each", len(cpu), len(mem))
	}
	bytesAt := map[model.Time]model.SampleValue{}
	for _, p := range mem[0].Values {
		bytesAt[p.Timestamp] = p.Value
	}
	var out []collect.Sample
	for _, x := range Cumulative(cpu[0].Values) {
		b, ok := bytesAt[model.TimeFromUnixNano(x.At.UnixNano())]
		if !ok {
			continue
		}
		x.RSS = int64(b)
		out = append(out, x)
	}
	if len(out) == 0 {
		return nil, "cpu and memory series share no timestamp in the range"
	}
	return out, ""
}

// Cumulative converts a counter's points (seconds) into samples of
// cumulative CPU time that never go down: when the counter drops (the
// container restarted and its counter began again from zero), the value
// before the drop is carried over, as Prometheus's rate() does. Points
// must be in time order, as Prometheus returns them.
func Cumulative(points []model.SamplePair) []collect.Sample {
	out := make([]collect.Sample, 0, len(points))
	var offset, prev float64
	for i, p := range points {
		v := float64(p.Value)
		if i > 0 && v < prev {
			offset += prev
		}
		prev = v
		out = append(out, collect.Sample{
			At:  p.Timestamp.Time(),
			CPU: time.Duration((v + offset) * float64(time.Second)),
		})
	}
	return out
}

// apiResponse is the envelope of every Prometheus HTTP API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// ping asks for the server's build information.
func (c *Collector) ping(ctx context.Context) error {
	var info struct {
		Version string `json:"version"`
	}
	if err := c.get(ctx, "/api/v1/status/buildinfo", nil, &info); err != nil {
		return err
	}
	if info.Version == "" {
		return errors.New("buildinfo has no version")
	}
	return nil
}

// serverInterval is the server's global scrape_interval, read from its
// configuration (/api/v1/status/config); DefaultScrapeInterval when it
// cannot be read.
func (c *Collector) serverInterval(ctx context.Context) time.Duration {
	var cfg struct {
		YAML string `json:"yaml"`
	}
	if err := c.get(ctx, "/api/v1/status/config", nil, &cfg); err != nil {
		return DefaultScrapeInterval
	}
	if d, ok := globalScrapeInterval(cfg.YAML); ok {
		return d
	}
	return DefaultScrapeInterval
}

// globalScrapeInterval finds global.scrape_interval in a Prometheus
// configuration as the server prints it (two-space indented YAML).
func globalScrapeInterval(yaml string) (time.Duration, bool) {
	inGlobal := false
	for _, line := range strings.Split(yaml, "\n") {
		if line != "" && line[0] != ' ' {
			inGlobal = strings.HasPrefix(line, "global:")
			continue
		}
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "scrape_interval:")
		if !inGlobal || !ok {
			continue
		}
		d, err := model.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return 0, false
		}
		return time.Duration(d), true
	}
	return 0, false
}

// queryRange runs one range query and returns its matrix.
func (c *Collector) queryRange(ctx context.Context, q string, from, to time.Time) (model.Matrix, error) {
	v := url.Values{}
	v.Set("query", q)
	v.Set("start", formatTime(from))
	v.Set("end", formatTime(to))
	v.Set("step", strconv.FormatFloat(c.ScrapeInterval.Seconds(), 'f', -1, 64))
	var data struct {
		ResultType string       `json:"resultType"`
		Result     model.Matrix `json:"result"`
	}
	if err := c.get(ctx, "/api/v1/query_range", v, &data); err != nil {
		return nil, fmt.Errorf("query_range %s: %w", q, err)
	}
	if data.ResultType != "matrix" {
		return nil, fmt.Errorf("query_range %s: result type %q: expected matrix", q, data.ResultType)
	}
	for _, ss := range data.Result {
		sort.Slice(ss.Values, func(i, j int) bool { return ss.Values[i].Timestamp < ss.Values[j].Timestamp })
	}
	return data.Result, nil
}

// get does one API call with the per-request timeout and decodes its data.
func (c *Collector) get(ctx context.Context, path string, q url.Values, data any) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u.Path, err)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("GET %s: HTTP %d, not a Prometheus API answer: %.120q", u.Path, resp.StatusCode, body)
	}
	if r.Status != "success" {
		return fmt.Errorf("GET %s: HTTP %d, %s: %s", u.Path, resp.StatusCode, r.ErrorType, r.Error)
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		return fmt.Errorf("GET %s: data: %w", u.Path, err)
	}
	return nil
}

// formatTime is Unix seconds with millisecond precision, Prometheus's own.
func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}
