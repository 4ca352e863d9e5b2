package render

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo/assertion"
)

// CapacityChartID is the id of the HTML page's latency-vs-rate chart of
// capacity searches (summary.capacity). Unlike ChartIDs, the page has it
// only when some scenario has capacity trials.
const CapacityChartID = "chart-capacity"

// capacityChart plots, for each scenario with a capacity search, its
// trials' p99 (solid) and p50 (dashed) latency against the offered rate,
// each trial's verdict as the p99 marker (filled circle: pass, cross:
// fail, hollow circle: invalid, the generator fell behind), and each
// latency SLO of the searches as a horizontal dashed line. ok is false
// when no scenario has trials.
func capacityChart(r *report.Report) (chart template.HTML, ok bool) {
	const title = "Latency vs offered rate (capacity search)"
	type scen struct {
		name   string
		trials []report.CapacityTrial
	}
	var ss []scen
	xmax, lo, hi := 0.0, math.Inf(1), 0.0
	slos := map[string]float64{} // SLO text → threshold, ms
	for _, s := range r.Scenarios {
		c := s.Summary.Capacity
		if c == nil || len(c.Trials) == 0 {
			continue
		}
		ts := append([]report.CapacityTrial(nil), c.Trials...)
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].Rate < ts[j].Rate })
		for _, t := range ts {
			xmax = math.Max(xmax, t.Rate)
			for _, v := range []float64{t.P50Ms, t.P99Ms} {
				if v > 0 {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		for _, text := range c.SLO {
			if a, err := assertion.Parse(text); err == nil && a.Kind == assertion.KindPercentile && a.Unit == assertion.UnitMs && a.Threshold > 0 {
				slos[a.Text] = a.Threshold
			}
		}
		ss = append(ss, scen{s.Name, ts})
	}
	if len(ss) == 0 {
		return "", false
	}
	if hi == 0 {
		return svgHTML(emptyChart(CapacityChartID, title, "the capacity trials measured no latency")), true
	}
	for _, thr := range slos {
		lo, hi = math.Min(lo, thr), math.Max(hi, thr)
	}
	x := linearAxis(0, xmax*1.05, "offered rate, req/s")
	y := logAxis(lo, hi, "latency ms (log)")
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.name
	}
	var b svgBuilder
	open(&b, CapacityChartID, title, names)
	axes(&b, x, y)
	b.f(`<text x="%d" y="20" class="legend" text-anchor="end">solid p99 · dashed p50 · ● pass · ✕ fail · ○ invalid</text>`, chartW-marginR)
	texts := make([]string, 0, len(slos))
	for t := range slos {
		texts = append(texts, t)
	}
	sort.Strings(texts)
	for _, t := range texts {
		_, py := plotXY(x, y, 0, slos[t])
		b.f(`<line class="slo" data-threshold="%s" x1="%d" y1="%s" x2="%d" y2="%s" stroke="#c00" stroke-width="1.2" stroke-dasharray="6 4"/>`,
			esc(fmtTick(slos[t])), marginL, num(py), marginL+plotW, num(py))
		b.f(`<text x="%d" y="%s" class="tick" text-anchor="end" fill="#c00">SLO %s</text>`, marginL+plotW-4, num(py-4), esc(t))
	}
	for i, s := range ss {
		col := colour(i)
		var p50, p99 []string
		for _, t := range s.trials {
			if t.P50Ms > 0 {
				px, py := plotXY(x, y, t.Rate, t.P50Ms)
				p50 = append(p50, num(px)+","+num(py))
			}
			if t.P99Ms > 0 {
				px, py := plotXY(x, y, t.Rate, t.P99Ms)
				p99 = append(p99, num(px)+","+num(py))
			}
		}
		b.f(`<polyline class="series" data-series="%s" data-metric="p99" fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`, esc(s.name), col, strings.Join(p99, " "))
		b.f(`<polyline class="series" data-series="%s" data-metric="p50" fill="none" stroke="%s" stroke-width="1.4" stroke-dasharray="5 4" points="%s"/>`, esc(s.name), col, strings.Join(p50, " "))
		for _, t := range s.trials {
			if t.P99Ms > 0 {
				trialMarker(&b, x, y, s.name, col, t)
			}
		}
	}
	b.f(`</svg>`)
	return svgHTML(b.String()), true
}

// trialVerdict is a trial's verdict as its marker shows it.
func trialVerdict(t report.CapacityTrial) string {
	switch {
	case !t.Valid:
		return "invalid"
	case t.Pass:
		return "pass"
	}
	return "fail"
}

// trialMarker draws one trial's p99 point, shaped by its verdict, with
// its figures as a tooltip and as data- attributes.
func trialMarker(b *svgBuilder, x, y axis, name, col string, t report.CapacityTrial) {
	v := trialVerdict(t)
	px, py := plotXY(x, y, t.Rate, t.P99Ms)
	attrs := fmt.Sprintf(`class="trial %s" data-series="%s" data-rate="%s" data-p99="%s"`, v, esc(name), esc(fmtTick(t.Rate)), esc(fmtTick(t.P99Ms)))
	tip := fmt.Sprintf(`<title>%s: %s req/s offered (%s achieved), p50 %s ms, p99 %s ms: %s</title>`,
		esc(name), esc(fmtNum(t.Rate, 0)), esc(fmtNum(t.Achieved, 0)), esc(fmtNum(t.P50Ms, 2)), esc(fmtNum(t.P99Ms, 2)), esc(v))
	switch v {
	case "pass":
		b.f(`<circle %s cx="%s" cy="%s" r="4" fill="%s">%s</circle>`, attrs, num(px), num(py), col, tip)
	case "invalid":
		b.f(`<circle %s cx="%s" cy="%s" r="4" fill="#fff" stroke="%s" stroke-width="1.5">%s</circle>`, attrs, num(px), num(py), col, tip)
	default:
		const d = 4.5
		b.f(`<path %s d="M%s,%s L%s,%s M%s,%s L%s,%s" stroke="%s" stroke-width="2">%s</path>`, attrs,
			num(px-d), num(py-d), num(px+d), num(py+d), num(px-d), num(py+d), num(px+d), num(py-d), col, tip)
	}
}

// plotXY is the SVG position of the data point (vx, vy), clamped to the
// plot frame.
func plotXY(x, y axis, vx, vy float64) (px, py float64) {
	fx := math.Min(1, math.Max(0, x.frac(vx)))
	fy := math.Min(1, math.Max(0, y.frac(vy)))
	return float64(marginL) + float64(plotW)*fx, float64(marginT) + float64(plotH)*(1-fy)
}
