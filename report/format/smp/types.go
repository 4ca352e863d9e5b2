package smp

import "time"

// SpecVersion is the SMP release whose protos this package writes
// (service-mesh-performance v0.6.1; its protos are unchanged since), the
// smp_version of every message.
const SpecVersion = "v0.6.1"

// Document is what Export writes: smp's own envelope (the specification
// has no message holding a whole run) around SMP messages: the test, the
// environment, and one mesh configuration and result per scenario.
type Document struct {
	Test        *PerformanceTestConfig `json:"test"`
	Environment *EnvironmentConfig     `json:"environment"`
	Results     []ScenarioResult       `json:"results"`
}

// ScenarioResult pairs a scenario's mesh configuration and result.
type ScenarioResult struct {
	Mesh   *ServiceMeshConfig     `json:"mesh"`
	Result *PerformanceTestResult `json:"result"`
}

// PerformanceTestConfig is the SMP message of that name.
type PerformanceTestConfig struct {
	SMPVersion string            `json:"smp_version,omitempty"`
	ID         string            `json:"id,omitempty"`
	Name       string            `json:"name,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Clients    []Client          `json:"clients,omitempty"`
	// Duration is the time the endpoint is under load, warmup included
	// (smp's load.duration), as a Go duration ("10s").
	Duration string `json:"duration,omitempty"`
}

// Client is PerformanceTestConfig.Client: one load generator.
type Client struct {
	Internal      bool              `json:"internal,omitempty"`
	LoadGenerator string            `json:"load_generator,omitempty"`
	Protocol      string            `json:"protocol,omitempty"` // Client.Protocol value name: PROTOCOL_HTTP, …
	Connections   int32             `json:"connections,omitempty"`
	RPS           int64             `json:"rps,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	Body          string            `json:"body,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`
	EndpointURLs  []string          `json:"endpoint_urls,omitempty"`
}

// Client.Protocol value names.
const (
	ProtocolHTTP = "PROTOCOL_HTTP"
	ProtocolTCP  = "PROTOCOL_TCP"
	ProtocolGRPC = "PROTOCOL_GRPC"
)

// PerformanceTestResult is the SMP message of that name.
type PerformanceTestResult struct {
	SMPVersion string            `json:"smp_version,omitempty"`
	ID         string            `json:"id,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	// StartTime and EndTime bound the measurement: the first iteration's
	// window start (after its warmup) and the last one's end, in UTC.
	StartTime    *time.Time `json:"start_time,omitempty"`
	EndTime      *time.Time `json:"end_time,omitempty"`
	LatenciesMs  *Latencies `json:"latencies_ms,omitempty"`
	ActualQPS    float64    `json:"actual_qps,omitempty"`
	TestID       string     `json:"test_id,omitempty"`
	MeshConfigID string     `json:"mesh_config_id,omitempty"`
	EnvID        string     `json:"env_id,omitempty"`
}

// Latencies is PerformanceTestResult.Latency, in milliseconds.
type Latencies struct {
	Min     float64 `json:"min"`
	Average float64 `json:"average"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

// ServiceMeshConfig is the SMP message of that name (the fields smp can
// fill).
type ServiceMeshConfig struct {
	SMPVersion       string            `json:"smp_version,omitempty"`
	ID               string            `json:"id,omitempty"`
	Labels           map[string]string `json:"labels,omitempty"`
	Sidecar          *Usage            `json:"sidecar,omitempty"`
	MeshControlPlane *ControlPlane     `json:"mesh_control_plane,omitempty"`
	MTLSEnabled      bool              `json:"mtls_enabled,omitempty"`
	ProxyConcurrency int32             `json:"proxy_concurrency,omitempty"`
	MeshType         *ServiceMesh      `json:"mesh_type,omitempty"`
}

// ServiceMesh is the SMP message of that name (service_mesh.proto).
type ServiceMesh struct {
	Type    string `json:"type,omitempty"` // ServiceMesh.Type value name: ISTIO, LINKERD, …
	Version string `json:"version,omitempty"`
}

// Usage is ServiceMeshConfig.Sidecar: count, CPU in mCores and memory in
// MB of all sidecars, and the rps through them.
type Usage struct {
	Count     int32 `json:"count,omitempty"`
	CPUMcores int32 `json:"cpu_mcores,omitempty"`
	MemMB     int32 `json:"mem_mb,omitempty"`
	RPS       int32 `json:"rps,omitempty"`
}

// ControlPlane is ServiceMeshConfig.MeshControlPlane (the fields smp can
// fill).
type ControlPlane struct {
	CPUMcores int32 `json:"cpu_mcores,omitempty"`
	MemMB     int32 `json:"mem_mb,omitempty"`
	Services  int32 `json:"services,omitempty"`
	Sidecars  int32 `json:"sidecars,omitempty"`
	// CDSLatencyMs is how long a cluster change took to reach 90% of the
	// clients (nearest rank, those that never saw it counted as slowest).
	CDSLatencyMs int32 `json:"cds_latency_ms,omitempty"`
}

// EnvironmentConfig is the SMP message of that name.
type EnvironmentConfig struct {
	SMPVersion          string               `json:"smp_version,omitempty"`
	ID                  string               `json:"id,omitempty"`
	Labels              map[string]string    `json:"labels,omitempty"`
	Nodes               []Node               `json:"nodes,omitempty"`
	IndividualWorkloads []IndividualWorkload `json:"individual_workloads,omitempty"`
}

// Node is EnvironmentConfig.Node.
type Node struct {
	Type  string `json:"type,omitempty"`
	Cores int32  `json:"cores,omitempty"`
	MemMB int64  `json:"mem_mb,omitempty"`
}

// IndividualWorkload is EnvironmentConfig.IndividualWorkload.
type IndividualWorkload struct {
	Name      string `json:"name,omitempty"`
	Count     int32  `json:"count,omitempty"`
	CPUMcores int32  `json:"cpu_mcores,omitempty"`
	MemMB     int32  `json:"mem_mb,omitempty"`
}
