package report

// Component roles.
const (
	RoleProxy  = "proxy"
	RoleApp    = "app"
	RoleClient = "client"
)

// Component is one process (or container) a scenario ran, and what it cost
// over the measurement window.
type Component struct {
	Name string `json:"name"`
	Role string `json:"role"` // proxy | app | client
	PID  int    `json:"pid,omitempty"`
	// Namespace, Pod and Container identify a component in a cluster.
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	// CPU in thousandths of a core: the average over the window and the
	// largest one-interval sample.
	CPUMcores    float64 `json:"cpuMcores"`
	CPUMcoresMax float64 `json:"cpuMcoresMax"`
	// Resident memory in MiB: average and largest sample.
	MemMB    float64 `json:"memMB"`
	MemMBMax float64 `json:"memMBMax"`
	// StartupMs is the time from process start to the first request that
	// succeeded through it; 0 when not measured.
	StartupMs float64 `json:"startupMs,omitempty"`
	// StartupSteps are the steps of its start, in ms from its creation,
	// where the platform sees them (Kubernetes: scheduled, initialized,
	// container started, ready).
	StartupSteps []StartupStep `json:"startupSteps,omitempty"`
	Samples      int           `json:"samples"`
	Source       string        `json:"source"` // e.g. "procfs: /proc/PID/stat utime+stime, /proc/PID/status VmRSS"
	// Proxy is the proxy's own view of the requests that passed through
	// it, where it exposes metrics; nil otherwise.
	Proxy *ProxyView `json:"proxy,omitempty"`
	// Note says why figures are missing (e.g. no series for it in
	// Prometheus): its zeros then mean "not measured".
	Note string `json:"note,omitempty"`
}

// StartupStep is one step of a component's start.
type StartupStep struct {
	Name string  `json:"name"`
	Ms   float64 `json:"ms"` // since the component was created
}

// ProxyView is what a proxy itself counted between just before the load
// started and just after it ended (so warmup included), read from its own
// metrics endpoint.
type ProxyView struct {
	Requests  uint64            `json:"requests"`
	Responses map[string]uint64 `json:"responses,omitempty"` // by status class
	// P50Ms and P99Ms are estimated from the proxy's latency histogram
	// (linear inside a bucket, as PromQL's histogram_quantile); absent
	// when the proxy has none.
	P50Ms  float64 `json:"p50Ms,omitempty"`
	P99Ms  float64 `json:"p99Ms,omitempty"`
	Source string  `json:"source"`
}

// RoleUsage aggregates the components of one role.
type RoleUsage struct {
	Count          int     `json:"count"`
	CPUMcores      float64 `json:"cpuMcores"`      // average per component
	CPUMcoresTotal float64 `json:"cpuMcoresTotal"` // all components together
	MemMB          float64 `json:"memMB"`          // average per component
	MemMBMax       float64 `json:"memMBMax"`       // largest sample of any component
	// CPUMcoresPer1kRps is CPUMcores per component per 1000 requests/s of
	// achieved load (the unit Istio publishes its sidecar cost in).
	CPUMcoresPer1kRps float64 `json:"cpuMcoresPer1kRps"`
	Source            string  `json:"source"`
}

// Resources holds the usage per role.
type Resources struct {
	Proxy  *RoleUsage `json:"proxy,omitempty"`
	App    *RoleUsage `json:"app,omitempty"`
	Client *RoleUsage `json:"client,omitempty"`
}

// StartupStats summarizes startup times of one role.
type StartupStats struct {
	Count  int     `json:"count"`
	MeanMs float64 `json:"meanMs"`
	MaxMs  float64 `json:"maxMs"`
}

// Startup holds startup times per role.
type Startup struct {
	Proxy *StartupStats `json:"proxy,omitempty"`
	App   *StartupStats `json:"app,omitempty"`
}

// Aggregate sums components up per role. achievedRate (requests/s) turns
// CPU into CPU per 1000 requests/s.
func Aggregate(components []Component, achievedRate float64) (*Resources, *Startup) {
	res, st := &Resources{}, &Startup{}
	for _, role := range []string{RoleProxy, RoleApp, RoleClient} {
		var u RoleUsage
		var su StartupStats
		var startupSum float64
		for _, c := range components {
			if c.Role != role {
				continue
			}
			// A component not measured (its note says why) is left out
			// of the role's figures rather than counted as zero.
			if c.Note == "" || c.Samples > 0 {
				u.Count++
				u.CPUMcoresTotal += c.CPUMcores
				u.MemMB += c.MemMB
				u.MemMBMax = max(u.MemMBMax, c.MemMBMax)
				u.Source = c.Source
			}
			if c.StartupMs > 0 {
				su.Count++
				startupSum += c.StartupMs
				su.MaxMs = max(su.MaxMs, c.StartupMs)
			}
		}
		if u.Count == 0 {
			if su.Count > 0 {
				st.set(role, &StartupStats{Count: su.Count, MeanMs: round(startupSum/float64(su.Count), 2), MaxMs: round(su.MaxMs, 2)})
			}
			continue
		}
		u.CPUMcores = round(u.CPUMcoresTotal/float64(u.Count), 1)
		u.CPUMcoresTotal = round(u.CPUMcoresTotal, 1)
		u.MemMB = round(u.MemMB/float64(u.Count), 1)
		u.MemMBMax = round(u.MemMBMax, 1)
		if achievedRate > 0 {
			u.CPUMcoresPer1kRps = round(u.CPUMcores/(achievedRate/1000), 1)
		}
		res.set(role, &u)
		if su.Count > 0 {
			su.MeanMs = round(startupSum/float64(su.Count), 2)
			su.MaxMs = round(su.MaxMs, 2)
			st.set(role, &su)
		}
	}
	if res.Proxy == nil && res.App == nil && res.Client == nil {
		res = nil
	}
	if st.Proxy == nil && st.App == nil {
		st = nil
	}
	return res, st
}

func (r *Resources) set(role string, u *RoleUsage) {
	switch role {
	case RoleProxy:
		r.Proxy = u
	case RoleApp:
		r.App = u
	case RoleClient:
		r.Client = u
	}
}

func (s *Startup) set(role string, st *StartupStats) {
	switch role {
	case RoleProxy:
		s.Proxy = st
	case RoleApp:
		s.App = st
	}
}

// PoolResources summarizes the iterations' resources and startup times: the
// per-role figures are averaged over iterations (each iteration's window is
// a sample of the same deployment), maxima are the largest seen, and
// startup statistics pool every component start.
func PoolResources(its []Iteration) (*Resources, *Startup) {
	var comps []Component
	var rate float64
	n := 0
	for _, it := range its {
		if len(it.Components) == 0 {
			continue
		}
		n++
		rate += it.AchievedRate
		comps = append(comps, it.Components...)
	}
	if n == 0 {
		return nil, nil
	}
	// Averaging every component sample over all iterations averages the
	// per-iteration figures, as each iteration has the same components.
	res, st := Aggregate(comps, rate/float64(n))
	if res != nil {
		for _, u := range []*RoleUsage{res.Proxy, res.App, res.Client} {
			if u != nil {
				u.Count /= n
				u.CPUMcoresTotal = round(u.CPUMcoresTotal/float64(n), 1)
			}
		}
	}
	return res, st
}
