package prometheus

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/smp-dev/smp/collect"
)

func TestCumulative(t *testing.T) {
	t.Parallel()
	at := func(s int64) model.Time { return model.TimeFromUnix(1_700_000_000 + s) }
	tests := []struct {
		name string
		in   []float64
		want []float64 // cumulative seconds
	}{
		// a steady counter passes through unchanged
		{"steady", []float64{10, 11, 12.5}, []float64{10, 11, 12.5}},
		// the container restarted between 2 and 3: its counter began again
		// at 0 and reached 0.5; the 12 before the drop is carried over
		{"one reset", []float64{10, 12, 0.5, 1.5}, []float64{10, 12, 12.5, 13.5}},
		// two resets accumulate both carried values
		{"two resets", []float64{5, 1, 3, 2}, []float64{5, 6, 8, 10}},
		// a counter that stays put is idle, not reset
		{"idle", []float64{3, 3, 3}, []float64{3, 3, 3}},
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		var in []model.SamplePair
		for i, v := range tc.in {
			in = append(in, model.SamplePair{Timestamp: at(int64(i)), Value: model.SampleValue(v)})
		}
		got := Cumulative(in)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d samples, want %d", tc.name, len(got), len(tc.want))
		}
		for i, w := range tc.want {
			if d := got[i].CPU.Seconds() - w; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s: sample %d CPU %v, want %vs", tc.name, i, got[i].CPU, w)
			}
			if !got[i].At.Equal(at(int64(i)).Time()) {
				t.Errorf("%s: sample %d at %v, want %v", tc.name, i, got[i].At, at(int64(i)).Time())
			}
		}
	}
}

func TestSelector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target collect.Target
		want   string // empty: an error
	}{
		{collect.Target{Namespace: "ns", Pod: "p", Container: "istio-proxy"}, `{namespace="ns",pod="p",container="istio-proxy"}`},
		// the whole pod: every container but the pod cgroup and pause
		{collect.Target{Namespace: "ns", Pod: "p"}, `{namespace="ns",pod="p",container!="",container!="POD"}`},
		{collect.Target{Namespace: "ns", Pod: "p", Container: "POD"}, ""},
		{collect.Target{Pod: "p"}, ""},
		{collect.Target{PID: 4}, ""},
	}
	for _, tc := range tests {
		got, err := Selector(tc.target)
		if (err != nil) != (tc.want == "") || got != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.target, got, err, tc.want)
		}
	}
}

func TestStartUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := &Collector{URL: "http://" + addr, Timeout: 2 * time.Second}
	err = c.Start(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Start against a closed port: %v; want an error naming %s", err, addr)
	}
	if c.Stop() != nil {
		t.Error("Stop after a failed Start returned series")
	}
	notProm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "<html>hello</html>")
	}))
	defer notProm.Close()
	c = &Collector{URL: notProm.URL}
	if err := c.Start(context.Background(), nil); err == nil || !strings.Contains(err.Error(), notProm.URL) {
		t.Fatalf("Start against a web server that is not Prometheus: %v", err)
	}
	for _, bad := range []string{"", "127.0.0.1:9090", "ftp://x"} {
		if err := (&Collector{URL: bad}).Start(context.Background(), nil); err == nil {
			t.Errorf("url %q accepted", bad)
		}
	}
}

// fakeAPI answers buildinfo, and query_range from results keyed by metric.
func fakeAPI(t *testing.T, results map[string]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/status/buildinfo":
			fmt.Fprint(w, `{"status":"success","data":{"version":"2.42.0"}}`)
		case "/api/v1/query_range":
			q := r.URL.Query().Get("query")
			res := "[]"
			for metric, body := range results {
				if strings.Contains(q, metric) {
					res = body
				}
			}
			fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":%s}}`, res)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Each case waits out Stop's one-second settle: they run in parallel, and
// in parallel with the other fake-server tests.
func TestMissingSeries(t *testing.T) {
	t.Parallel()
	mem := `[{"metric":{},"values":[[1700000000,"1048576"],[1700000001,"1048576"]]}]`
	tests := []struct {
		name    string
		results map[string]string
		note    string // a fragment of the expected note
	}{
		{"neither", nil, "no " + CPUMetric + " and no " + MemoryMetric},
		{"no cpu", map[string]string{MemoryMetric: mem}, "no " + CPUMetric + " series"},
		{"no memory", map[string]string{CPUMetric: mem}, "no " + MemoryMetric + " series"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := fakeAPI(t, tc.results)
			c := &Collector{URL: srv.URL, ScrapeInterval: time.Millisecond, Margin: time.Millisecond}
			target := collect.Target{Name: "gone", Namespace: "ns", Pod: "nope", Container: "c"}
			if err := c.Start(context.Background(), []collect.Target{target}); err != nil {
				t.Fatal(err)
			}
			got := c.Stop()
			if len(got) != 1 {
				t.Fatalf("%d series, want 1", len(got))
			}
			if len(got[0].Samples) != 0 || !strings.Contains(got[0].Note, tc.note) {
				t.Errorf("%d samples, note %q; want none and a note with %q", len(got[0].Samples), got[0].Note, tc.note)
			}
			if !strings.Contains(got[0].Source, `pod="nope"`) {
				t.Errorf("source %q does not carry the query", got[0].Source)
			}
		})
	}
}

func TestJoinedSamples(t *testing.T) {
	t.Parallel()
	srv := fakeAPI(t, map[string]string{
		CPUMetric:    `[{"metric":{},"values":[[1700000000,"10"],[1700000001,"10.25"],[1700000002,"0.25"]]}]`,
		MemoryMetric: `[{"metric":{},"values":[[1700000000,"2097152"],[1700000001,"2097152"],[1700000002,"1048576"]]}]`,
	})
	c := &Collector{URL: srv.URL, ScrapeInterval: time.Millisecond, Margin: time.Millisecond}
	if err := c.Start(context.Background(), []collect.Target{{Namespace: "ns", Pod: "p", Container: "c"}}); err != nil {
		t.Fatal(err)
	}
	s := c.Stop()[0]
	if s.Note != "" || len(s.Samples) != 3 {
		t.Fatalf("note %q, %d samples; want 3 and no note", s.Note, len(s.Samples))
	}
	u := collect.Window(s, time.Unix(1700000000, 0), time.Unix(1700000002, 0))
	// 0.25 s then (after a reset to 0) 0.25 s over 2 s: 250 mCores
	if u.CPUMcores < 249 || u.CPUMcores > 251 || u.MemMB != 5.0/3 {
		t.Errorf("usage %+v; want 250 mCores and 5/3 MiB", u)
	}
}

// The step defaults to the server's own scrape interval, read from the
// configuration it prints.
func TestGlobalScrapeInterval(t *testing.T) {
	tests := []struct {
		yaml string
		want time.Duration
		ok   bool
	}{
		{"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n- job_name: x\n  scrape_interval: 5s\n", time.Second, true}, // the global one, not a job's
		{"global:\n  evaluation_interval: 1m\n  scrape_interval: 15s\n", 15 * time.Second, true},                                             // not the first key
		{"scrape_configs:\n- job_name: x\n  scrape_interval: 5s\n", 0, false},                                                                // no global section
		{"global:\n  scrape_interval: soon\n", 0, false},                                                                                     // not a duration
	}
	for _, tc := range tests {
		got, ok := globalScrapeInterval(tc.yaml)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %v %v, want %v %v", tc.yaml, got, ok, tc.want, tc.ok)
		}
	}
}

// A pod name ending in * selects every pod with that prefix (a Job's).
func TestSelectorPodPrefix(t *testing.T) {
	got, err := Selector(collect.Target{Name: "client 0", Namespace: "ns", Pod: "smp-load-0-*", Container: "worker"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{namespace="ns",pod=~"smp-load-0-.+",container="worker"}`; got != want {
		t.Errorf("selector %s, want %s", got, want)
	}
}
