package smp

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// exportJSON writes r as -o smp does.
func exportJSON(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, Export(r)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStrictSMP decodes the export against the SMP protos (schema_test.go)
// with unknown fields rejected, for the fixture and for a run using what
// the fixture does not: several load clients, h2c, proxyless Istio with a
// detected version, and a measured control plane.
func TestStrictSMP(t *testing.T) {
	t.Parallel()
	files := smpFiles(t)

	plain := fixture(t)
	plain.Test.Load.Request.Headers = map[string]string{"content-type": "application/json", "Authorization": "REDACTED"}
	if _, err := strictSMP(files, exportJSON(t, plain)); err != nil {
		t.Fatalf("fixture: %v", err)
	}

	r := fixture(t)
	r.Test.Load.Clients, r.Test.Load.Protocol = 3, "h2c"
	istio := &r.Scenarios[1]
	istio.Mesh.Type, istio.Mesh.Version = spec.MeshIstioProxyless, "1.24.2"
	ms := []float64{80, 10, 20, 30, 40, 50, 60, 70, 90, 100} // 90% reached it by 90 ms
	istio.Summary.ControlPlane = &report.ControlPlane{Name: "istiod", CPUMcores: 35.4, MemMB: 80.6,
		XDS:         &report.XDS{Services: 4, ConnectedProxies: 3},
		Propagation: report.NewPropagation("created Service svc-2-probe", "test", ms, 0)}
	got, err := strictSMP(files, exportJSON(t, r))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"test", "environment", "results[0].mesh", "results[1].result"} {
		if v := get(got[p], "smp_version").String(); v != SpecVersion {
			t.Errorf("%s smp_version %q, want %q", p, v, SpecVersion)
		}
	}
	test := got["test"]
	clients := get(test, "clients").List()
	if clients.Len() != 3 {
		t.Fatalf("%d clients, want one per load generator (3)", clients.Len())
	}
	var conns int32
	for i := range clients.Len() {
		c := clients.Get(i).Message()
		conns += int32(get(c, "connections").Int())
		if p := enumName(c, "protocol"); p != "PROTOCOL_HTTP" {
			t.Errorf("client %d protocol %s, want PROTOCOL_HTTP for h2c", i, p)
		}
		if rps := get(c, "rps").Int(); rps != 333 {
			t.Errorf("client %d rps %d, want 1000/3", i, rps)
		}
	}
	if conns != 8 {
		t.Errorf("clients' connections add up to %d, want load.connections 8", conns)
	}
	mesh := got["results[1].mesh"]
	if ty, v := enumName(mesh, "mesh_type.type"), get(mesh, "mesh_type.version").String(); ty != "ISTIO" || v != "1.24.2" {
		t.Errorf("mesh_type %s %q, want ISTIO 1.24.2", ty, v)
	}
	for field, want := range map[string]int64{"cpu_mcores": 35, "mem_mb": 81, "services": 4, "sidecars": 3, "cds_latency_ms": 90} {
		if v := get(mesh, "mesh_control_plane."+field).Int(); v != want {
			t.Errorf("mesh_control_plane.%s = %d, want %d", field, v, want)
		}
	}
	if base := got["results[0].mesh"]; base.Has(base.Descriptor().Fields().ByName("mesh_type")) {
		t.Errorf("baseline has a mesh_type")
	}
	res := got["results[1].result"]
	if p99 := get(res, "latencies_ms.p99").Float(); p99 != r.Scenarios[1].Summary.Latency.Percentiles["p99"] {
		t.Errorf("latencies_ms.p99 %v", p99)
	}
}

// TestStrictSMPRejects shows the check can fail: the defects the export
// had (protocol "HTTP", mesh_type a bare string) and an unknown field are
// refused.
func TestStrictSMPRejects(t *testing.T) {
	t.Parallel()
	files := smpFiles(t)
	good := string(exportJSON(t, fixture(t)))
	for _, tc := range []struct{ name, old, new, want string }{
		{"protocol not an enum name", `"PROTOCOL_HTTP"`, `"HTTP"`, "invalid value for enum"},
		{"mesh_type a string", `"mesh_type": {
          "type": "ISTIO"
        }`, `"mesh_type": "ISTIO"`, `unexpected token "ISTIO"`},
		{"unknown field", `"actual_qps"`, `"error_rate": 0, "actual_qps"`, "unknown field"},
		{"int32 out of range", `"connections": 8`, `"connections": 4294967296`, "connections"},
		{"envelope key", `"results"`, `"extra": 1, "results"`, `unknown key "extra"`},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in the export", tc.name, tc.old)
		}
		if _, err := strictSMP(files, []byte(bad)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one holding %q", tc.name, err, tc.want)
		}
	}
}

// TestDurations pins what each duration means: test.duration is the time
// under load, warmup included, as SMP ("length of time the endpoint will
// be under load") and Meshery (the run length given to the load
// generator) mean it; a result's start_time..end_time is the measured
// window the latencies and actual_qps cover, warmup excluded.
func TestDurations(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	r.Test.Load.Duration, r.Test.Load.Warmup = spec.Duration(3*time.Second), spec.Duration(time.Second)
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		s.Iterations = s.Iterations[:1]
		// the window the engine measured: after the 1 s warmup, 2 s long
		// (at nanosecond precision, as the engine records it)
		s.Iterations[0].StartTime = r.StartTime.Add(time.Second + 1234)
		s.Iterations[0].EndTime = r.StartTime.Add(3*time.Second + 1234)
	}
	r.Scenarios[2].Iterations[0].EndTime = time.Time{} // not recorded: left out, not year 1
	got, err := strictSMP(smpFiles(t), exportJSON(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if d := get(got["test"], "duration").String(); d != "3s" {
		t.Errorf("test.duration %q, want load.duration with its warmup, 3s", d)
	}
	res := got["results[0].result"]
	start := time.Unix(get(res, "start_time.seconds").Int(), get(res, "start_time.nanos").Int())
	end := time.Unix(get(res, "end_time.seconds").Int(), get(res, "end_time.nanos").Int())
	if !start.Equal(r.StartTime.Add(time.Second+1234)) || end.Sub(start) != 2*time.Second {
		t.Errorf("result window %v..%v, want the 2 s measured after the warmup", start, end)
	}
	if last := got["results[2].result"]; last.Has(last.Descriptor().Fields().ByName("end_time")) {
		t.Errorf("unrecorded end time written: %v", get(last, "end_time"))
	}
}

func TestP90Reached(t *testing.T) {
	t.Parallel()
	ms := []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	if v := p90Reached(ms, 0); v != 90 {
		t.Errorf("10 clients: %v, want 90", v)
	}
	if v := p90Reached(ms[:9], 1); v != 90 {
		t.Errorf("9 of 10 clients: %v, want 90", v)
	}
	if v := p90Reached(ms[:8], 2); v == v {
		t.Errorf("8 of 10 clients: %v, want NaN (90%% never saw it)", v)
	}
	if mc := controlPlane(&report.ControlPlane{Propagation: report.NewPropagation("c", "s", ms[:8], 2)}); mc != nil {
		t.Errorf("control plane with nothing known: %+v, want nil", mc)
	}
}
