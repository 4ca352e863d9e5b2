package render

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// palette colours series in scenario order (colour-blind-safe set).
var palette = [...]string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000"}

func colour(i int) string { return palette[i%len(palette)] }

// Chart geometry, in SVG user units.
const (
	chartW, chartH                     = 760, 340
	marginL, marginR, marginT, marginB = 70, 20, 34, 46
	plotW, plotH                       = chartW - marginL - marginR, chartH - marginT - marginB
	legendRow                          = 16
)

// series is one line of a line chart.
type series struct {
	name   string
	colour string
	xs, ys []float64
}

// tick is one labelled position on an axis.
type tick struct {
	v     float64
	label string
}

// axis maps data values to plot coordinates, linearly or in log10.
type axis struct {
	lo, hi float64
	log    bool
	ticks  []tick
	label  string
}

func (a axis) frac(v float64) float64 {
	lo, hi := a.lo, a.hi
	if a.log {
		v, lo, hi = math.Log10(math.Max(v, 1e-12)), math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		return 0.5
	}
	return (v - lo) / (hi - lo)
}

// lineChart is a chart of series on two axes.
type lineChart struct {
	id, title string
	x, y      axis
	series    []series
}

// niceTicks returns about n round tick values covering [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// linearAxis spans [lo, hi] rounded out to nice ticks.
func linearAxis(lo, hi float64, label string) axis {
	if lo > 0 {
		lo = 0
	}
	if hi <= lo {
		hi = lo + 1
	}
	ts := niceTicks(lo, hi, 5)
	hi = math.Max(hi, ts[len(ts)-1])
	a := axis{lo: lo, hi: hi, label: label}
	for _, v := range ts {
		a.ticks = append(a.ticks, tick{v, fmtTick(v)})
	}
	return a
}

// logAxis spans whole decades around [lo, hi] (both > 0), with 1-2-5 ticks
// when it covers few decades.
func logAxis(lo, hi float64, label string) axis {
	if lo <= 0 {
		lo = hi / 1000
	}
	if hi <= lo {
		hi = lo * 10
	}
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi == dlo {
		dhi++
	}
	a := axis{lo: math.Pow(10, dlo), hi: math.Pow(10, dhi), log: true, label: label}
	for d := dlo; d <= dhi; d++ {
		for _, m := range []float64{1, 2, 5} {
			if m > 1 && dhi-dlo > 3 {
				continue
			}
			if v := m * math.Pow(10, d); v <= a.hi*1.0001 {
				a.ticks = append(a.ticks, tick{v, fmtTick(v)})
			}
		}
	}
	return a
}

func fmtTick(v float64) string {
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// svgBuilder accumulates SVG markup.
type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// svgHTML marks a chart of this file as safe to put in the page unescaped.
// It is safe because every chart is built here with svgBuilder.f, whose
// string arguments are all esc()aped (names, titles, labels and ids from the
// report) or generated here (numbers, palette colours): no text of a report
// reaches the page unescaped. Only the output of emptyChart and the svg
// methods may be passed to it.
func svgHTML(svg string) template.HTML {
	return template.HTML(svg) //nolint:gosec // G203: see above; every string in svg went through esc
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// open starts an SVG chart with its title and a plot frame.
func open(b *svgBuilder, id, title string, legend []string) {
	entries, rows := layLegend(legend)
	h := chartH + legendRow*rows + 6
	b.f(`<svg class="chart" id="%s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		esc(id), chartW, h, chartW, h, esc(title))
	b.f(`<title>%s</title>`, esc(title))
	b.f(`<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`, chartW, h)
	b.f(`<text x="%d" y="20" class="title">%s</text>`, marginL, esc(title))
	for i, e := range entries {
		y := chartH + legendRow*e.row + 6
		tip := ""
		if e.cut {
			tip = "<title>" + esc(legend[i]) + "</title>"
		}
		b.f(`<rect x="%d" y="%d" width="12" height="4" fill="%s"/><text x="%d" y="%d" class="legend">%s%s</text>`,
			e.x, y-4, colour(i), e.x+legendKey, y, tip, esc(e.text))
	}
}

// axes draws the grid, ticks and labels of x and y.
func axes(b *svgBuilder, x, y axis) {
	for _, t := range y.ticks {
		py := float64(marginT) + float64(plotH)*(1-y.frac(t.v))
		b.f(`<line x1="%d" y1="%s" x2="%d" y2="%s" class="grid"/>`, marginL, num(py), marginL+plotW, num(py))
		b.f(`<text x="%d" y="%s" class="tick" text-anchor="end">%s</text>`, marginL-6, num(py+4), esc(t.label))
	}
	for _, t := range x.ticks {
		px := float64(marginL) + float64(plotW)*x.frac(t.v)
		b.f(`<line x1="%s" y1="%d" x2="%s" y2="%d" class="grid"/>`, num(px), marginT, num(px), marginT+plotH)
		b.f(`<text x="%s" y="%d" class="tick" text-anchor="middle">%s</text>`, num(px), marginT+plotH+16, esc(t.label))
	}
	b.f(`<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>`, marginL, marginT, plotW, plotH)
	b.f(`<text x="%d" y="%d" class="axis" text-anchor="middle">%s</text>`, marginL+plotW/2, marginT+plotH+36, esc(x.label))
	b.f(`<text x="16" y="%d" class="axis" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>`, marginT+plotH/2, marginT+plotH/2, esc(y.label))
}

// svg renders the chart. Points outside the axes are clamped to the frame.
func (c lineChart) svg() string {
	var b svgBuilder
	names := make([]string, len(c.series))
	for i, s := range c.series {
		names[i] = s.name
	}
	open(&b, c.id, c.title, names)
	axes(&b, c.x, c.y)
	for i, s := range c.series {
		if len(s.xs) == 0 {
			continue
		}
		var pts []string
		for j := range s.xs {
			fx := math.Min(1, math.Max(0, c.x.frac(s.xs[j])))
			fy := math.Min(1, math.Max(0, c.y.frac(s.ys[j])))
			pts = append(pts, num(float64(marginL)+float64(plotW)*fx)+","+num(float64(marginT)+float64(plotH)*(1-fy)))
		}
		col := s.colour
		if col == "" {
			col = colour(i)
		}
		b.f(`<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`, esc(s.name), esc(col), strings.Join(pts, " "))
	}
	b.f(`</svg>`)
	return b.String()
}

// barChart is a grouped bar chart: one group per label, one bar per
// series in each group.
type barChart struct {
	id, title, yLabel string
	groups            []string    // x labels
	series            []string    // bar names (legend)
	values            [][]float64 // values[group][series]; NaN = not measured
}

func (c barChart) svg() string {
	var b svgBuilder
	open(&b, c.id, c.title, c.series)
	hi := 0.0
	for _, g := range c.values {
		for _, v := range g {
			if !math.IsNaN(v) {
				hi = math.Max(hi, v)
			}
		}
	}
	y := linearAxis(0, hi*1.1, c.yLabel)
	axes(&b, axis{lo: 0, hi: 1, label: ""}, y)
	if len(c.groups) == 0 {
		b.f(`</svg>`)
		return b.String()
	}
	gw := float64(plotW) / float64(len(c.groups))
	bw := gw * 0.8 / float64(max(1, len(c.series)))
	for gi, g := range c.groups {
		gx := float64(marginL) + gw*float64(gi)
		b.f(`<text x="%s" y="%d" class="tick" text-anchor="middle">%s</text>`, num(gx+gw/2), marginT+plotH+16, esc(g))
		for si := range c.series {
			v := c.values[gi][si]
			if math.IsNaN(v) {
				continue
			}
			top := float64(marginT) + float64(plotH)*(1-y.frac(v))
			x := gx + gw*0.1 + bw*float64(si)
			b.f(`<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
				num(x), num(top), num(math.Max(1, bw-2)), num(float64(marginT+plotH)-top), colour(si), esc(g), esc(c.series[si]), esc(fmtTick(v)))
		}
	}
	b.f(`</svg>`)
	return b.String()
}

// emptyChart stands in for a chart without data, so that every chart of
// the page is present and says why it is blank.
func emptyChart(id, title, why string) string {
	var b svgBuilder
	open(&b, id, title, nil)
	b.f(`<rect x="%d" y="%d" width="%d" height="%d" class="frame"/>`, marginL, marginT, plotW, plotH)
	b.f(`<text x="%d" y="%d" class="axis" text-anchor="middle">%s</text></svg>`, marginL+plotW/2, marginT+plotH/2, esc(why))
	return b.String()
}
