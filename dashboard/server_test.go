package dashboard

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/store"
)

// t0 is the fixture runs' first start.
var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// fixtureRun is report/testdata/fixture.json (baseline, istio, linkerd;
// three iterations each) as test name at start, its p99s times scale.
func fixtureRun(t testing.TB, name string, start time.Time, scale float64, labels map[string]string) *report.Report {
	t.Helper()
	r, err := report.ReadFile(filepath.Join("..", "report", "testdata", "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.Test.Metadata.Name = name
	r.Test.Metadata.Labels = labels
	r.EndTime = start.Add(r.EndTime.Sub(r.StartTime))
	r.StartTime = start
	for i := range r.Scenarios {
		r.Scenarios[i].Summary.Latency.Percentiles[report.PercentileKey(99)] *= scale
	}
	return r
}

// testStore is a SQLite store in a temporary directory holding runs.
func testStore(t testing.TB, runs ...*report.Report) (store.Store, []string) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var ids []string
	for _, r := range runs {
		run, err := st.Put(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, run.ID)
	}
	return st, ids
}

// fourRuns are three runs of "mesh-nightly", the fourth 3× slower at p99,
// and one of "other" labelled team=payments.
func fourRuns(t testing.TB) []*report.Report {
	return []*report.Report{
		fixtureRun(t, "mesh-nightly", t0, 1, nil),
		fixtureRun(t, "mesh-nightly", t0.Add(24*time.Hour), 1.02, nil),
		fixtureRun(t, "mesh-nightly", t0.Add(48*time.Hour), 0.98, nil),
		fixtureRun(t, "mesh-nightly", t0.Add(72*time.Hour), 3, nil),
		fixtureRun(t, "other", t0.Add(96*time.Hour), 1, map[string]string{"team": "payments"}),
	}
}

func newServer(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return t0.Add(100 * time.Hour) }
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t testing.TB, h http.Handler, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	return do(t, h, http.MethodGet, target, hdr...)
}

func do(t testing.TB, h http.Handler, method, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestRunsTableFiltersAndSearch(t *testing.T) {
	st, ids := testStore(t, fourRuns(t)...)
	s := newServer(t, Options{Store: st})
	for _, tc := range []struct {
		query string
		want  []string // run ids shown, in order
	}{
		{"", []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"?test=mesh-nightly", []string{ids[3], ids[2], ids[1], ids[0]}},
		{"?test=mesh-nightly&limit=2", []string{ids[3], ids[2]}},
		{"?label=team%3Dpayments", []string{ids[4]}},
		{"?label=team%3Dpayments+purpose%3Dx", nil}, // both must match
		{"?q=PAYMENTS", []string{ids[4]}},
		{"?q=" + ids[1][:8], []string{ids[1]}},
		{"?since=30h", []string{ids[4], ids[3]}}, // now is t0+100h
		{"?mesh=consul", nil},
	} {
		res, body := get(t, s, "/"+tc.query)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.query, res.StatusCode, body)
		}
		var got []string
		for _, part := range strings.Split(body, `<tbody class="run" data-id="`)[1:] {
			got = append(got, part[:strings.IndexByte(part, '"')])
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: runs %v: want %v", tc.query, got, tc.want)
		}
		if len(tc.want) == 0 && !strings.Contains(body, `id="no-runs"`) {
			t.Errorf("%q: no runs and no message saying so", tc.query)
		}
	}
	// The headline figures and the MeshMark (read from the report) show.
	_, body := get(t, s, "/?test=other")
	for _, want := range []string{">istio<", ">linkerd<", "team=payments", "/trend?test=other"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs table lacks %q", want)
		}
	}
	rep := fourRuns(t)[4]
	for _, c := range rep.Comparisons {
		if c.MeshMark != nil && !strings.Contains(body, "<td>"+fmtFloat(c.MeshMark.Score, 1)+"</td>") {
			t.Errorf("MeshMark %v of %s not shown", c.MeshMark.Score, c.Scenario)
		}
	}
}

func TestAPIRunsAndBadInput(t *testing.T) {
	st, ids := testStore(t, fourRuns(t)...)
	s := newServer(t, Options{Store: st})
	res, body := get(t, s, "/api/runs?test=mesh-nightly")
	var runs []store.Run
	if err := json.Unmarshal([]byte(body), &runs); err != nil || res.StatusCode != 200 || len(runs) != 4 {
		t.Fatalf("/api/runs: %d %v %d runs", res.StatusCode, err, len(runs))
	}
	res, body = get(t, s, "/api/runs/"+ids[0][:6])
	var rep report.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil || res.StatusCode != 200 || len(rep.Scenarios) != 3 {
		t.Fatalf("/api/runs/ID: %d %v", res.StatusCode, err)
	}
	for _, tc := range []struct {
		target string
		code   int
		says   string
	}{
		{"/api/runs?limit=0", 400, "limit"},
		{"/api/runs?limit=abc", 400, "limit"},
		{"/api/runs?since=yesterday", 400, "since"},
		{"/api/runs?label=novalue", 400, "label"},
		{"/api/runs/zz", 400, "hex digits"},
		{"/api/runs/" + strings.Repeat("a", 40), 400, "hex digits"},
		{"/api/runs/abcdef0123", 404, "not found"},
		{"/api/runs/..%2F..%2Fetc%2Fpasswd", 400, "hex digits"},
		{"/run/%3Cscript%3E", 400, "hex digits"},
		{"/api/runs?q=" + strings.Repeat("x", 5000), 414, "expected at most"},
		{"/api/runs/" + ids[0] + "/export?format=xml", 400, "expected json, smp or fortio"},
		{"/api/runs/" + ids[0] + "/export?format=fortio", 400, "scenario"},
		{"/compare?id=" + ids[0], 400, "expected 2 to 8"},
		{"/trend", 400, "test: missing"},
		{"/trend?test=nothing", 404, "no stored run"},
		{"/live/../../etc/passwd", http.StatusTemporaryRedirect, `href="/etc/passwd"`}, // cleaned, then 404
		{"/api/live/12-x/events", 400, "expected START-PID"},
		{"/nowhere", 404, ""},
	} {
		res, body := get(t, s, tc.target)
		if res.StatusCode != tc.code || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d %.200s: want %d saying %q", tc.target, res.StatusCode, body, tc.code, tc.says)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the page echoes markup unescaped", tc.target)
		}
	}
	// An ambiguous prefix: make one by searching the ids.
	if p, ok := commonPrefix(ids); ok {
		if res, body := get(t, s, "/api/runs/"+p); res.StatusCode != 400 || !strings.Contains(body, "matches") {
			t.Errorf("ambiguous %s: %d %s", p, res.StatusCode, body)
		}
	}
}

// commonPrefix finds MinPrefix hex digits two ids share, if any.
func commonPrefix(ids []string) (string, bool) {
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			if ids[i][:store.MinPrefix] == ids[j][:store.MinPrefix] {
				return ids[i][:store.MinPrefix], true
			}
		}
	}
	return "", false
}

func TestExport(t *testing.T) {
	r := fixtureRun(t, `../../evil "name"`+"\r\nX-Injected: 1", t0, 1, nil)
	st, ids := testStore(t, r)
	s := newServer(t, Options{Store: st})
	for _, tc := range []struct{ query, kind string }{
		{"", "report"}, {"?format=json", "report"}, {"?format=smp", "smp"}, {"?format=fortio&scenario=istio", "fortio"},
	} {
		res, body := get(t, s, "/api/runs/"+ids[0]+"/export"+tc.query)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", tc.query, res.StatusCode, body)
		}
		cd := res.Header.Get("Content-Disposition")
		want := `attachment; filename="evil_name_X-Injected_1-` + ids[0][:8] + "-" + tc.kind + `.json"`
		if cd != want {
			t.Errorf("%s: Content-Disposition %q: want %q", tc.query, cd, want)
		}
		if res.Header.Get("X-Injected") != "" {
			t.Error("a header was injected through the test name")
		}
		if !json.Valid([]byte(body)) {
			t.Errorf("%s: not JSON", tc.query)
		}
	}
	_, body := get(t, s, "/api/runs/"+ids[0]+"/export?format=fortio&scenario=istio")
	var fr struct {
		DurationHistogram struct{ Count int64 } `json:"DurationHistogram"`
	}
	if err := json.Unmarshal([]byte(body), &fr); err != nil || fr.DurationHistogram.Count != r.Scenarios[1].Summary.Latency.Count {
		t.Errorf("fortio export: %v, count %d: want istio's %d", err, fr.DurationHistogram.Count, r.Scenarios[1].Summary.Latency.Count)
	}
}

func TestTokenAndDelete(t *testing.T) {
	st, ids := testStore(t, fourRuns(t)...)
	s := newServer(t, Options{Store: st, Token: "s3cret"})
	if res, body := get(t, s, "/"); res.StatusCode != 401 || !strings.Contains(body, "token") {
		t.Errorf("no token: %d", res.StatusCode)
	}
	if res, _ := get(t, s, "/api/runs", "Authorization", "Bearer wrong"); res.StatusCode != 401 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	if res, _ := get(t, s, "/api/runs", "Authorization", "Bearer s3cret"); res.StatusCode != 200 {
		t.Errorf("bearer token: %d", res.StatusCode)
	}
	res, _ := get(t, s, "/?token=s3cret&test=other")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/?test=other" {
		t.Fatalf("?token=: %d to %q: want 303 to /?test=other", res.StatusCode, res.Header.Get("Location"))
	}
	cookie := res.Header.Get("Set-Cookie")
	if !strings.Contains(cookie, "smp_token=s3cret") || !strings.Contains(cookie, "HttpOnly") {
		t.Fatalf("cookie %q", cookie)
	}
	if res, _ := get(t, s, "/", "Cookie", "smp_token=s3cret"); res.StatusCode != 200 {
		t.Errorf("cookie: %d", res.StatusCode)
	}
	// Read-only: deletes refused.
	if res, body := do(t, s, http.MethodDelete, "/api/runs/"+ids[0], "Authorization", "Bearer s3cret"); res.StatusCode != 403 || !strings.Contains(body, "--allow-delete") {
		t.Errorf("delete, read-only: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, s, http.MethodPost, "/run/"+ids[0]+"/delete", "Authorization", "Bearer s3cret"); res.StatusCode != 403 {
		t.Errorf("delete form, read-only: %d", res.StatusCode)
	}
	s = newServer(t, Options{Store: st, AllowDelete: true})
	if res, body := do(t, s, http.MethodDelete, "/api/runs/"+ids[0]); res.StatusCode != 200 || !strings.Contains(body, ids[0]) {
		t.Errorf("delete: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, s, http.MethodPost, "/run/"+ids[1]+"/delete"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("delete form: %d", res.StatusCode)
	}
	runs, err := st.List(context.Background(), store.Filter{})
	if err != nil || len(runs) != 3 {
		t.Errorf("after two deletes: %d runs, %v: want 3", len(runs), err)
	}
	if res, _ := get(t, s, "/run/"+ids[0]); res.StatusCode != 404 {
		t.Errorf("deleted run's page: %d: want 404", res.StatusCode)
	}
}

func TestOverlayAndTrend(t *testing.T) {
	st, ids := testStore(t, fourRuns(t)...)
	s := newServer(t, Options{Store: st})
	q := url.Values{"id": {ids[0], ids[3]}}
	res, body := get(t, s, "/compare?"+q.Encode())
	if res.StatusCode != 200 {
		t.Fatalf("compare: %d %s", res.StatusCode, body)
	}
	for _, want := range []string{"Δ istio", "95% CI istio", "base:istio", ids[0][:8] + " istio", ids[3][:8] + " linkerd", `id="chart-percentiles"`} {
		if !strings.Contains(body, want) {
			t.Errorf("overlay lacks %q", want)
		}
	}
	// Three runs: no deltas, every scenario's figures side by side.
	q = url.Values{"id": {ids[0], ids[1], ids[2]}}
	_, body = get(t, s, "/compare?"+q.Encode())
	if strings.Contains(body, "Δ ") || !strings.Contains(body, `class="across"`) || strings.Count(body, "<th>"+ids[2][:8]+" ") != 3 {
		t.Errorf("three-run overlay: want the nine scenarios side by side without deltas")
	}
	res, body = get(t, s, "/trend?test=mesh-nightly")
	if res.StatusCode != 200 {
		t.Fatalf("trend: %d", res.StatusCode)
	}
	// The fourth run's p99 is 3× the median of the three before: a change
	// point in each of the three scenarios' p99, and in no CPU series.
	if n := strings.Count(body, `class="point change"`); n != 3 {
		t.Errorf("%d change points: want 3 (the fourth run, each scenario's p99)", n)
	}
	if !strings.Contains(body, `<a href="/run/`+ids[3]+`">`+ids[3][:8]) {
		t.Error("the change-point table does not link the slow run")
	}
	for _, id := range ids[:3] {
		if strings.Contains(body, `<td><a href="/run/`+id+`">`) {
			t.Errorf("run %s listed as a change point", id[:8])
		}
	}
}

func TestRunPage(t *testing.T) {
	st, ids := testStore(t, fourRuns(t)...)
	s := newServer(t, Options{Store: st})
	res, body := get(t, s, "/run/"+ids[0])
	if res.StatusCode != 200 {
		t.Fatalf("%d", res.StatusCode)
	}
	for _, id := range []string{"chart-percentiles", "chart-histogram", "chart-rps", "chart-p99", "chart-cpu", "chart-memory", "comparison-table"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("run page lacks #%s", id)
		}
	}
	if strings.Contains(body, `id="delete"`) {
		t.Error("a read-only dashboard shows a delete button")
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
}
