package render

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smp-dev/smp/report"
)

// ANSI colours of the table.
const (
	ansiReset = "\x1b[0m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiDim   = "\x1b[2m"
	ansiBold  = "\x1b[1m"
)

// Table writes the comparison table (metric rows, one column per scenario,
// then each comparison's delta and 95% interval), MeshMark with its
// components, the SLO results and every warning. Colour marks significant
// deltas, failed SLOs and headers when o.Color is set.
func Table(w io.Writer, r *report.Report, o Options) error {
	paint := func(code, s string) string {
		if !o.Color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	fmt.Fprintf(w, "%s  %s  %s", paint(ansiBold, title(r)), r.StartTime.Format("2006-01-02 15:04:05Z"), r.Environment.Hostname)
	if r.Partial {
		fmt.Fprint(w, "  (PARTIAL: interrupted)")
	}
	if env := EnvironmentLine(r); env != "" {
		fmt.Fprint(w, "\n"+env)
	}
	fmt.Fprint(w, "\n\n")
	g := buildGrid(r)
	nScen := len(r.Scenarios)
	colour := func(i, j int) string {
		if j <= nScen || (j-nScen-1)%2 == 0 {
			return ""
		}
		switch g.verdicts[i][(j-nScen-1)/2] {
		case report.VerdictSignificant:
			return ansiBold
		case report.VerdictNot, report.VerdictInsufficient:
			return ansiDim
		}
		return ""
	}
	writeAligned(w, g.header, g.cells, func(s string) string { return paint(ansiBold, s) }, func(i, j int, s string) string { return paint(colour(i, j), s) })
	if len(r.Comparisons) > 0 {
		fmt.Fprintln(w, "Δ: scenario minus baseline, pooled over iterations; 95% CI: Welch's t interval of the per-iteration difference (see docs/results.md)")
	}
	var mm [][]string
	for _, c := range r.Comparisons {
		if c.MeshMark == nil {
			continue
		}
		line := []string{c.Scenario, fmtNum(c.MeshMark.Score, 1)}
		for _, comp := range c.MeshMark.Components {
			line = append(line, fmt.Sprintf("%s %s (%s%s)", comp.Name, fmtNum(comp.Score, 1), fmtNum(comp.Input, 1), unitSuffix(comp.Unit)))
		}
		mm = append(mm, line)
	}
	if len(mm) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, paint(ansiBold, "MeshMark (0-100; 100 = no overhead observed)"))
		writeAlignedAs(w, nil, mm, true, nil, nil)
	}
	if cl := capacityLines(r); len(cl) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, paint(ansiBold, "Capacity (highest passing rate; trials: rate→verdict p99 ms)"))
		for _, l := range cl {
			fmt.Fprintf(w, "%s: %s\n  trials: %s\n", l[0], l[1], l[2])
		}
	}
	if gl := generatorLines(r); len(gl) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, paint(ansiBold, "Load generators"))
		for _, l := range gl {
			fmt.Fprintf(w, "%s: %s\n", l[0], l[1])
		}
	}
	if cps := controlPlaneLines(r); len(cps) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, paint(ansiBold, "Control plane (pooled over iterations)"))
		for _, line := range cps {
			fmt.Fprintf(w, "%s: %s\n  xDS: %s\n  propagation: %s\n", line[0], line[1], line[2], line[3])
			if line[4] != "" {
				fmt.Fprintf(w, "  note: %s\n", line[4])
			}
		}
	}
	if len(r.SLO) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, paint(ansiBold, "SLO"))
		var cells [][]string
		for _, s := range r.SLO {
			cells = append(cells, []string{passWord(s.Pass), s.Scenario, s.Assertion, sloValue(s)})
		}
		writeAlignedAs(w, nil, cells, true, nil, func(i, j int, s string) string {
			if j == 0 {
				if r.SLO[i].Pass {
					return paint(ansiGreen, s)
				}
				return paint(ansiRed, s)
			}
			return s
		})
	}
	for _, s := range r.Scenarios {
		if len(s.Summary.ErrorKinds) > 0 {
			fmt.Fprintf(w, "errors: %s: %s\n", s.Name, kinds(s.Summary.ErrorKinds))
		}
		if s.Error != "" {
			fmt.Fprintf(w, "%s: %s: %s\n", paint(ansiRed, "failed"), s.Name, s.Error)
		}
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	for _, s := range r.Scenarios {
		for _, it := range s.Iterations {
			for _, warn := range it.Warnings {
				fmt.Fprintf(w, "warning: %s iteration %d: %s\n", s.Name, it.Index+1, warn)
			}
		}
	}
	return nil
}

// writeAligned pads cells to column widths (the first column left-aligned,
// the rest right-aligned), then lets style wrap each padded cell, so that
// colour codes never upset the alignment.
func writeAligned(w io.Writer, header []string, cells [][]string, styleHeader func(string) string, style func(i, j int, s string) string) {
	writeAlignedAs(w, header, cells, false, styleHeader, style)
}

// writeAlignedAs is writeAligned with every column left-aligned when left
// is set.
func writeAlignedAs(w io.Writer, header []string, cells [][]string, left bool, styleHeader func(string) string, style func(i, j int, s string) string) {
	all := cells
	if header != nil {
		all = append([][]string{header}, cells...)
	}
	var widths []int
	for _, line := range all {
		for j, c := range line {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	pad := func(j int, c string) string {
		gap := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c))
		if j == 0 || left {
			return c + gap
		}
		return gap + c
	}
	emit := func(line []string, st func(j int, s string) string) {
		parts := make([]string, len(line))
		for j, c := range line {
			parts[j] = st(j, pad(j, c))
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(parts, "  "), " "))
	}
	if header != nil {
		emit(header, func(_ int, s string) string {
			if styleHeader != nil {
				return styleHeader(s)
			}
			return s
		})
	}
	for i, line := range cells {
		emit(line, func(j int, s string) string {
			if style != nil {
				return style(i, j, s)
			}
			return s
		})
	}
}

// Markdown writes the comparison table, MeshMark and SLO results as
// GitHub-flavoured Markdown.
func Markdown(w io.Writer, r *report.Report) error {
	fmt.Fprintf(w, "## %s\n\n", mdEscape(title(r)))
	fmt.Fprintf(w, "%s · %s · %d CPUs", r.StartTime.Format("2006-01-02 15:04:05Z"), mdEscape(r.Environment.Hostname), r.Environment.CPUs)
	if r.Partial {
		fmt.Fprint(w, " · **partial: interrupted**")
	}
	if env := EnvironmentLine(r); env != "" {
		fmt.Fprint(w, "\n\n"+mdEscape(env))
	}
	fmt.Fprint(w, "\n\n")
	g := buildGrid(r)
	mdRow(w, g.header)
	seps := make([]string, len(g.header))
	for i := range seps {
		seps[i] = "---:"
	}
	seps[0] = "---"
	mdRow(w, seps)
	for _, line := range g.cells {
		mdRow(w, line)
	}
	if len(r.Comparisons) > 0 {
		fmt.Fprintln(w, "\nΔ is scenario minus baseline from pooled data; the 95% CI is Welch's t interval of the per-iteration difference.")
	}
	var mm bool
	for _, c := range r.Comparisons {
		if c.MeshMark == nil {
			continue
		}
		if !mm {
			fmt.Fprint(w, "\n### MeshMark\n\n| scenario | score | latency | throughput | cpu | memory |\n|---|---:|---:|---:|---:|---:|\n")
			mm = true
		}
		cells := map[string]string{}
		for _, comp := range c.MeshMark.Components {
			cells[comp.Name] = fmt.Sprintf("%s (%s %s)", fmtNum(comp.Score, 1), fmtNum(comp.Input, 1), comp.Unit)
		}
		get := func(k string) string {
			if v, ok := cells[k]; ok {
				return v
			}
			return "not measured"
		}
		mdRow(w, []string{c.Scenario, "**" + fmtNum(c.MeshMark.Score, 1) + "**", get("latency"), get("throughput"), get("cpu"), get("memory")})
	}
	if cl := capacityLines(r); len(cl) > 0 {
		fmt.Fprint(w, "\n### Capacity\n\n| scenario | capacity | trials (rate→verdict p99 ms) |\n|---|---|---|\n")
		for _, l := range cl {
			mdRow(w, l[:])
		}
	}
	if gl := generatorLines(r); len(gl) > 0 {
		fmt.Fprint(w, "\n### Load generators\n\n| scenario | generator |\n|---|---|\n")
		for _, l := range gl {
			mdRow(w, l[:])
		}
	}
	if cps := controlPlaneLines(r); len(cps) > 0 {
		fmt.Fprint(w, "\n### Control plane\n\n| scenario | control plane | xDS | config propagation | note |\n|---|---|---|---|---|\n")
		for _, line := range cps {
			mdRow(w, line)
		}
	}
	if len(r.SLO) > 0 {
		fmt.Fprint(w, "\n### SLO\n\n| result | scenario | assertion | value |\n|---|---|---|---:|\n")
		for _, s := range r.SLO {
			res := "✅ pass"
			if !s.Pass {
				res = "❌ **fail**"
			}
			mdRow(w, []string{res, s.Scenario, "`" + s.Assertion + "`", sloValue(s)})
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, warn := range r.Warnings {
			fmt.Fprintf(w, "> warning: %s\n", mdEscape(warn))
		}
	}
	return nil
}

func mdRow(w io.Writer, cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
}

func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// CSV writes one row per scenario and iteration ("all" for the pooled
// summary): the figures a spreadsheet wants, latencies in ms.
func CSV(w io.Writer, r *report.Report) error {
	cw := csv.NewWriter(w)
	header := []string{"scenario", "mesh", "iteration", "requested_rps", "achieved_rps", "requests", "errors", "error_rate",
		"p50_ms", "p90_ms", "p99_ms", "p99.9_ms", "max_ms", "proxy_count", "proxy_cpu_mcores", "proxy_mem_mb", "app_cpu_mcores", "app_mem_mb", "client_cpu_mcores"}
	if err := cw.Write(header); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	line := func(s *report.Scenario, iter string, c report.Counts, l report.Latency, res *report.Resources, client float64) []string {
		rec := []string{s.Name, s.Mesh.Type, iter, f(c.RequestedRate), f(c.AchievedRate), strconv.FormatInt(c.Requests, 10),
			strconv.FormatInt(c.Errors, 10), f(c.ErrorRate)}
		for _, k := range []string{"p50", "p90", "p99", "p99.9"} {
			if v, ok := l.Percentiles[k]; ok && l.Count > 0 {
				rec = append(rec, f(v))
			} else {
				rec = append(rec, "")
			}
		}
		rec = append(rec, f(l.Max))
		var proxy, app *report.RoleUsage
		if res != nil {
			proxy, app = res.Proxy, res.App
		}
		if proxy != nil {
			rec = append(rec, strconv.Itoa(proxy.Count), f(proxy.CPUMcores), f(proxy.MemMB))
		} else {
			rec = append(rec, "", "", "")
		}
		if app != nil {
			rec = append(rec, f(app.CPUMcores), f(app.MemMB))
		} else {
			rec = append(rec, "", "")
		}
		return append(rec, f(client))
	}
	for i := range r.Scenarios {
		s := &r.Scenarios[i]
		for _, it := range s.Iterations {
			if err := cw.Write(line(s, strconv.Itoa(it.Index+1), it.Counts, it.Latency, it.Resources, it.Client.CPUMcores)); err != nil {
				return err
			}
		}
		if err := cw.Write(line(s, "all", s.Summary.Counts, s.Summary.Latency, s.Summary.Resources, s.Summary.Client.CPUMcores)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// JUnit XML shapes (the subset CI systems read).
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Fails     int         `xml:"failures,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes the SLO results as JUnit XML: one test suite per scenario,
// one test case per assertion, a failure for each assertion that failed.
func JUnit(w io.Writer, r *report.Report) error {
	out := junitSuites{Name: "smp slo " + title(r)}
	index := map[string]int{}
	for _, s := range r.Scenarios {
		index[s.Name] = len(out.Suites)
		out.Suites = append(out.Suites, junitSuite{Name: s.Name, Timestamp: r.StartTime.UTC().Format("2006-01-02T15:04:05")})
	}
	for _, res := range r.SLO {
		i, ok := index[res.Scenario]
		if !ok {
			index[res.Scenario] = len(out.Suites)
			i = len(out.Suites)
			out.Suites = append(out.Suites, junitSuite{Name: res.Scenario})
		}
		measured := "measured " + sloValue(res)
		if res.Note != "" {
			measured = res.Note
		}
		c := junitCase{Name: res.Assertion, Classname: "slo." + res.Scenario, Output: measured}
		if !res.Pass {
			msg := res.Assertion + ": " + measured
			c.Failure = &junitFailure{Message: msg, Type: "SLOFailed", Text: msg}
			out.Suites[i].Fails++
			out.Fails++
		}
		out.Suites[i].Cases = append(out.Suites[i].Cases, c)
		out.Suites[i].Tests++
		out.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// unitSuffix joins a unit to a number: "%" directly, words after a space.
func unitSuffix(u string) string {
	if u == "%" || u == "" {
		return u
	}
	return " " + u
}

// kinds formats error counts by kind, sorted by kind.
func kinds(m map[string]int64) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
