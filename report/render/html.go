package render

import (
	"html/template"
	"io"
	"math"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
)

// ChartIDs are the ids of the SVG charts of the HTML page, in page order.
var chartIDs = [...]string{"chart-percentiles", "chart-histogram", "chart-rps", "chart-p99", "chart-cpu", "chart-memory"}

// ChartIDs returns the ids of the page's charts (each an <svg class="chart">)
// that every page has; a page of a capacity search also has CapacityChartID.
func ChartIDs() []string { return append([]string(nil), chartIDs[:]...) }

// HTML writes one self-contained page: no scripts, no external resources
// (a Content-Security-Policy forbids them), charts as inline SVG.
func HTML(w io.Writer, r *report.Report) error {
	f, err := PageFragments(r)
	if err != nil {
		return err
	}
	data := page{Title: title(r), Report: r, Start: r.StartTime.UTC().Format(time.RFC3339), Certify: EnvironmentLine(r), Fragments: f}
	return pageTemplate.Execute(w, data)
}

type page struct {
	Title, Start string
	Certify      string // EnvironmentLine
	Report       *report.Report
	Fragments
}

// decodeAll decodes each scenario's pooled histogram (nil when it has
// none).
func decodeAll(r *report.Report) ([]*hist.Histogram, error) {
	out := make([]*hist.Histogram, len(r.Scenarios))
	for i, s := range r.Scenarios {
		if s.Summary.Latency.HDR == "" || s.Summary.Latency.Count == 0 {
			continue
		}
		h, err := hist.Decode(s.Summary.Latency.HDR)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// percentileChart plots latency against percentile on a "nines" axis:
// x = -log10(1 - q), so 90%, 99%, 99.9% … are evenly spaced.
func percentileChart(r *report.Report, hs []*hist.Histogram) template.HTML {
	const id, name = "chart-percentiles", "Latency by percentile (pooled)"
	var ss []series
	lo, hi, xmax := math.Inf(1), 0.0, 1.0
	for i, h := range hs {
		s := series{name: r.Scenarios[i].Name, colour: colour(i)}
		if h == nil {
			ss = append(ss, s)
			continue
		}
		top := math.Min(5, math.Log10(float64(h.Count())))
		xmax = math.Max(xmax, top)
		for x := 0.0; x <= top+1e-9; x += 0.05 {
			q := 100 * (1 - math.Pow(10, -x))
			if q <= 0 {
				q = 0.0001
			}
			v := ms(h.Quantile(q))
			s.xs, s.ys = append(s.xs, x), append(s.ys, v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		ss = append(ss, s)
	}
	if hi == 0 {
		return svgHTML(emptyChart(id, name, "no latency histogram in this report"))
	}
	x := axis{lo: 0, hi: math.Ceil(xmax), label: "percentile"}
	for n := 0.0; n <= x.hi; n++ {
		x.ticks = append(x.ticks, tick{n, [...]string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}[int(n)]})
	}
	return svgHTML(lineChart{id: id, title: name, x: x, y: logAxis(lo, hi, "latency ms (log)"), series: ss}.svg())
}

// histogramChart plots the share of requests per latency bin (log-spaced
// bins, so the shape of the body and the tail both show).
func histogramChart(r *report.Report, hs []*hist.Histogram) template.HTML {
	const id, name = "chart-histogram", "Latency distribution (pooled)"
	lo, hi := math.Inf(1), 0.0
	for _, h := range hs {
		if h != nil {
			lo, hi = math.Min(lo, ms(h.Min())), math.Max(hi, ms(h.Max()))
		}
	}
	if hi == 0 {
		return svgHTML(emptyChart(id, name, "no latency histogram in this report"))
	}
	lo = math.Max(lo, 1e-6)
	const bins = 60
	ratio := math.Pow(hi*1.001/lo, 1.0/bins)
	bounds := make([]time.Duration, bins+1)
	mids := make([]float64, bins)
	for i := range bounds {
		bounds[i] = time.Duration(lo * math.Pow(ratio, float64(i)) * 1e6)
	}
	for i := range mids {
		mids[i] = lo * math.Pow(ratio, float64(i)+0.5)
	}
	var ss []series
	top := 0.0
	for i, h := range hs {
		s := series{name: r.Scenarios[i].Name, colour: colour(i)}
		if h != nil {
			cum := h.CumulativeCounts(bounds)
			for b := 0; b < bins; b++ {
				share := 100 * float64(cum[b+1]-cum[b]) / float64(h.Count())
				s.xs, s.ys = append(s.xs, mids[b]), append(s.ys, share)
				top = math.Max(top, share)
			}
		}
		ss = append(ss, s)
	}
	return svgHTML(lineChart{id: id, title: name, x: logAxis(lo, hi, "latency ms (log)"),
		y: linearAxis(0, top*1.05, "% of requests per bin"), series: ss}.svg())
}

// timelineChart plots a per-second value of every scenario, its
// iterations laid end to end.
func timelineChart(r *report.Report, id, name, unit string, get func(report.TimelinePoint) float64) template.HTML {
	var ss []series
	xmax, ymax := 0.0, 0.0
	for i, s := range r.Scenarios {
		se := series{name: s.Name, colour: colour(i)}
		offset := 0.0
		for _, it := range s.Iterations {
			last := 0.0
			for _, p := range it.Timeline {
				v := get(p)
				se.xs, se.ys = append(se.xs, offset+p.Second), append(se.ys, v)
				ymax, last = math.Max(ymax, v), p.Second+1
			}
			offset += math.Max(last, it.EndTime.Sub(it.StartTime).Seconds())
		}
		xmax = math.Max(xmax, offset)
		ss = append(ss, se)
	}
	if xmax == 0 {
		return svgHTML(emptyChart(id, name, "no timeline in this report"))
	}
	return svgHTML(lineChart{id: id, title: name, x: linearAxis(0, xmax, "seconds (iterations end to end)"),
		y: linearAxis(0, ymax*1.1, unit), series: ss}.svg())
}

// resourceChart shows CPU (or memory) of each role per scenario: proxies,
// app and client, each summed over its components.
func resourceChart(r *report.Report, id, name, unit string, mem bool) template.HTML {
	c := barChart{id: id, title: name, yLabel: unit, series: []string{"proxy", "app", "client"}}
	total := func(u *report.RoleUsage) float64 {
		if u == nil {
			return math.NaN()
		}
		if mem {
			return u.MemMB * float64(max(1, u.Count))
		}
		return u.CPUMcoresTotal
	}
	measured := false
	for _, s := range r.Scenarios {
		vals := []float64{math.NaN(), math.NaN(), math.NaN()}
		if res := s.Summary.Resources; res != nil {
			vals[0], vals[1], vals[2] = total(res.Proxy), total(res.App), total(res.Client)
		}
		if math.IsNaN(vals[2]) && s.Summary.Client.Source != "" {
			vals[2] = s.Summary.Client.CPUMcores
			if mem {
				vals[2] = s.Summary.Client.MaxRSSMB
			}
		}
		for _, v := range vals {
			measured = measured || !math.IsNaN(v)
		}
		c.groups = append(c.groups, s.Name)
		c.values = append(c.values, vals)
	}
	if !measured {
		return svgHTML(emptyChart(id, name, "no resource figures in this report"))
	}
	return svgHTML(c.svg())
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"pass": passWord, "sloValue": sloValue, "f1": func(v float64) string { return fmtNum(v, 1) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1200px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f6f6; }
.pass { color: #0a7a32; font-weight: 600; } .fail { color: #c0392b; font-weight: 600; } .note { color: #666; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } .charts svg { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
svg .title { font: 600 14px sans-serif; } svg .tick { font: 11px sans-serif; fill: #444; } svg .axis { font: 12px sans-serif; fill: #333; }
svg .legend { font: 12px sans-serif; } svg .grid { stroke: #eee; } svg .frame { fill: none; stroke: #999; }
.warn { background: #fff6e0; border-left: 4px solid #e6a100; padding: 4px 10px; margin: 4px 0; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<div>{{.Start}} · {{.Report.Tool.Name}} {{.Report.Tool.Version}}{{if .Report.Partial}} · <strong>partial: interrupted</strong>{{end}}</div>
{{range .Report.Warnings}}<div class="warn">warning: {{.}}</div>{{end}}
<h2 id="comparison">Comparison</h2>
<table id="comparison-table">
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<p class="note">Δ is scenario minus baseline from pooled data (percentiles of the merged histogram); the 95% CI is Welch's t interval of the difference of per-iteration means.</p>
{{if .MeshMarks}}<h2 id="meshmark">MeshMark</h2>
<table><tr><th>scenario</th><th>score</th>{{range (index .MeshMarks 0).MeshMark.Components}}<th>{{.Name}}</th>{{end}}</tr>
{{range .MeshMarks}}<tr><td>{{.Scenario}}</td><td><strong>{{f1 .MeshMark.Score}}</strong></td>{{range .MeshMark.Components}}<td>{{f1 .Score}} ({{f1 .Input}} {{.Unit}})</td>{{end}}</tr>
{{end}}</table>
<p class="note">0–100; 100 means no overhead observed against the no-mesh baseline.</p>{{end}}
{{if .Report.SLO}}<h2 id="slo">SLO</h2>
<table id="slo-table"><tr><th>result</th><th>scenario</th><th>assertion</th><th>value</th></tr>
{{range .Report.SLO}}<tr><td class="{{if .Pass}}pass{{else}}fail{{end}}">{{pass .Pass}}</td><td>{{.Scenario}}</td><td>{{.Assertion}}</td><td>{{sloValue .}}</td></tr>
{{end}}</table>{{end}}
<h2 id="charts">Charts</h2>
<div class="charts">
{{range .Fragments.Charts}}{{.}}
{{end}}</div>
<h2 id="environment">Environment</h2>
<table id="environment-table">
<tr><td>host</td><td>{{.Report.Environment.Hostname}}</td></tr>
<tr><td>OS</td><td>{{.Report.Environment.OS}} {{.Report.Environment.Kernel}}</td></tr>
<tr><td>CPU</td><td>{{.Report.Environment.CPUModel}} × {{.Report.Environment.CPUs}}</td></tr>
<tr><td>memory</td><td>{{f1 .Report.Environment.MemoryMB}} MB</td></tr>
<tr><td>Go</td><td>{{.Report.Environment.GoVersion}}</td></tr>
{{if .Certify}}<tr><td>certify</td><td id="environment-certify">{{.Certify}}</td></tr>
{{end}}{{range $k, $v := .Report.Environment.Labels}}<tr><td>{{$k}}</td><td>{{$v}}</td></tr>
{{end}}</table>
</body>
</html>
`))
