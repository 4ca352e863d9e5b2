// Package smp writes (and reads back) a report in the Service Mesh
// Performance specification's JSON: PerformanceTestConfig for the test,
// EnvironmentConfig for the machine, and per scenario a ServiceMeshConfig
// (with the sidecar's measured cpu_mcores and mem_mb) and a
// PerformanceTestResult. Field names are the protos' own (snake_case), the
// form protobuf JSON parsers accept and Go structs generated from the
// protos decode with encoding/json; enums are their names.
//
// Every field is filled from measured or configured data or left out:
// there are no placeholders. Figures the specification has no field for
// (error rate, p99.9, per-iteration data) stay in the smp report.
package smp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/smp-dev/smp/report"
)

// Document is what Export writes: the test, the environment, and one
// mesh configuration and result per scenario.
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
	ID       string            `json:"id,omitempty"`
	Name     string            `json:"name,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Clients  []Client          `json:"clients,omitempty"`
	Duration string            `json:"duration,omitempty"`
}

// Client is PerformanceTestConfig.Client.
type Client struct {
	Internal      bool              `json:"internal,omitempty"`
	LoadGenerator string            `json:"load_generator,omitempty"`
	Protocol      string            `json:"protocol,omitempty"` // HTTP | TCP | UDP | GRPC
	Connections   int32             `json:"connections,omitempty"`
	RPS           int64             `json:"rps,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	Body          string            `json:"body,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`
	EndpointURLs  []string          `json:"endpoint_urls,omitempty"`
}

// PerformanceTestResult is the SMP message of that name.
type PerformanceTestResult struct {
	ID           string            `json:"id,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	StartTime    *time.Time        `json:"start_time,omitempty"`
	EndTime      *time.Time        `json:"end_time,omitempty"`
	LatenciesMs  *Latencies        `json:"latencies_ms,omitempty"`
	ActualQPS    float64           `json:"actual_qps,omitempty"`
	TestID       string            `json:"test_id,omitempty"`
	MeshConfigID string            `json:"mesh_config_id,omitempty"`
	EnvID        string            `json:"env_id,omitempty"`
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
	ID               string            `json:"id,omitempty"`
	Labels           map[string]string `json:"labels,omitempty"`
	Sidecar          *Usage            `json:"sidecar,omitempty"`
	MTLSEnabled      bool              `json:"mtls_enabled,omitempty"`
	ProxyConcurrency int32             `json:"proxy_concurrency,omitempty"`
	MeshType         string            `json:"mesh_type,omitempty"` // ServiceMesh.Type name: ISTIO, LINKERD, …
}

// Usage is the shape of Sidecar (and the gateways): count, CPU in
// mCores and memory in MB of all of them, and the rps through them.
type Usage struct {
	Count     int32 `json:"count,omitempty"`
	CPUMcores int32 `json:"cpu_mcores,omitempty"`
	MemMB     int32 `json:"mem_mb,omitempty"`
	RPS       int32 `json:"rps,omitempty"`
}

// EnvironmentConfig is the SMP message of that name.
type EnvironmentConfig struct {
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

// meshTypeName maps an smp mesh type to its ServiceMesh.Type name; types
// without one (local proxies such as haproxy) return "", so mesh_type is
// left out and the type is kept in labels.
func meshTypeName(t string) string {
	switch t {
	case "app-mesh":
		return "APP_MESH"
	case "consul":
		return "CONSUL"
	case "istio":
		return "ISTIO"
	case "kuma":
		return "KUMA"
	case "linkerd":
		return "LINKERD"
	case "traefik-mesh":
		return "TRAEFIK_MESH"
	case "octarine":
		return "OCTARINE"
	case "nsm", "network-service-mesh":
		return "NETWORK_SERVICE_MESH"
	case "tanzu":
		return "TANZU"
	case "osm", "open-service-mesh":
		return "OPEN_SERVICE_MESH"
	case "nginx-service-mesh":
		return "NGINX_SERVICE_MESH"
	case "cilium", "cilium-service-mesh":
		return "CILIUM_SERVICE_MESH"
	}
	return ""
}

// Export converts r.
func Export(r *report.Report) *Document {
	id := r.StartTime.UTC().Format("20060102T150405Z")
	if r.Test != nil && r.Test.Metadata.Name != "" {
		id = r.Test.Metadata.Name + "-" + id
	}
	doc := &Document{Test: testConfig(r, id), Environment: envConfig(r, id+"/environment")}
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		meshID := id + "/" + s.Name
		doc.Results = append(doc.Results, ScenarioResult{Mesh: meshConfig(s, meshID), Result: result(s, id, meshID, doc.Environment.ID)})
	}
	return doc
}

func testConfig(r *report.Report, id string) *PerformanceTestConfig {
	c := &PerformanceTestConfig{ID: id}
	t := r.Test
	if t == nil {
		return c
	}
	c.Name, c.Labels = t.Metadata.Name, t.Metadata.Labels
	if d := time.Duration(t.Load.Duration - t.Load.Warmup); d > 0 {
		c.Duration = d.String()
	}
	cl := Client{Internal: true, LoadGenerator: "smp", Connections: int32(min(t.Load.Connections, math.MaxInt32)),
		Body: t.Load.Request.Body}
	// Redacted secrets are not data: those headers are left out.
	for k, v := range t.Load.Request.Headers {
		if v == "REDACTED" {
			continue
		}
		if cl.Headers == nil {
			cl.Headers = map[string]string{}
		}
		cl.Headers[k] = v
	}
	if t.Load.Generator != "" && t.Load.Generator != "builtin" {
		cl.LoadGenerator = t.Load.Generator
	}
	switch t.Load.Protocol {
	case "http1", "http2", "":
		cl.Protocol = "HTTP"
	case "grpc":
		cl.Protocol = "GRPC"
	case "tcp":
		cl.Protocol = "TCP"
	}
	if t.Load.Rate > 0 {
		cl.RPS = int64(math.Round(t.Load.Rate))
	}
	for k, v := range t.Load.Request.Headers {
		if http := http1Canonical(k); http == "Content-Type" {
			cl.ContentType = v
		}
	}
	if t.Workload.URL != "" {
		cl.EndpointURLs = []string{t.Workload.URL}
	}
	c.Clients = []Client{cl}
	return c
}

func http1Canonical(k string) string {
	b := []byte(k)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 32
		} else if !up && c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
		up = c == '-'
	}
	return string(b)
}

func envConfig(r *report.Report, id string) *EnvironmentConfig {
	e := &EnvironmentConfig{ID: id, Labels: map[string]string{}}
	env := r.Environment
	for k, v := range env.Labels {
		e.Labels[k] = v
	}
	for k, v := range map[string]string{"hostname": env.Hostname, "os": env.OS, "kernel": env.Kernel, "go_version": env.GoVersion} {
		if v != "" {
			e.Labels[k] = v
		}
	}
	if env.CPUs > 0 || env.CPUModel != "" || env.MemoryMB > 0 {
		e.Nodes = []Node{{Type: env.CPUModel, Cores: int32(min(env.CPUs, math.MaxInt32)), MemMB: int64(env.MemoryMB)}}
	}
	// Workloads: each role of the first scenario that measured it.
	seen := map[string]bool{}
	for _, s := range r.Scenarios {
		res := s.Summary.Resources
		if res == nil {
			continue
		}
		for _, w := range []struct {
			name string
			u    *report.RoleUsage
		}{{report.RoleApp, res.App}, {report.RoleClient, res.Client}} {
			if w.u == nil || seen[w.name] {
				continue
			}
			seen[w.name] = true
			e.IndividualWorkloads = append(e.IndividualWorkloads, IndividualWorkload{Name: w.name, Count: int32(w.u.Count),
				CPUMcores: i32(w.u.CPUMcores), MemMB: i32(w.u.MemMB)})
		}
	}
	if len(e.Labels) == 0 {
		e.Labels = nil
	}
	return e
}

func meshConfig(s *report.Scenario, id string) *ServiceMeshConfig {
	m := &ServiceMeshConfig{ID: id, MTLSEnabled: s.Mesh.MTLS, ProxyConcurrency: int32(min(s.Mesh.Concurrency, math.MaxInt32)),
		MeshType: meshTypeName(s.Mesh.Type), Labels: map[string]string{"scenario": s.Name, "mesh": s.Mesh.Type}}
	if res := s.Summary.Resources; res != nil && res.Proxy != nil {
		p := res.Proxy
		m.Sidecar = &Usage{Count: int32(p.Count), CPUMcores: i32(p.CPUMcoresTotal), MemMB: i32(p.MemMB * float64(p.Count)),
			RPS: i32(s.Summary.AchievedRate)}
	}
	return m
}

func result(s *report.Scenario, testID, meshID, envID string) *PerformanceTestResult {
	res := &PerformanceTestResult{ID: meshID + "/result", Labels: map[string]string{"scenario": s.Name},
		ActualQPS: s.Summary.AchievedRate, TestID: testID, MeshConfigID: meshID, EnvID: envID}
	if n := len(s.Iterations); n > 0 {
		st, en := s.Iterations[0].StartTime.UTC(), s.Iterations[n-1].EndTime.UTC()
		res.StartTime, res.EndTime = &st, &en
	}
	if l := s.Summary.Latency; l.Count > 0 {
		res.LatenciesMs = &Latencies{Min: l.Min, Average: l.Mean, P50: l.Percentiles["p50"], P90: l.Percentiles["p90"],
			P99: l.Percentiles["p99"], Max: l.Max}
	}
	return res
}

func i32(v float64) int32 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return int32(math.Min(math.Round(v), math.MaxInt32))
}

// Write encodes d as indented JSON.
func Write(w io.Writer, d *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// ErrNotSMP is returned by Decode for JSON that is not an SMP document.
var ErrNotSMP = errors.New("not an SMP document")

// Detect reports whether data looks like a Document: an object with
// "test" and "results".
func Detect(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, t := probe["test"]
	_, r := probe["results"]
	return t && r
}

// Decode reads a Document (strictly: unknown fields are an error).
func Decode(data []byte) (*Document, error) {
	if !Detect(data) {
		return nil, fmt.Errorf("%w: expected an object with \"test\" and \"results\"", ErrNotSMP)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Document
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("SMP document: %w", err)
	}
	return &d, nil
}
