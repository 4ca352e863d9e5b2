package dashboard

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/smp-dev/smp/store"
)

//go:embed templates
var templateFS embed.FS

// pageSet holds one template per page, each with the shared layout.
type pageSet map[string]*template.Template

var funcs = template.FuncMap{
	"ms":    func(v float64) string { return fmtFloat(v, 3) },
	"num":   func(v float64) string { return fmtFloat(v, 1) },
	"ptr":   func(p *float64) string { return optFloat(p, 1) },
	"short": shortID,
	"when":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	"join":  strings.Join,
}

var pages = mustPages()

func mustPages() pageSet {
	ps := pageSet{}
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if n.Name() == "layout.html" {
			continue
		}
		ps[n.Name()] = template.Must(template.New(n.Name()).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n.Name()))
	}
	return ps
}

// ExecuteTemplate renders page name (its layout included).
func (ps pageSet) ExecuteTemplate(w interface{ Write([]byte) (int, error) }, name string, data any) error {
	t, ok := ps[name]
	if !ok {
		return fmt.Errorf("dashboard: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// render writes a page, whole or not at all: a template error is a 500,
// never half a page.
func (s *Server) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "dashboard: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Title   string
	Code    int
	Message string
}

type runsView struct {
	Title       string
	Query       listQuery
	Labels      string
	Tests       []string
	Runs        []runRows
	AllowDelete bool
}

// runRows are one run's rows of the runs table: the run, then one line
// per scenario.
type runRows struct {
	store.Run
	Short     string
	Label     string
	SLO       string
	Scenarios []scenarioRow
}

type scenarioRow struct {
	store.ScenarioRun
	MeshMark string
}

func (s *Server) rowsOf(ctx context.Context, run store.Run) runRows {
	h := s.head(ctx, run.ID)
	rr := runRows{Run: run, Short: shortID(run.ID), SLO: h.SLO}
	var labels []string
	for _, k := range slices.Sorted(maps.Keys(run.Labels)) {
		labels = append(labels, k+"="+run.Labels[k])
	}
	rr.Label = strings.Join(labels, " ")
	for _, sc := range run.Scenarios {
		row := scenarioRow{ScenarioRun: sc, MeshMark: "-"}
		if v, ok := h.MeshMark[sc.Name]; ok {
			row.MeshMark = fmtFloat(v, 1)
		}
		rr.Scenarios = append(rr.Scenarios, row)
	}
	return rr
}

// shortID is the first 8 hex digits of a run ID (as smp results list
// prints them when asked).
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func fmtFloat(v float64, digits int) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.*f", digits, v), "0"), ".")
}

func optFloat(p *float64, digits int) string {
	if p == nil {
		return "-"
	}
	return fmtFloat(*p, digits)
}
