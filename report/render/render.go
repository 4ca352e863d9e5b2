// Package render turns a report into what people read: an aligned terminal
// table (colour only when asked, for a TTY), Markdown, CSV, JUnit XML of
// the SLO results, and one self-contained offline HTML page whose charts
// are inline SVG drawn by this package. Renderers are pure: they read the
// report and write to w.
package render

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/report"
)

// Formats that Write accepts.
const (
	FormatTable    = "table"
	FormatMarkdown = "markdown"
	FormatCSV      = "csv"
	FormatHTML     = "html"
	FormatJUnit    = "junit"
	FormatJSON     = "json"
)

// Formats lists the formats of Write, for help texts and errors.
func Formats() []string {
	return []string{FormatTable, FormatMarkdown, FormatJSON, FormatHTML, FormatCSV, FormatJUnit}
}

// Options tune renderings.
type Options struct {
	// Color adds ANSI colours to the table (the CLI sets it for a TTY only).
	Color bool
}

// Write renders r in format.
func Write(w io.Writer, format string, r *report.Report, o Options) error {
	switch format {
	case FormatTable:
		return Table(w, r, o)
	case FormatMarkdown:
		return Markdown(w, r)
	case FormatCSV:
		return CSV(w, r)
	case FormatHTML:
		return HTML(w, r)
	case FormatJUnit:
		return JUnit(w, r)
	case FormatJSON:
		return report.Encode(w, r)
	}
	return fmt.Errorf("format %q: expected one of %s", format, strings.Join(Formats(), ", "))
}

// row is one metric row of the comparison table.
type row struct {
	label  string
	metric string // the Delta metric it lines up with, "" for none
	value  func(s *report.Scenario) (float64, bool)
	digits int
}

func latencyRow(key string) row {
	return row{label: key + " ms", metric: key, digits: 3, value: func(s *report.Scenario) (float64, bool) {
		v, ok := s.Summary.Latency.Percentiles[key]
		return v, ok && s.Summary.Latency.Count > 0
	}}
}

// setupRow is a connection set-up percentile (smp load --new-connection);
// the row is left out when no scenario measured it.
func setupRow(label, key string, get func(*report.Summary) *report.Latency) row {
	return row{label: label, digits: 3, value: func(s *report.Scenario) (float64, bool) {
		l := get(&s.Summary)
		if l == nil || l.Count == 0 {
			return 0, false
		}
		return l.Percentiles[key], true
	}}
}

func roleRow(label, metric string, get func(*report.Resources) *report.RoleUsage, field func(*report.RoleUsage) float64) row {
	digits := 1
	if label == "proxies" {
		digits = 0
	}
	return row{label: label, metric: metric, digits: digits, value: func(s *report.Scenario) (float64, bool) {
		if s.Summary.Resources == nil {
			return 0, false
		}
		u := get(s.Summary.Resources)
		if u == nil {
			return 0, false
		}
		return field(u), true
	}}
}

// rows are the metric rows, in table order.
func rows() []row {
	proxy := func(r *report.Resources) *report.RoleUsage { return r.Proxy }
	app := func(r *report.Resources) *report.RoleUsage { return r.App }
	return []row{
		{label: "iterations", digits: 0, value: func(s *report.Scenario) (float64, bool) { return float64(len(s.Iterations)), true }},
		{label: "requested req/s (0 = closed loop)", digits: 1, value: func(s *report.Scenario) (float64, bool) { return s.Summary.RequestedRate, true }},
		{label: "achieved req/s", metric: "achievedRate", digits: 1, value: func(s *report.Scenario) (float64, bool) { return s.Summary.AchievedRate, true }},
		{label: "requests", digits: 0, value: func(s *report.Scenario) (float64, bool) { return float64(s.Summary.Requests), true }},
		{label: "error rate %", metric: "errorRate", digits: 3, value: func(s *report.Scenario) (float64, bool) { return 100 * s.Summary.ErrorRate, true }},
		latencyRow("p50"), latencyRow("p90"), latencyRow("p99"), latencyRow("p99.9"),
		{label: "capacity req/s (under load.capacity.slo)", metric: "capacity", digits: 1, value: func(s *report.Scenario) (float64, bool) {
			if c := s.Summary.Capacity; c != nil {
				return c.Rate, true
			}
			return 0, false
		}},
		{label: "capacity first fail req/s", digits: 1, value: func(s *report.Scenario) (float64, bool) {
			if c := s.Summary.Capacity; c != nil && c.Bracket[1] > 0 {
				return c.Bracket[1], true
			}
			return 0, false
		}},
		{label: "max ms", digits: 3, value: func(s *report.Scenario) (float64, bool) {
			return s.Summary.Latency.Max, s.Summary.Latency.Count > 0
		}},
		{label: "uncorrected p50 ms", digits: 3, value: func(s *report.Scenario) (float64, bool) {
			return s.Summary.UncorrectedLatency.Percentiles["p50"], s.Summary.UncorrectedLatency.Count > 0
		}},
		{label: "uncorrected p99 ms", digits: 3, value: func(s *report.Scenario) (float64, bool) {
			return s.Summary.UncorrectedLatency.Percentiles["p99"], s.Summary.UncorrectedLatency.Count > 0
		}},
		{label: "send lag p99 ms", digits: 3, value: func(s *report.Scenario) (float64, bool) {
			return s.Summary.SendLag.Percentiles["p99"], s.Summary.SendLag.Count > 0
		}},
		setupRow("connect p50 ms", "p50", func(s *report.Summary) *report.Latency { return s.ConnectTime }),
		setupRow("connect p99 ms", "p99", func(s *report.Summary) *report.Latency { return s.ConnectTime }),
		setupRow("TLS handshake p50 ms", "p50", func(s *report.Summary) *report.Latency { return s.TLSHandshake }),
		setupRow("TLS handshake p99 ms", "p99", func(s *report.Summary) *report.Latency { return s.TLSHandshake }),
		setupRow("first byte p50 ms", "p50", func(s *report.Summary) *report.Latency { return s.FirstByte }),
		setupRow("first byte p99 ms", "p99", func(s *report.Summary) *report.Latency { return s.FirstByte }),
		{label: "late sends", digits: 0, value: func(s *report.Scenario) (float64, bool) { return float64(s.Summary.Late), true }},
		{label: "dropped sends", digits: 0, value: func(s *report.Scenario) (float64, bool) { return float64(s.Summary.Dropped), true }},
		roleRow("proxies", "", proxy, func(u *report.RoleUsage) float64 { return float64(u.Count) }),
		roleRow("proxy mCores (each)", "proxy.cpuMcores", proxy, func(u *report.RoleUsage) float64 { return u.CPUMcores }),
		roleRow("proxy MB (each)", "proxy.memMB", proxy, func(u *report.RoleUsage) float64 { return u.MemMB }),
		roleRow("proxy mCores per 1k rps", "", proxy, func(u *report.RoleUsage) float64 { return u.CPUMcoresPer1kRps }),
		roleRow("app mCores", "", app, func(u *report.RoleUsage) float64 { return u.CPUMcores }),
		roleRow("app MB", "", app, func(u *report.RoleUsage) float64 { return u.MemMB }),
		{label: "client mCores", digits: 1, value: func(s *report.Scenario) (float64, bool) { return s.Summary.Client.CPUMcores, true }},
		cpRow("control plane mCores", 1, func(cp *report.ControlPlane) (float64, bool) { return cp.CPUMcores, measured(cp) }),
		cpRow("control plane MB", 1, func(cp *report.ControlPlane) (float64, bool) { return cp.MemMB, measured(cp) }),
		cpRow("xDS pushes", 0, func(cp *report.ControlPlane) (float64, bool) {
			return xdsValue(cp, func(x *report.XDS) float64 { return x.PushesTotal })
		}),
		cpRow("xDS convergence p99 ms", 1, func(cp *report.ControlPlane) (float64, bool) {
			if cp.XDS == nil || cp.XDS.ConvergenceMs == nil {
				return 0, false
			}
			return cp.XDS.ConvergenceMs.P99, true
		}),
		cpRow("config propagation p50 ms", 1, func(cp *report.ControlPlane) (float64, bool) {
			if p := cp.Propagation; p != nil && p.Clients > 0 {
				return p.P50Ms, true
			}
			return 0, false
		}),
		cpRow("config propagation max ms", 1, func(cp *report.ControlPlane) (float64, bool) {
			if p := cp.Propagation; p != nil && p.Clients > 0 {
				return p.MaxMs, true
			}
			return 0, false
		}),
	}
}

// cpRow is a control-plane figure; the row is left out when no scenario
// has one.
func cpRow(label string, digits int, get func(*report.ControlPlane) (float64, bool)) row {
	return row{label: label, digits: digits, value: func(s *report.Scenario) (float64, bool) {
		if s.Summary.ControlPlane == nil {
			return 0, false
		}
		return get(s.Summary.ControlPlane)
	}}
}

// measured says the control plane's CPU and memory were read (its note
// says why not otherwise).
func measured(cp *report.ControlPlane) bool { return cp.Note == "" || cp.Samples > 0 }

func xdsValue(cp *report.ControlPlane, get func(*report.XDS) float64) (float64, bool) {
	if cp.XDS == nil {
		return 0, false
	}
	return get(cp.XDS), true
}

// controlPlaneLines describes each scenario's control plane in a few
// cells: scenario, what and where, xDS, propagation, note.
func controlPlaneLines(r *report.Report) [][]string {
	var out [][]string
	for _, s := range r.Scenarios {
		cp := s.Summary.ControlPlane
		if cp == nil {
			continue
		}
		who := strings.TrimSpace(cp.Name + " " + cp.Version)
		if cp.Pod != "" {
			who += " (" + strings.TrimPrefix(cp.Namespace+"/"+cp.Pod, "/") + ")"
		}
		xds := "-"
		if x := cp.XDS; x != nil {
			xds = fmt.Sprintf("%s proxies; %s pushes", fmtNum(x.ConnectedProxies, 0), fmtNum(x.PushesTotal, 0))
			if len(x.Pushes) > 0 {
				xds += " (" + countsByKey(x.Pushes) + ")"
			}
			if q := x.ConvergenceMs; q != nil {
				xds += fmt.Sprintf("; convergence p50/p90/p99 %s/%s/%s ms of %s", fmtNum(q.P50, 1), fmtNum(q.P90, 1), fmtNum(q.P99, 1), fmtNum(q.Count, 0))
			}
		}
		prop := "-"
		if p := cp.Propagation; p != nil {
			prop = fmt.Sprintf("%s: %d clients, p50 %s ms, max %s ms", p.Change, p.Clients, fmtNum(p.P50Ms, 1), fmtNum(p.MaxMs, 1))
			if p.Failed > 0 {
				prop += fmt.Sprintf(", %d never saw it", p.Failed)
			}
		}
		out = append(out, []string{s.Name, who, xds, prop, cp.Note})
	}
	return out
}

// countsByKey formats counts by key, sorted by key: "cds=4 eds=25".
func countsByKey(m map[string]float64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + fmtNum(m[k], 0)
	}
	return strings.Join(parts, " ")
}

// grid is the comparison table as text cells: a header row, then one row
// per metric; columns are the metric, one per scenario, then for each
// comparison its delta and its interval with verdict.
type grid struct {
	header []string
	cells  [][]string
	// verdicts[i][j] is the verdict behind delta column j of row i.
	verdicts [][]string
}

func buildGrid(r *report.Report) grid {
	g := grid{header: []string{"metric"}}
	for _, s := range r.Scenarios {
		g.header = append(g.header, s.Name)
	}
	// A scenario compared more than once (a cross-check of generators)
	// names its baseline in the header.
	times := map[string]int{}
	for _, c := range r.Comparisons {
		times[c.Scenario]++
	}
	for _, c := range r.Comparisons {
		name := c.Scenario
		if times[c.Scenario] > 1 {
			name += " vs " + c.Baseline
		}
		g.header = append(g.header, "Δ "+name, "95% CI "+name)
	}
	for _, rw := range rows() {
		line := []string{rw.label}
		any := false
		for i := range r.Scenarios {
			v, ok := rw.value(&r.Scenarios[i])
			if ok {
				any = true
				line = append(line, fmtNum(v, rw.digits))
			} else {
				line = append(line, "-")
			}
		}
		var verdicts []string
		for _, c := range r.Comparisons {
			d, ok := findDelta(c, rw.metric)
			if !ok {
				line = append(line, "", "")
				verdicts = append(verdicts, "")
				continue
			}
			line = append(line, deltaCell(d), intervalCell(d))
			verdicts = append(verdicts, d.Verdict)
		}
		if !any {
			continue
		}
		g.cells = append(g.cells, line)
		g.verdicts = append(g.verdicts, verdicts)
	}
	return g
}

func findDelta(c report.Comparison, metric string) (report.Delta, bool) {
	if metric == "" {
		return report.Delta{}, false
	}
	for _, d := range c.Deltas {
		if d.Metric == metric {
			return d, true
		}
	}
	return report.Delta{}, false
}

// scale converts a delta to the unit its table row shows.
func scale(d report.Delta) (float64, int) {
	switch d.Unit {
	case "ratio":
		return 100, 3
	case "ms":
		return 1, 3
	}
	return 1, 1
}

func deltaCell(d report.Delta) string {
	f, digits := scale(d)
	s := signed(d.Delta*f, digits)
	if d.DeltaPct != nil {
		s += " (" + signed(*d.DeltaPct, 1) + "%)"
	}
	return s
}

func intervalCell(d report.Delta) string {
	if d.CILow == nil || d.CIHigh == nil {
		return "n/a: " + d.Verdict
	}
	f, digits := scale(d)
	mark := "n.s."
	if d.Verdict == report.VerdictSignificant {
		mark = "significant"
	}
	return "[" + signed(*d.CILow*f, digits) + ", " + signed(*d.CIHigh*f, digits) + "] " + mark
}

func fmtNum(v float64, digits int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

func signed(v float64, digits int) string {
	s := fmtNum(v, digits)
	if v >= 0 && !strings.HasPrefix(s, "-") {
		return "+" + s
	}
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

func title(r *report.Report) string {
	t := "smp"
	if r.Test != nil && r.Test.Metadata.Name != "" {
		t += " " + r.Test.Metadata.Name
	}
	return t
}

// sloValue prints a result's value, or its note.
func sloValue(res report.SLOResult) string {
	if res.Note != "" {
		return res.Note
	}
	v := strconv.FormatFloat(res.Value, 'g', 6, 64)
	switch res.Unit {
	case "":
		return v
	case "%":
		return v + "%"
	}
	return v + " " + res.Unit
}

func passWord(p bool) string {
	if p {
		return "pass"
	}
	return "FAIL"
}
