package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/live"
	"github.com/smp-dev/smp/report/render"
)

// heartbeat keeps an idle event stream (a run deploying) from being cut
// by proxies.
const heartbeat = 15 * time.Second

type liveListView struct {
	Title string
	Feeds []live.Feed
	Dir   string
}

// livePage lists the feeds: running tests first, then those that ended
// or died recently.
func (s *Server) livePage(w http.ResponseWriter, r *http.Request) {
	feeds, err := s.feeds()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	s.render(w, "livelist.html", liveListView{Title: "Live", Feeds: feeds, Dir: s.o.LiveDir})
}

// apiLive lists the feeds as JSON.
func (s *Server) apiLive(w http.ResponseWriter, r *http.Request) {
	feeds, err := s.feeds()
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	if feeds == nil {
		feeds = []live.Feed{}
	}
	writeJSON(w, http.StatusOK, feeds)
}

func (s *Server) feeds() ([]live.Feed, error) {
	if s.o.LiveDir == "" {
		return nil, nil
	}
	return live.List(s.o.LiveDir)
}

type liveRunView struct {
	Title  string
	Key    string
	Feed   live.Feed
	Status template.HTML
	Charts []template.HTML
}

// liveRunPage is one running test: the state when the page was drawn,
// which its script then keeps up to date from liveEvents.
func (s *Server) liveRunPage(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	st, f, err := s.liveState(key)
	if err != nil {
		s.failLive(w, r, err)
		return
	}
	s.render(w, "live.html", liveRunView{Title: "Live: " + f.Test, Key: key, Feed: f, Status: st.status(f.State), Charts: st.charts()})
}

func (s *Server) liveState(key string) (*liveState, live.Feed, error) {
	if err := live.CheckKey(key); err != nil {
		return nil, live.Feed{}, err
	}
	if s.o.LiveDir == "" {
		return nil, live.Feed{}, fmt.Errorf("live feed %q: %w (this server follows no live directory)", key, fs.ErrNotExist)
	}
	f, err := live.Stat(s.o.LiveDir, key)
	if err != nil {
		return nil, f, err
	}
	st := &liveState{}
	evs, off, err := live.Read(s.o.LiveDir, key, 0)
	if err != nil {
		return nil, f, err
	}
	st.add(evs)
	st.offset = off
	return st, f, nil
}

func (s *Server) failLive(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, fs.ErrNotExist) {
		s.fail(w, r, http.StatusNotFound, err)
		return
	}
	s.failStore(w, r, err)
}

// liveEvents streams a feed as server-sent events: "update" with the
// status and charts redrawn (JSON: ticks, status, charts) whenever new
// events arrive, then one "end" (runId, partial, error, link) or "died",
// after which the stream closes.
func (s *Server) liveEvents(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	st, f, err := s.liveState(key)
	if err != nil {
		s.failLive(w, r, err)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		s.fail(w, r, http.StatusInternalServerError, errors.New("streaming unsupported"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	send := func(event string, v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	update := func() bool {
		return send("update", map[string]any{"ticks": st.ticks, "status": st.status(live.StateRunning), "charts": joinHTML(st.charts())})
	}
	if !update() {
		return
	}
	poll := time.NewTicker(s.o.Poll)
	defer poll.Stop()
	lastBeat, lastCheck := time.Now(), time.Now()
	for {
		if st.end != nil {
			send("end", map[string]any{"runId": st.end.RunID, "partial": st.end.Partial, "error": st.end.Error,
				"status": st.status(live.StateEnded)})
			return
		}
		select {
		case <-r.Context().Done():
			return
		case now := <-poll.C:
			evs, off, err := live.Read(s.o.LiveDir, key, st.offset)
			if err != nil {
				send("failed", map[string]string{"error": err.Error()})
				return
			}
			st.offset = off
			if len(evs) > 0 {
				st.add(evs)
				if st.end == nil && !update() {
					return
				}
				continue
			}
			// Nothing new: is the run still there?
			if now.Sub(lastCheck) > 2*time.Second {
				lastCheck = now
				if f, err = live.Stat(s.o.LiveDir, key); err == nil && f.State == live.StateDied {
					send("died", map[string]string{"status": string(st.status(live.StateDied))})
					return
				}
			}
			if now.Sub(lastBeat) > heartbeat {
				lastBeat = now
				if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
					return
				}
				flusher.Flush()
			}
		}
	}
}

// liveState is a feed read so far, as a report the charts can draw: one
// scenario per scenario name, one iteration per iteration number, one
// timeline point per finished second.
type liveState struct {
	offset int64
	ticks  int
	last   live.Event
	end    *live.Event
	rep    report.Report
}

func (st *liveState) add(evs []live.Event) {
	for _, e := range evs {
		switch e.Kind {
		case live.KindEnd:
			e := e
			st.end = &e
		case live.KindTick:
			st.ticks++
			st.last = e
			if e.LastRequests == 0 && e.LastErrors == 0 {
				continue // no second finished yet
			}
			it := st.iteration(e.Scenario, e.Iteration)
			p := report.TimelinePoint{Second: e.Second, Requests: e.LastRequests, Errors: e.LastErrors, P50: e.P50Ms, P99: e.P99Ms}
			if n := len(it.Timeline); n > 0 && it.Timeline[n-1].Second >= e.Second {
				if it.Timeline[n-1].Second == e.Second {
					it.Timeline[n-1] = p
				}
				continue
			}
			it.Timeline = append(it.Timeline, p)
		}
	}
}

// iteration finds (or adds) the iteration of a scenario; numbers start
// at 1, and one out of range is folded into the first.
func (st *liveState) iteration(scenario string, n int) *report.Iteration {
	var sc *report.Scenario
	for i := range st.rep.Scenarios {
		if st.rep.Scenarios[i].Name == scenario {
			sc = &st.rep.Scenarios[i]
		}
	}
	if sc == nil {
		st.rep.Scenarios = append(st.rep.Scenarios, report.Scenario{Name: scenario})
		sc = &st.rep.Scenarios[len(st.rep.Scenarios)-1]
	}
	if n < 1 || n > 10000 {
		n = 1
	}
	for len(sc.Iterations) < n {
		sc.Iterations = append(sc.Iterations, report.Iteration{Index: len(sc.Iterations)})
	}
	return &sc.Iterations[n-1]
}

func (st *liveState) charts() []template.HTML { return render.TimelineCharts(&st.rep) }

var statusTemplate = template.Must(template.New("status").Funcs(funcs).Parse(
	`<span class="state {{.State}}" id="live-state">{{.State}}</span>` +
		`{{with .Last}}{{if .Scenario}} · scenario <b>{{.Scenario}}</b> iteration {{.Iteration}}/{{.Iterations}} · {{num .ElapsedS}}/{{num .DurationS}} s` +
		`{{if .Warmup}} · warmup{{else}} · <b>{{.LastRequests}}</b>{{if .RequestedRate}}/{{num .RequestedRate}}{{end}} req/s · p50 {{ms .P50Ms}} ms · p99 {{ms .P99Ms}} ms (last second){{end}}` +
		` · {{.Requests}} requests, {{.Errors}} errors so far{{end}}{{end}}` +
		`{{with .End}}{{if .RunID}} · <a id="live-result" href="/run/{{.RunID}}">stored run {{short .RunID}}</a>{{else}} · not stored{{end}}` +
		`{{if .Partial}} · partial{{end}}{{if .Error}} · <span class="fail">{{.Error}}</span>{{end}}{{end}}`))

// status is the page's status line.
func (st *liveState) status(state string) template.HTML {
	if st.end != nil {
		state = live.StateEnded
	}
	var b bytes.Buffer
	_ = statusTemplate.Execute(&b, map[string]any{"State": state, "Last": st.last, "End": st.end})
	return template.HTML(b.String()) //nolint:gosec // G203: built by html/template, every value escaped
}

func joinHTML(hs []template.HTML) template.HTML {
	var b bytes.Buffer
	for _, h := range hs {
		b.WriteString(string(h))
	}
	return template.HTML(b.String()) //nolint:gosec // G203: charts from package render, escaped there
}
