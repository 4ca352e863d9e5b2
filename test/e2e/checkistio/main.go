// Command checkistio checks the report of test/e2e/istio: the baseline and
// the two proxyless Istio scenarios of examples/istio-proxyless.yaml all
// ran every iteration with requests and without errors, the mTLS scenario's
// servers saw only Istio client certificates (and the plain one's saw
// plaintext), the comparisons carry confidence intervals, and the control
// plane's figures (istiod's CPU and memory, xDS pushes, propagation) are
// there and not zero. It prints one line per check and exits 1 when one
// fails.
//
//	go run ./test/e2e/checkistio REPORT.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/smp-dev/smp/report"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: checkistio REPORT.json")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var r report.Report
	if err := json.Unmarshal(b, &r); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	failed := 0
	for _, c := range check(&r) {
		mark := "ok  "
		if !c.ok {
			mark = "FAIL"
			failed++
		}
		fmt.Printf("%s %s\n", mark, c.what)
	}
	if failed > 0 {
		fmt.Printf("%d check(s) failed\n", failed)
		os.Exit(1)
	}
}

type result struct {
	ok   bool
	what string
}

func check(r *report.Report) []result {
	var out []result
	add := func(ok bool, format string, args ...any) {
		out = append(out, result{ok, fmt.Sprintf(format, args...)})
	}
	add(!r.Partial, "report complete (partial %v)", r.Partial)
	want := map[string]struct {
		typ  string
		mtls bool
	}{
		"baseline":             {"none", false},
		"istio-proxyless":      {"istio-proxyless", false},
		"istio-proxyless-mtls": {"istio-proxyless", true},
	}
	iterations := r.Test.Iterations
	seen := map[string]bool{}
	for _, sc := range r.Scenarios {
		w, ok := want[sc.Name]
		if !ok {
			add(false, "scenario %s: not one of the example's", sc.Name)
			continue
		}
		seen[sc.Name] = true
		add(sc.Mesh.Type == w.typ && sc.Mesh.MTLS == w.mtls, "%s: mesh %s mtls %v", sc.Name, sc.Mesh.Type, sc.Mesh.MTLS)
		add(sc.Error == "", "%s: no error (%q)", sc.Name, sc.Error)
		add(len(sc.Iterations) == iterations, "%s: %d of %d iterations", sc.Name, len(sc.Iterations), iterations)
		s := sc.Summary
		add(s.Requests > 0 && s.Errors == 0, "%s: %d requests, %d errors, p50 %.3f ms, p99 %.3f ms",
			sc.Name, s.Requests, s.Errors, s.Latency.Percentiles["p50"], s.Latency.Percentiles["p99"])
		if w.typ == "none" {
			add(sc.Summary.ControlPlane == nil, "%s: no control plane section", sc.Name)
			continue
		}
		add(sc.Mesh.Version != "", "%s: istiod version detected (%q)", sc.Name, sc.Mesh.Version)
		for _, it := range sc.Iterations {
			peers := notes(it.Warnings, "peers of pod ")
			add(len(peers) == 3, "%s iteration %d: peers read from the 3 app pods (%d)", sc.Name, it.Index, len(peers))
			for _, p := range peers {
				mtlsOnly := strings.Contains(p, " 0 plaintext, 0 TLS without client certificate, ") && !strings.Contains(p, ", 0 mutual TLS") &&
					strings.Contains(p, "spiffe://cluster.local/ns/")
				if w.mtls {
					add(mtlsOnly, "%s iteration %d: only mutual TLS: %s", sc.Name, it.Index, p)
				} else {
					add(!strings.Contains(p, " 0 plaintext,") && strings.Contains(p, ", 0 mutual TLS"), "%s iteration %d: plaintext only: %s", sc.Name, it.Index, p)
				}
			}
			if w.mtls {
				add(len(notes(it.Warnings, "mutual TLS verified")) == 1, "%s iteration %d: smp verified mutual TLS", sc.Name, it.Index)
			}
			agents := 0
			for _, c := range it.Components {
				if c.Container == "istio-proxy" && c.Role == report.RoleProxy {
					agents++
				}
			}
			add(agents >= 3, "%s iteration %d: %d Istio agents measured as the data plane", sc.Name, it.Index, agents)
		}
		cp := sc.Summary.ControlPlane
		if cp == nil {
			add(false, "%s: control plane section", sc.Name)
			continue
		}
		add(cp.Name == "istiod" && cp.Pod != "", "%s: control plane %s (%s/%s)", sc.Name, cp.Name, cp.Namespace, cp.Pod)
		add(cp.CPUMcores > 0 && cp.MemMB > 0 && cp.Samples > 0, "%s: istiod %.1f mCores, %.1f MB over %d samples (%s)", sc.Name, cp.CPUMcores, cp.MemMB, cp.Samples, cp.Source)
		if x := cp.XDS; x != nil {
			add(x.PushesTotal > 0, "%s: %g xDS pushes %v", sc.Name, x.PushesTotal, x.Pushes)
			add(x.ConvergenceMs != nil && x.ConvergenceMs.Count > 0, "%s: convergence measured", sc.Name)
		} else {
			add(false, "%s: xDS figures", sc.Name)
		}
		if p := cp.Propagation; p != nil {
			add(p.Clients == 3*iterations && p.Failed == 0 && p.P50Ms > 0 && p.MaxMs >= p.P50Ms,
				"%s: propagation to %d clients (%d failed): p50 %.1f ms, max %.1f ms", sc.Name, p.Clients, p.Failed, p.P50Ms, p.MaxMs)
		} else {
			add(false, "%s: propagation measured", sc.Name)
		}
	}
	for name := range want {
		add(seen[name], "scenario %s present", name)
	}
	compared := 0
	for _, c := range r.Comparisons {
		if c.Baseline != "baseline" {
			continue
		}
		compared++
		withCI := 0
		for _, d := range c.Deltas {
			if d.CILow != nil && d.CIHigh != nil {
				withCI++
			}
		}
		add(withCI > 0, "comparison %s vs baseline: %d deltas with a 95%% CI; Δp50 %+.3f ms, Δp99 %+.3f ms",
			c.Scenario, withCI, c.LatencyDeltaMs["p50"], c.LatencyDeltaMs["p99"])
	}
	add(compared == 2, "2 comparisons against the baseline (%d)", compared)
	return out
}

// notes are the warnings that start with prefix.
func notes(ws []string, prefix string) []string {
	var out []string
	for _, w := range ws {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}
