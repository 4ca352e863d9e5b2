package render

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Point is one point of a Scatter series, with an optional label drawn
// beside it.
type Point struct {
	X, Y  float64
	Label string
}

// ScatterSeries is one named line of points of a Scatter chart, joined in
// the order given.
type ScatterSeries struct {
	Name   string
	Points []Point
}

// Scatter is a standalone chart of labelled points joined by one line per
// series, on two linear axes from 0: the same axes, palette and legend as
// the HTML page's charts.
type Scatter struct {
	ID, Title      string
	XLabel, YLabel string
	Series         []ScatterSeries
}

// standaloneCSS styles the chart classes of this file outside the HTML
// page (which carries the same rules in its own stylesheet).
const standaloneCSS = `.title { font: 600 14px sans-serif; } .tick { font: 11px sans-serif; fill: #444; } .axis { font: 12px sans-serif; fill: #333; } ` +
	`.legend { font: 12px sans-serif; } .grid { stroke: #eee; } .frame { fill: none; stroke: #999; } .point { font: 10px sans-serif; fill: #333; }`

// SVG writes the chart as one standalone SVG document. A point whose X or
// Y is not a finite number is left out (and its label with it).
func (c Scatter) SVG(w io.Writer) error {
	xhi, yhi := 0.0, 0.0
	for _, s := range c.Series {
		for _, p := range s.Points {
			if finite(p.X) && finite(p.Y) {
				xhi, yhi = math.Max(xhi, p.X), math.Max(yhi, p.Y)
			}
		}
	}
	x := linearAxis(0, xhi*1.05, c.XLabel)
	y := linearAxis(0, yhi*1.05, c.YLabel)
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	var b svgBuilder
	b.f(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	open(&b, c.ID, c.Title, names)
	b.f(`<style>%s</style>`, standaloneCSS)
	axes(&b, x, y)
	for i, s := range c.Series {
		var pts []string
		for _, p := range s.Points {
			if !finite(p.X) || !finite(p.Y) {
				continue
			}
			px := float64(marginL) + float64(plotW)*math.Min(1, math.Max(0, x.frac(p.X)))
			py := float64(marginT) + float64(plotH)*(1-math.Min(1, math.Max(0, y.frac(p.Y))))
			pts = append(pts, num(px)+","+num(py))
			b.f(`<circle cx="%s" cy="%s" r="3" fill="%s"><title>%s %s: %s, %s</title></circle>`,
				num(px), num(py), colour(i), esc(s.Name), esc(p.Label), esc(fmtTick(p.X)), esc(fmtTick(p.Y)))
			if p.Label != "" {
				b.f(`<text x="%s" y="%s" class="point">%s</text>`, num(px+5), num(py-5), esc(p.Label))
			}
		}
		if len(pts) > 0 {
			b.f(`<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`,
				esc(s.Name), colour(i), strings.Join(pts, " "))
		}
	}
	b.f("</svg>\n")
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write scatter chart %q: %w", c.ID, err)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
