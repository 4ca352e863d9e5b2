package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/slo"
	"github.com/smp-dev/smp/store"
)

// Limits of the runs table.
const (
	defaultLimit = 200
	maxLimit     = 2000
)

// listQuery is a runs table's filter, from the query string.
type listQuery struct {
	Test, Mesh, Since, Until, Q string
	Labels                      []string
	Limit                       int
	filter                      store.Filter
}

// parseList reads the filter parameters: test, mesh, since, until, label
// (k=v, repeatable or space-separated), q (a search over id, test, platform, meshes and
// labels) and limit. A bad value is an error naming the parameter.
func (s *Server) parseList(r *http.Request) (listQuery, error) {
	q := r.URL.Query()
	lq := listQuery{Test: q.Get("test"), Mesh: q.Get("mesh"), Since: q.Get("since"), Until: q.Get("until"),
		Q: strings.TrimSpace(q.Get("q")), Labels: q["label"], Limit: defaultLimit}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return lq, fmt.Errorf("limit %q: expected a whole number from 1 to %d", v, maxLimit)
		}
		lq.Limit = n
	}
	f := store.Filter{Test: lq.Test, Mesh: lq.Mesh}
	var err error
	now := s.o.Now()
	if f.Since, err = store.ParseWhen(lq.Since, now); err != nil {
		return lq, fmt.Errorf("since %w", err)
	}
	if f.Until, err = store.ParseWhen(lq.Until, now); err != nil {
		return lq, fmt.Errorf("until %w", err)
	}
	var labels []string
	for _, l := range lq.Labels {
		labels = append(labels, strings.Fields(l)...) // the form's one box takes several, space-separated
	}
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return lq, fmt.Errorf("label %q: expected key=value", l)
		}
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		f.Labels[k] = v
	}
	if lq.Q == "" {
		f.Limit = lq.Limit // a search filters after the store's list
	}
	lq.filter = f
	return lq, nil
}

// list returns the runs lq selects, newest first.
func (s *Server) list(ctx context.Context, lq listQuery) ([]store.Run, error) {
	runs, err := s.o.Store.List(ctx, lq.filter)
	if err != nil {
		return nil, err
	}
	if lq.Q == "" {
		return runs, nil
	}
	needle := strings.ToLower(lq.Q)
	var out []store.Run
	for _, run := range runs {
		if strings.Contains(searchText(run), needle) {
			out = append(out, run)
			if len(out) == lq.Limit {
				break
			}
		}
	}
	return out, nil
}

// searchText is what q searches in a run, lower case.
func searchText(r store.Run) string {
	parts := []string{r.ID, r.Test, r.Platform, r.ToolVersion}
	for _, sc := range r.Scenarios {
		parts = append(parts, sc.Name, sc.MeshType, sc.MeshVersion)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Labels)) {
		parts = append(parts, k+"="+r.Labels[k])
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// runHead is what the runs table shows of a run beyond the store's index.
type runHead struct {
	// MeshMark by scenario name (only scenarios compared with a baseline).
	MeshMark map[string]float64
	// SLO is "pass", "fail" or "" (no assertion).
	SLO string
}

// head returns run id's head, reading its report once.
func (s *Server) head(ctx context.Context, id string) runHead {
	s.mu.Lock()
	h, ok := s.heads[id]
	s.mu.Unlock()
	if ok {
		return h
	}
	rep, err := s.o.Store.Get(ctx, id)
	if err != nil {
		return runHead{}
	}
	h = runHead{MeshMark: map[string]float64{}}
	for _, c := range rep.Comparisons {
		if c.MeshMark != nil {
			h.MeshMark[c.Scenario] = c.MeshMark.Score
		}
	}
	if len(rep.SLO) > 0 {
		h.SLO = "pass"
		if slo.Failed(rep.SLO) {
			h.SLO = "fail"
		}
	}
	s.mu.Lock()
	s.heads[id] = h
	s.mu.Unlock()
	return h
}

func (s *Server) forget(id string) {
	s.mu.Lock()
	delete(s.heads, id)
	s.mu.Unlock()
}

// selected parses the filter of r and lists the runs it selects; on bad
// input or a store error it has answered r and reports false.
func (s *Server) selected(w http.ResponseWriter, r *http.Request) (listQuery, []store.Run, bool) {
	lq, err := s.parseList(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return lq, nil, false
	}
	runs, err := s.list(r.Context(), lq)
	if err != nil {
		s.failStore(w, r, err)
		return lq, nil, false
	}
	return lq, runs, true
}

// runsPage is the runs table.
func (s *Server) runsPage(w http.ResponseWriter, r *http.Request) {
	lq, runs, ok := s.selected(w, r)
	if !ok {
		return
	}
	p := runsView{Title: "Runs", Query: lq, Labels: strings.Join(lq.Labels, " "), AllowDelete: s.o.AllowDelete}
	tests := map[string]bool{}
	for _, run := range runs {
		p.Runs = append(p.Runs, s.rowsOf(r.Context(), run))
		tests[run.Test] = true
	}
	p.Tests = slices.Sorted(maps.Keys(tests))
	s.render(w, "runs.html", p)
}

// apiRuns is the runs table as JSON: the store's index rows.
func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request) {
	_, runs, ok := s.selected(w, r)
	if !ok {
		return
	}
	if runs == nil {
		runs = []store.Run{}
	}
	writeJSON(w, http.StatusOK, runs)
}

// apiRun is one stored report, whole.
func (s *Server) apiRun(w http.ResponseWriter, r *http.Request) {
	_, rep, err := s.get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.failStore(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// apiDelete deletes a run when deletes are allowed.
func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.delete(w, r)
	if ok {
		writeJSON(w, http.StatusOK, map[string]string{"deleted": id})
	}
}

// deleteForm is the run page's delete button.
func (s *Server) deleteForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.delete(w, r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) (string, bool) {
	if !s.o.AllowDelete {
		s.fail(w, r, http.StatusForbidden, fmt.Errorf("deleting runs is off: start smp serve with --allow-delete"))
		return "", false
	}
	id, err := store.Resolve(r.Context(), s.o.Store, r.PathValue("id"))
	if err == nil {
		err = s.o.Store.Delete(r.Context(), id)
	}
	if err != nil {
		s.failStore(w, r, err)
		return "", false
	}
	s.forget(id)
	return id, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
