package render

import (
	"html/template"
	"math"
	"strings"
	"time"
)

// TrendPoint is one run's value on a Trend chart. Flag marks a detected
// change point (drawn as a ring); Link, when set, makes the point a link
// (to the run's page); Label is its tooltip.
type TrendPoint struct {
	Time  time.Time
	Value float64
	Flag  bool
	Label string
	Link  string
}

// TrendSeries is one line of a Trend chart, its points oldest first.
type TrendSeries struct {
	Name   string
	Points []TrendPoint
}

// Trend is a chart of values over calendar time, one line per series, on
// the HTML page's axes and palette: smp serve's trend page.
type Trend struct {
	ID, Title, YLabel string
	Series            []TrendSeries
}

// HTML draws the chart as an inline <svg class="chart">; points with a
// value that is not a finite number are left out. A chart with no point
// says so.
func (c Trend) HTML() template.HTML {
	var t0, t1 time.Time
	yhi := 0.0
	n := 0
	for _, s := range c.Series {
		for _, p := range s.Points {
			if !finite(p.Value) {
				continue
			}
			if n == 0 || p.Time.Before(t0) {
				t0 = p.Time
			}
			if n == 0 || p.Time.After(t1) {
				t1 = p.Time
			}
			yhi = math.Max(yhi, p.Value)
			n++
		}
	}
	if n == 0 {
		return svgHTML(emptyChart(c.ID, c.Title, "no run has this figure"))
	}
	span := t1.Sub(t0)
	if span <= 0 {
		span = time.Minute
	}
	x := axis{lo: 0, hi: span.Seconds(), label: "run start (UTC)"}
	for _, v := range niceTicks(0, span.Seconds(), 4) {
		x.ticks = append(x.ticks, tick{v, timeTick(t0.Add(time.Duration(v*float64(time.Second))), span)})
	}
	y := linearAxis(0, yhi*1.1, c.YLabel)
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	var b svgBuilder
	open(&b, c.ID, c.Title, names)
	axes(&b, x, y)
	for i, s := range c.Series {
		var pts []string
		for _, p := range s.Points {
			if !finite(p.Value) {
				continue
			}
			px := float64(marginL) + float64(plotW)*math.Min(1, math.Max(0, x.frac(p.Time.Sub(t0).Seconds())))
			py := float64(marginT) + float64(plotH)*(1-math.Min(1, math.Max(0, y.frac(p.Value))))
			pts = append(pts, num(px)+","+num(py))
			// A change point is a red ring around where the point would be.
			attrs := `class="point" r="3" fill="` + colour(i) + `"`
			if p.Flag {
				attrs = `class="point change" r="7" fill="none" stroke="#c0392b" stroke-width="2.5"`
			}
			mark := `<circle cx="` + num(px) + `" cy="` + num(py) + `" ` + attrs
			mark += `><title>` + esc(s.Name+": "+p.Label) + `</title></circle>`
			if p.Link != "" {
				mark = `<a href="` + esc(p.Link) + `">` + mark + `</a>`
			}
			b.f("%s", mark)
		}
		if len(pts) > 0 {
			b.f(`<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`,
				esc(s.Name), colour(i), strings.Join(pts, " "))
		}
	}
	b.f(`</svg>`)
	return svgHTML(b.String())
}

// timeTick labels a time on an axis spanning span: dates for long spans,
// times of day for short ones.
func timeTick(t time.Time, span time.Duration) string {
	t = t.UTC()
	switch {
	case span >= 72*time.Hour:
		return t.Format("Jan 2")
	case span >= 12*time.Hour:
		return t.Format("Jan 2 15:04")
	default:
		return t.Format("15:04:05")
	}
}
