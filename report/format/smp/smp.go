// Package smp writes (and reads back) a report in the Service Mesh
// Performance (SMP) specification's JSON, as the protos of
// service-mesh-performance v0.6.1 (protos/service_mesh_performance.proto,
// protos/service_mesh.proto) define it: PerformanceTestConfig for the test,
// EnvironmentConfig for the machine, and per scenario a ServiceMeshConfig
// and a PerformanceTestResult, inside smp's own envelope {test,
// environment, results: [{mesh, result}]} (the specification has no
// message for a whole run). Every message carries smp_version.
//
// The JSON is protobuf JSON (protojson) with the protos' own field names
// (snake_case, which protojson parsers accept besides lowerCamelCase and
// which Go structs generated from the protos decode with encoding/json);
// enums are value names (PROTOCOL_HTTP, ISTIO), mesh_type is a ServiceMesh
// message, timestamps are RFC 3339 in UTC.
//
// Durations. test.duration is what SMP means by it, the "length of time
// the endpoint will be under load": smp's load.duration, warmup included
// (-d 3s writes "3s", not the 2 s measured after a 1 s warmup); it is the
// run length Meshery hands its load generator. A result's start_time and
// end_time bound the measured windows instead (the first iteration's
// start after its warmup, the last one's end), the span its latencies_ms
// and actual_qps describe, as Meshery's start time plus Fortio's
// ActualDuration do. With several iterations the span also holds the
// later iterations' warmups and the pauses between them, which the
// figures leave out.
//
// Every field is filled from measured or configured data or left out:
// there are no placeholders. What smp has and SMP has no field for is
// left out of this format and kept in the smp report: the warmup, request
// method and timeout, arrival schedule, request mixes (SMP has one body
// per client), TLS settings (SMP's ssl_certificate is a certificate, smp
// has file paths), error counts and rate, percentiles other than p50, p90
// and p99, per-iteration figures, client CPU and memory beyond
// individual_workloads, xDS push counts and times, the control plane's
// name, pod and maxima, and the mesh's control-plane description. A mesh
// type SMP has no name for (smp's reference sidecar, haproxy, nginx,
// envoy) has no mesh_type, so no version either; labels.mesh holds smp's
// type for every scenario. Each load generator instance (load.clients) is
// one Client, with its share of the connections and the rate.
package smp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/smp-dev/smp/load/protocol"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// meshTypeName maps an smp mesh type to its ServiceMesh.Type name; types
// without one (the baseline, local proxies such as haproxy) return "".
func meshTypeName(t string) string {
	switch t {
	case "app-mesh":
		return "APP_MESH"
	case spec.MeshConsul:
		return "CONSUL"
	case spec.MeshIstio, spec.MeshIstioProxyless:
		return "ISTIO"
	case spec.MeshKuma:
		return "KUMA"
	case spec.MeshLinkerd:
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
	case spec.MeshCilium, "cilium-service-mesh":
		return "CILIUM_SERVICE_MESH"
	}
	return ""
}

// protocolName maps an smp load protocol to its Client.Protocol name.
func protocolName(p string) string {
	switch p {
	case protocol.HTTP1, protocol.H2C, protocol.HTTP2, "":
		return ProtocolHTTP
	case protocol.GRPC:
		return ProtocolGRPC
	case protocol.TCP:
		return ProtocolTCP
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
	c := &PerformanceTestConfig{SMPVersion: SpecVersion, ID: id}
	t := r.Test
	if t == nil {
		return c
	}
	c.Name, c.Labels = t.Metadata.Name, t.Metadata.Labels
	if d := time.Duration(t.Load.Duration); d > 0 {
		c.Duration = d.String()
	}
	cl := Client{Internal: true, LoadGenerator: "smp", Body: t.Load.Request.Body, Protocol: protocolName(t.Load.Protocol)}
	// Redacted secrets are not data: those headers are left out.
	for k, v := range t.Load.Request.Headers {
		if v == "REDACTED" {
			continue
		}
		if cl.Headers == nil {
			cl.Headers = map[string]string{}
		}
		cl.Headers[k] = v
		if http1Canonical(k) == "Content-Type" {
			cl.ContentType = v
		}
	}
	if t.Load.Generator != "" && t.Load.Generator != "builtin" {
		cl.LoadGenerator = t.Load.Generator
	}
	if t.Workload.URL != "" {
		cl.EndpointURLs = []string{t.Workload.URL}
	}
	// One Client per load generator instance, each with its share of
	// the connections and the rate (as loadjob.Split gives them).
	n := max(t.Load.Clients, 1)
	for i := range n {
		g := cl
		conns := t.Load.Connections / n
		if i < t.Load.Connections%n {
			conns++
		}
		g.Connections = int32(min(conns, math.MaxInt32))
		if t.Load.Rate > 0 {
			g.RPS = int64(math.Round(t.Load.Rate / float64(n)))
		}
		c.Clients = append(c.Clients, g)
	}
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
	e := &EnvironmentConfig{SMPVersion: SpecVersion, ID: id, Labels: map[string]string{}}
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
	m := &ServiceMeshConfig{SMPVersion: SpecVersion, ID: id, MTLSEnabled: s.Mesh.MTLS,
		ProxyConcurrency: int32(min(s.Mesh.Concurrency, math.MaxInt32)),
		Labels:           map[string]string{"scenario": s.Name, "mesh": s.Mesh.Type}}
	if t := meshTypeName(s.Mesh.Type); t != "" {
		m.MeshType = &ServiceMesh{Type: t, Version: s.Mesh.Version}
	}
	if res := s.Summary.Resources; res != nil && res.Proxy != nil {
		p := res.Proxy
		m.Sidecar = &Usage{Count: int32(p.Count), CPUMcores: i32(p.CPUMcoresTotal), MemMB: i32(p.MemMB * float64(p.Count)),
			RPS: i32(s.Summary.AchievedRate)}
	}
	m.MeshControlPlane = controlPlane(s.Summary.ControlPlane)
	return m
}

// controlPlane maps what smp measured of the mesh's control plane: CPU
// and memory (averages over the window, when measured), the services and
// connected proxies it counted, and the propagation of the Service smp
// created as cds_latency_ms (a new Service is a cluster change). It is
// nil when none of them is known.
func controlPlane(cp *report.ControlPlane) *ControlPlane {
	if cp == nil {
		return nil
	}
	var out ControlPlane
	if cp.Note == "" { // a note means the resource zeros are "not measured"
		out.CPUMcores, out.MemMB = i32(cp.CPUMcores), i32(cp.MemMB)
	}
	if x := cp.XDS; x != nil {
		out.Services, out.Sidecars = i32(x.Services), i32(x.ConnectedProxies)
	}
	if p := cp.Propagation; p != nil {
		out.CDSLatencyMs = i32(p90Reached(p.Ms, p.Failed))
	}
	if out == (ControlPlane{}) {
		return nil
	}
	return &out
}

// p90Reached is the time by which 90% of the clients had seen a change
// (nearest rank), the failed ones counted as never; NaN when fewer than
// 90% ever did.
func p90Reached(ms []float64, failed int) float64 {
	n := len(ms) + max(failed, 0)
	if n == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(0.9 * float64(n)))
	if k > len(ms) {
		return math.NaN()
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	return s[k-1]
}

func result(s *report.Scenario, testID, meshID, envID string) *PerformanceTestResult {
	res := &PerformanceTestResult{SMPVersion: SpecVersion, ID: meshID + "/result", Labels: map[string]string{"scenario": s.Name},
		TestID: testID, MeshConfigID: meshID, EnvID: envID}
	if q := s.Summary.AchievedRate; !math.IsNaN(q) && !math.IsInf(q, 0) {
		res.ActualQPS = q
	}
	if n := len(s.Iterations); n > 0 {
		// A zero time is "not recorded", not year 1.
		if st := s.Iterations[0].StartTime.UTC(); !st.IsZero() {
			res.StartTime = &st
		}
		if en := s.Iterations[n-1].EndTime.UTC(); !en.IsZero() {
			res.EndTime = &en
		}
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
