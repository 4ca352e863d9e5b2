package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report/live"
)

// sse reads server-sent events: name and data.
type sse struct {
	name string
	data map[string]any
}

func readEvents(t *testing.T, sc *bufio.Scanner, out chan<- sse) {
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var d map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
				t.Errorf("event %s: data not JSON: %v", name, err)
			}
			out <- sse{name, d}
		}
	}
	close(out)
}

func next(t *testing.T, ch <-chan sse) sse {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("the stream closed early")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10 s")
	}
	return sse{}
}

func TestLiveStreamFollowsAFeed(t *testing.T) {
	dir := t.TempDir()
	st, _ := testStore(t)
	s := newServer(t, Options{Store: st, LiveDir: dir, Poll: 20 * time.Millisecond})
	srv := httptest.NewServer(s)
	defer srv.Close()

	w, err := live.Create(dir, "live-test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The list shows it running.
	res, err := http.Get(srv.URL + "/api/live")
	if err != nil {
		t.Fatal(err)
	}
	var feeds []live.Feed
	if err := json.NewDecoder(res.Body).Decode(&feeds); err != nil || len(feeds) != 1 || feeds[0].State != live.StateRunning || feeds[0].Test != "live-test" {
		t.Fatalf("/api/live: %+v %v", feeds, err)
	}
	res.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/live/"+w.Key()+"/events", nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	ch := make(chan sse, 16)
	go readEvents(t, bufio.NewScanner(res.Body), ch)
	first := next(t, ch)
	if first.name != "update" || first.data["ticks"].(float64) != 0 {
		t.Fatalf("first event %+v: want an update with no tick", first)
	}
	// Three finished seconds: the charts get a line of three points.
	for sec := 0; sec < 3; sec++ {
		w.Tick(live.Event{Scenario: "baseline", Iteration: 1, Iterations: 1, ElapsedS: float64(sec + 1), DurationS: 10,
			RequestedRate: 100, Second: float64(sec), LastRequests: int64(100 + sec), P50Ms: 1, P99Ms: float64(2 + sec), Requests: int64(100 * (sec + 1))})
	}
	var last sse
	for {
		last = next(t, ch)
		if last.name != "update" {
			t.Fatalf("event %s before the end", last.name)
		}
		if last.data["ticks"].(float64) == 3 {
			break
		}
	}
	charts := last.data["charts"].(string)
	for _, id := range []string{`id="chart-rps"`, `id="chart-p99"`} {
		if !strings.Contains(charts, id) {
			t.Errorf("update lacks %s", id)
		}
	}
	if n := strings.Count(charts, "<polyline"); n != 2 {
		t.Errorf("%d lines: want one per chart", n)
	}
	pts := charts[strings.Index(charts, `points="`)+8:]
	if n := len(strings.Fields(pts[:strings.IndexByte(pts, '"')])); n != 3 {
		t.Errorf("%d points on the rate line: want 3", n)
	}
	status := last.data["status"].(string)
	for _, want := range []string{"running", "baseline", "102</b>/100 req/s", "p99 4 ms"} {
		if !strings.Contains(status, want) {
			t.Errorf("status %q lacks %q", status, want)
		}
	}
	if err := w.End("0123456789abcdef", false, nil); err != nil {
		t.Fatal(err)
	}
	end := next(t, ch)
	if end.name != "end" || end.data["runId"] != "0123456789abcdef" || !strings.Contains(end.data["status"].(string), `href="/run/0123456789abcdef"`) {
		t.Fatalf("end event %+v", end)
	}
	if _, ok := <-ch; ok {
		t.Error("the stream stayed open after the end")
	}
}

func TestLiveStreamSaysWhenTheRunDied(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	dir := t.TempDir()
	key := "7-" + strconv.Itoa(cmd.Process.Pid)
	line := `{"kind":"start","test":"gone","pid":` + strconv.Itoa(cmd.Process.Pid) + "}\n" +
		`{"kind":"tick","scenario":"none","iteration":1,"iterations":1,"lastRequests":5,"second":0}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, key+".jsonl"), []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	st, _ := testStore(t)
	s := newServer(t, Options{Store: st, LiveDir: dir, Poll: 20 * time.Millisecond})
	srv := httptest.NewServer(s)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/live/" + key + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	ch := make(chan sse, 16)
	go readEvents(t, bufio.NewScanner(res.Body), ch)
	if e := next(t, ch); e.name != "update" || e.data["ticks"].(float64) != 1 {
		t.Fatalf("first %+v", e)
	}
	if e := next(t, ch); e.name != "died" || !strings.Contains(e.data["status"].(string), "died") {
		t.Fatalf("%+v: want died", e)
	}
	// The page of a feed that does not exist is a 404.
	if res, _ := get(t, s, "/live/1-1"); res.StatusCode != 404 {
		t.Errorf("/live/1-1: %d", res.StatusCode)
	}
}
