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
	Samples   int     `json:"samples"`
	Source    string  `json:"source"` // e.g. "procfs: /proc/PID/stat utime+stime, /proc/PID/status VmRSS"
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
