package dashboard

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/regress"
	"github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/store"
)

// maxOverlay is the most runs one overlay draws.
const maxOverlay = 8

type runView struct {
	Title       string
	ID, Short   string
	Report      *report.Report
	Fragments   render.Fragments
	AllowDelete bool
	Scenarios   []string
	// Env is the certify and calibration line of the table's header.
	Env string
}

// runPage is one run: its comparison table, charts, SLO and downloads.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	id, rep, err := s.get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	f, err := render.PageFragments(rep)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, fmt.Errorf("run %s: %w", id, err))
		return
	}
	v := runView{Title: testName(rep) + " " + shortID(id), ID: id, Short: shortID(id), Report: rep, Fragments: f, AllowDelete: s.o.AllowDelete,
		Env: render.EnvironmentLine(rep)}
	for _, sc := range rep.Scenarios {
		v.Scenarios = append(v.Scenarios, sc.Name)
	}
	s.render(w, "run.html", v)
}

type compareView struct {
	Title string
	Runs  []compareRun
	// Table is the two runs' comparison (deltas, intervals) or, for more,
	// every scenario's figures side by side.
	Table    render.Fragments
	Charts   render.Fragments
	Deltas   bool
	Warnings []string
}

type compareRun struct {
	ID, Short, Test, Start string
}

// comparePage overlays 2 to maxOverlay runs: one chart set with every
// run's scenarios (named "RUN scenario"); for two runs, the second's
// deltas against the first with their 95% intervals, as smp results
// compare prints them.
func (s *Server) comparePage(w http.ResponseWriter, r *http.Request) {
	ids := slices.Compact(r.URL.Query()["id"])
	if len(ids) < 2 || len(ids) > maxOverlay {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("id: %d runs selected: expected 2 to %d (tick them in the runs table)", len(ids), maxOverlay))
		return
	}
	v := compareView{Title: "Overlay"}
	var reps []*report.Report
	overlay := &report.Report{SchemaVersion: report.SchemaVersion}
	for _, id := range ids {
		full, rep, err := s.get(r.Context(), id)
		if err != nil {
			s.failStore(w, r, err)
			return
		}
		reps = append(reps, rep)
		v.Runs = append(v.Runs, compareRun{ID: full, Short: shortID(full), Test: testName(rep), Start: rep.StartTime.UTC().Format("2006-01-02 15:04:05")})
		for _, sc := range rep.Scenarios {
			sc.Name = shortID(full) + " " + sc.Name
			overlay.Scenarios = append(overlay.Scenarios, sc)
		}
	}
	var err error
	if v.Charts, err = render.PageFragments(overlay); err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	v.Table = v.Charts
	if len(reps) == 2 {
		base, other := reps[0], reps[1]
		cs, cerr := report.CompareReports(base, other, "", "")
		if cerr == nil {
			side := report.SideBySide(base, other, cs)
			v.Warnings = side.Warnings
			if v.Table, err = render.PageFragments(side); err != nil {
				s.fail(w, r, http.StatusInternalServerError, err)
				return
			}
			v.Deltas = true
		} else {
			v.Warnings = append(v.Warnings, "no deltas: "+cerr.Error())
		}
	}
	s.render(w, "compare.html", v)
}

type trendView struct {
	Title, Test  string
	Charts       []template.HTML
	Changes      []trendChange
	Runs         int
	Machines     int
	Specs        int
	Lookback     int
	Threshold    float64
	TooFewPoints bool
}

type trendChange struct {
	ID, Short, Scenario, Metric, When string
	Value, Median                     float64
	Score                             string
}

// Change points on the trend page: each run's value against the median
// and MAD of the trendLookback runs before it, as smp results check does.
const (
	trendLookback  = 10
	trendThreshold = 3.5
)

// trendPage plots p99 and CPU per proxy of every run of one test over
// time, one line per scenario, with change points ringed.
func (s *Server) trendPage(w http.ResponseWriter, r *http.Request) {
	test := r.URL.Query().Get("test")
	if test == "" {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("test: missing: expected a test name (metadata.name), e.g. /trend?test=quickstart"))
		return
	}
	runs, err := s.o.Store.List(r.Context(), store.Filter{Test: test})
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	if len(runs) == 0 {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("test %q: no stored run", test))
		return
	}
	slices.Reverse(runs) // oldest first
	v := trendView{Title: "Trend: " + test, Test: test, Runs: len(runs), Lookback: trendLookback, Threshold: trendThreshold}
	machines, specs := map[string]bool{}, map[string]bool{}
	for _, run := range runs {
		machines[run.Fingerprint], specs[run.SpecHash] = true, true
	}
	v.Machines, v.Specs = len(machines), len(specs)
	metrics := []struct {
		id, title, unit, name string
		get                   func(store.ScenarioRun) *float64
	}{
		{"trend-p99", "p99 latency by run", "p99 ms", "p99", func(sc store.ScenarioRun) *float64 { return nonZero(sc.P99Ms) }},
		{"trend-cpu", "CPU per proxy by run", "mCores per proxy", "CPU/proxy", func(sc store.ScenarioRun) *float64 { return sc.ProxyCPUMcores }},
	}
	for _, m := range metrics {
		chart := render.Trend{ID: m.id, Title: m.title, YLabel: m.unit}
		var order []string
		byName := map[string]*render.TrendSeries{}
		prior := map[string][]float64{}
		for _, run := range runs {
			for _, sc := range run.Scenarios {
				val := m.get(sc)
				if val == nil {
					continue
				}
				ser := byName[sc.Name]
				if ser == nil {
					order = append(order, sc.Name)
					ser = &render.TrendSeries{Name: sc.Name}
					byName[sc.Name] = ser
				}
				p := render.TrendPoint{Time: run.StartTime, Value: *val, Link: "/run/" + run.ID,
					Label: shortID(run.ID) + " " + fmtFloat(*val, 3)}
				if sh, ok := regress.Lookback(prior[sc.Name], *val, trendLookback, trendThreshold); ok && sh.Flag {
					p.Flag = true
					v.Changes = append(v.Changes, trendChange{ID: run.ID, Short: shortID(run.ID), Scenario: sc.Name, Metric: m.name,
						When: run.StartTime.UTC().Format("2006-01-02 15:04:05"), Value: *val, Median: sh.Median, Score: fmtFloat(sh.Score, 1)})
				}
				prior[sc.Name] = append(prior[sc.Name], *val)
				ser.Points = append(ser.Points, p)
			}
		}
		for _, name := range order {
			chart.Series = append(chart.Series, *byName[name])
		}
		v.Charts = append(v.Charts, chart.HTML())
	}
	v.TooFewPoints = len(runs) <= regress.MinLookback
	s.render(w, "trend.html", v)
}

func nonZero(v float64) *float64 {
	if v == 0 {
		return nil
	}
	return &v
}

func testName(r *report.Report) string {
	if r.Test != nil && r.Test.Metadata.Name != "" {
		return r.Test.Metadata.Name
	}
	return "run"
}
