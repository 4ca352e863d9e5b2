package dashboard

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/browsertest"
	"github.com/smp-dev/smp/report/live"
)

// TestDashboardInChromium walks the dashboard as a user would, in a real
// headless Chromium: the runs table, a search, two runs ticked and
// overlaid, a trend with its change points, and a run followed live until
// it ends, with no console error, exception, failed request or request
// leaving the server. Screenshots of each page are kept in
// $SMP_TEST_ARTIFACTS.
func TestDashboardInChromium(t *testing.T) {
	bin := browsertest.Find(t)
	st, ids := testStore(t, fourRuns(t)...)
	dir := t.TempDir()
	s := newServer(t, Options{Store: st, LiveDir: dir, Poll: 50 * time.Millisecond})
	srv := httptest.NewServer(s)
	defer srv.Close()

	b := browsertest.Start(t, bin, t.TempDir())
	sid := b.NewPage(t)
	count := func(sel string) int {
		return int(b.Eval(t, sid, `document.querySelectorAll(`+jsString(sel)+`).length`).(float64))
	}

	// The runs table, newest first.
	b.Navigate(t, sid, srv.URL+"/")
	if n := count("tbody.run"); n != 5 {
		t.Fatalf("%d runs listed: want 5; page %v at %v; %v", n, b.Eval(t, sid, `document.body ? document.body.innerText.slice(0, 300) : ""`), b.Eval(t, sid, `location.href`), b.Problems(srv.URL))
	}
	b.Screenshot(t, sid, "dashboard-runs.png")

	// Search: type, submit, one run left.
	b.Eval(t, sid, `document.querySelector('input[name=q]').value = 'payments'; true`)
	clickAway(t, b, sid, `document.getElementById('filter').querySelector('button')`)
	b.WaitFor(t, sid, `location.search.includes('q=payments') && document.readyState === 'complete'`, 10*time.Second)
	if n := count("tbody.run"); n != 1 {
		t.Errorf("search payments: %d runs: want 1", n)
	}

	// Tick the two oldest runs of mesh-nightly's first and last, overlay.
	b.Navigate(t, sid, srv.URL+"/?test=mesh-nightly")
	b.Eval(t, sid, `for (const id of [`+jsString(ids[0])+`, `+jsString(ids[3])+`]) document.querySelector('input[value="'+id+'"]').click(); true`)
	clickAway(t, b, sid, `document.getElementById('overlay')`)
	b.WaitFor(t, sid, `location.pathname === '/compare' && document.readyState === 'complete' && !!document.getElementById('chart-percentiles')`, 10*time.Second)
	heads := b.Eval(t, sid, `[...document.querySelectorAll('#comparison-table th')].map(th => th.textContent).join('|')`).(string)
	for _, want := range []string{"Δ istio", "95% CI linkerd", "base:baseline"} {
		if !strings.Contains(heads, want) {
			t.Errorf("overlay header %q lacks %q", heads, want)
		}
	}
	if n := count("#chart-percentiles polyline"); n != 6 {
		t.Errorf("overlay: %d percentile curves: want 6 (3 scenarios × 2 runs)", n)
	}
	b.Screenshot(t, sid, "dashboard-overlay.png")

	// The trend of mesh-nightly from a run's page: the slow fourth run
	// ringed in each scenario's p99.
	b.Navigate(t, sid, srv.URL+"/run/"+ids[3])
	clickAway(t, b, sid, `document.querySelector('a[href^="/trend"]')`)
	b.WaitFor(t, sid, `location.pathname === '/trend' && document.readyState === 'complete' && !!document.getElementById('trend-p99')`, 10*time.Second)
	if n := count("#trend-p99 circle.change"); n != 3 {
		t.Errorf("trend: %d change points: want 3", n)
	}
	if n := count("#changes a[href='/run/" + ids[3] + "']"); n != 3 {
		t.Errorf("trend: the change table links the slow run %d times: want 3", n)
	}
	b.Screenshot(t, sid, "dashboard-trend.png")

	// A run going on now: open it from the live list and watch it.
	w, err := live.Create(dir, "watched", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b.Navigate(t, sid, srv.URL+"/live")
	clickAway(t, b, sid, `document.querySelector('a.feed-link')`)
	b.WaitFor(t, sid, `location.pathname.startsWith('/live/') && document.getElementById('live').getAttribute('data-updates') >= 1`, 10*time.Second)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for sec := 0; ; sec++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			w.Tick(live.Event{Scenario: "baseline", Iteration: 1, Iterations: 1, ElapsedS: float64(sec + 1), DurationS: 60,
				RequestedRate: 500, Second: float64(sec), LastRequests: int64(480 + sec%40), P50Ms: 1, P99Ms: 3, Requests: int64(500 * (sec + 1))})
		}
	}()
	// The rate chart grows as seconds arrive.
	b.WaitFor(t, sid, `(() => { const p = document.querySelector('#chart-rps polyline'); return !!p && p.getAttribute('points').trim().split(/\s+/).length >= 5; })()`, 15*time.Second)
	first := int(b.Eval(t, sid, `Number(document.getElementById('live').getAttribute('data-ticks'))`).(float64))
	b.WaitFor(t, sid, `Number(document.getElementById('live').getAttribute('data-ticks')) >= `+strconv.Itoa(first+3), 15*time.Second)
	b.Screenshot(t, sid, "dashboard-live.png")
	close(stop)
	wg.Wait()
	if err := w.End(ids[4], false, nil); err != nil {
		t.Fatal(err)
	}
	b.WaitFor(t, sid, `document.getElementById('live').getAttribute('data-state') === 'ended' && !!document.getElementById('live-result')`, 15*time.Second)
	if href := b.Eval(t, sid, `document.getElementById('live-result').getAttribute('href')`); href != "/run/"+ids[4] {
		t.Errorf("the ended run links %v: want /run/%s", href, ids[4])
	}

	b.Drain(300 * time.Millisecond)
	for _, p := range b.Problems(srv.URL) {
		t.Errorf("browser: %s", p)
	}
}

// clickAway clicks the element el (a JavaScript expression) that leads to
// another page, after the evaluation has returned: a click inside it could
// navigate before the reply, which the browser then drops.
func clickAway(t *testing.T, b *browsertest.Browser, sid, el string) {
	t.Helper()
	if ok, _ := b.Eval(t, sid, `(() => { const e = `+el+`; if (!e) return false; setTimeout(() => e.click(), 0); return true; })()`).(bool); !ok {
		t.Fatalf("nothing to click: %s", el)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
