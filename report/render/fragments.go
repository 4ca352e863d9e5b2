package render

import (
	"html/template"

	"github.com/smp-dev/smp/report"
)

// Fragments are the parts of the HTML page another page can embed (smp
// serve's run, overlay and live pages): the comparison table, the charts
// and the MeshMark rows. The HTML page is made of them too, so both show
// the same thing drawn by the same code.
type Fragments struct {
	// Header and Rows are the comparison table, as in the text table.
	Header []string
	Rows   [][]string
	// Charts are inline <svg class="chart"> elements, in ChartIDs order,
	// then the capacity chart (CapacityChartID) when a scenario has
	// capacity trials.
	Charts []template.HTML
	// MeshMarks are the comparisons that carry a MeshMark.
	MeshMarks []report.Comparison
}

// PageFragments builds r's table and charts.
func PageFragments(r *report.Report) (Fragments, error) {
	hists, err := decodeAll(r)
	if err != nil {
		return Fragments{}, err
	}
	g := buildGrid(r)
	f := Fragments{
		Header: g.header, Rows: g.cells,
		Charts: []template.HTML{
			percentileChart(r, hists), histogramChart(r, hists),
			rateChart(r), p99Chart(r),
			resourceChart(r, "chart-cpu", "CPU by role (all components)", "mCores", false),
			resourceChart(r, "chart-memory", "Memory by role (all components)", "MB", true),
		},
	}
	if c, ok := capacityChart(r); ok {
		f.Charts = append(f.Charts, c)
	}
	for _, c := range r.Comparisons {
		if c.MeshMark != nil {
			f.MeshMarks = append(f.MeshMarks, c)
		}
	}
	return f, nil
}

// TimelineCharts are the two per-second charts alone (requests/s and p99
// over time), for a page that redraws them as a run goes: cheaper than
// PageFragments, which decodes every histogram.
func TimelineCharts(r *report.Report) []template.HTML {
	return []template.HTML{rateChart(r), p99Chart(r)}
}

func rateChart(r *report.Report) template.HTML {
	return timelineChart(r, "chart-rps", "Requests/s over time", "requests/s", func(p report.TimelinePoint) float64 { return float64(p.Requests) })
}

func p99Chart(r *report.Report) template.HTML {
	return timelineChart(r, "chart-p99", "p99 latency over time", "p99 ms", func(p report.TimelinePoint) float64 { return p.P99 })
}
