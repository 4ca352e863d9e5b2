package spec

import (
	"time"
)

// APIVersion and Kind identify a test spec document.
const (
	APIVersion = "smp/v1alpha1"
	KindTest   = "Test"
)

// Test is one benchmark: a workload, the load to drive through it, the
// scenarios (meshes) to compare, and what to measure. It is plain data: the
// JSON form is echoed verbatim (with secrets redacted) into every report.
type Test struct {
	APIVersion  string      `json:"apiVersion"`
	Kind        string      `json:"kind"`
	Metadata    Metadata    `json:"metadata"`
	Workload    Workload    `json:"workload"`
	Load        Load        `json:"load"`
	Meshes      []Mesh      `json:"meshes"`
	Iterations  int         `json:"iterations"`
	Metrics     Metrics     `json:"metrics"`
	SLO         []string    `json:"slo,omitempty"`
	Environment Environment `json:"environment"`
}

// Metadata names a test.
type Metadata struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Workload says what the load is sent to: an external URL, or an app smp
// starts itself.
type Workload struct {
	// App is "builtin" (the echo target started in-process on a free
	// loopback port) or empty when URL is set.
	App string `json:"app,omitempty"`
	// URL of an external target (http:// or https://). Exclusive with App.
	URL string `json:"url,omitempty"`
	// ResponseSize is the body size the built-in target answers with.
	ResponseSize ByteSize `json:"responseSize,omitempty"`
	// ServiceTime is how long the built-in target holds each request.
	ServiceTime Duration `json:"serviceTime,omitempty"`
	// Services is the number of sample-app services (app: sample).
	Services int `json:"services,omitempty"`
	// Topology is how sample-app services call each other: "chain" (each
	// calls the next) or "fanout" (the first calls all the others).
	Topology string `json:"topology,omitempty"`
}

// Workload apps.
const (
	AppBuiltin = "builtin" // the echo target, in smp's own process
	AppSample  = "sample"  // services as processes, meshed by the platform
)

// Sample-app topologies.
const (
	TopologyChain  = "chain"
	TopologyFanout = "fanout"
)

// Load describes the traffic.
type Load struct {
	Generator   string   `json:"generator"`   // "builtin"
	Protocol    string   `json:"protocol"`    // "http1"
	Connections int      `json:"connections"` // >= 1
	Rate        float64  `json:"rate"`        // requests/s over all connections; 0 = closed loop
	Arrival     Arrival  `json:"arrival"`
	Duration    Duration `json:"duration"` // measured time, warmup included
	Warmup      Duration `json:"warmup"`   // excluded from results; < Duration
	Timeout     Duration `json:"timeout"`  // per request
	// MaxBacklog bounds how many sends may be overdue at once in open loop;
	// sends beyond it are counted as dropped instead of sent. 0 = default.
	MaxBacklog int     `json:"maxBacklog,omitempty"`
	Request    Request `json:"request"`
}

// Arrival is the schedule of intended send times in open loop.
type Arrival struct {
	Type string `json:"type"` // "constant"
}

// Load generators, protocols and arrival types accepted by this version.
const (
	GeneratorBuiltin = "builtin"
	ProtocolHTTP1    = "http1"
	ArrivalConstant  = "constant"
)

// Request is what every request carries.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// BodySize sends a body of this many bytes (filled with 'x') when Body is empty.
	BodySize ByteSize `json:"bodySize,omitempty"`
}

// Mesh is one scenario to compare.
type Mesh struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // "none" = the no-mesh baseline
	MTLS        bool   `json:"mtls,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
}

// Mesh types.
const (
	MeshNone      = "none"      // the no-mesh baseline
	MeshReference = "reference" // smp's own minimal sidecar proxy
	MeshHAProxy   = "haproxy"
	MeshNginx     = "nginx"
	MeshEnvoy     = "envoy"
)

// Metrics says what to compute from the histograms.
type Metrics struct {
	// Percentiles to report in addition to the standard set
	// (50, 75, 90, 95, 99, 99.9, 99.99), each in (0, 100).
	Percentiles []float64 `json:"percentiles,omitempty"`
	// Buckets are histogram bucket upper bounds, ascending.
	Buckets []Duration `json:"buckets,omitempty"`
	// SampleInterval is how often resources (CPU, memory) of deployed
	// components are sampled; 0 means one second.
	SampleInterval Duration `json:"sampleInterval,omitempty"`
}

// Environment carries free labels recorded in the report.
type Environment struct {
	Labels map[string]string `json:"labels,omitempty"`
	// Placement pins the load generator and the deployed app and sidecars
	// to different CPUs.
	Placement *Placement `json:"placement,omitempty"`
}

// Placement holds CPU lists in taskset syntax: "1", "0-1", "0,2".
type Placement struct {
	Client string `json:"client,omitempty"`
	Mesh   string `json:"mesh,omitempty"`
}

// Duration is a time.Duration that reads and writes as a string like "10s",
// "250ms" or "50us".
type Duration time.Duration

// ByteSize is a size in bytes that reads "1KiB", "2MiB", "512B" or a plain
// integer, and writes as a plain integer.
type ByteSize int64
