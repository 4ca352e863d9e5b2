package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/collect/proxystats"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestMetricsCountRequests runs the proxy in front of a test server, sends
// N requests (every fifth answered 503) and reads its /metrics back with
// the proxy-side parser.
func TestMetricsCountRequests(t *testing.T) {
	const n = 57
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer up.Close()
	listen, other, metrics := freeAddr(t), freeAddr(t), freeAddr(t)
	cfg := Config{Name: "t", Metrics: metrics, Routes: []Route{
		{Name: "in", Listen: listen, Upstream: strings.TrimPrefix(up.URL, "http://")},
		{Name: "idle", Listen: other, Upstream: strings.TrimPrefix(up.URL, "http://")},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, log.New(io.Discard, "", 0)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	waitUp(t, client, "http://"+metrics+"/metrics")

	fails := 0
	for i := range n {
		path := "/"
		if i%5 == 0 {
			path = "/fail"
			fails++
		}
		resp, err := client.Get("http://" + listen + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// A request is counted on arrival, so the count is exact at once; its
	// duration is recorded when the handler returns, a moment after the
	// client has the response, so the histogram is polled.
	var st proxystats.Stats
	deadline := time.Now().Add(5 * time.Second)
	for {
		st = scrape(t, client, "http://"+metrics+"/metrics", "in")
		if st.Latency != nil && st.Latency.Count == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Requests != n {
		t.Errorf("requests %d, want %d", st.Requests, n)
	}
	if st.Responses["2xx"] != uint64(n-fails) || st.Responses["5xx"] != uint64(fails) {
		t.Errorf("responses %v, want 2xx=%d 5xx=%d", st.Responses, n-fails, fails)
	}
	if st.Latency == nil || st.Latency.Count != n || st.Latency.Sum <= 0 {
		t.Fatalf("latency %+v, want %d durations", st.Latency, n)
	}
	if p50 := st.Latency.Quantile(0.5); p50 <= 0 || p50 > 1 {
		t.Errorf("p50 %gs: want a loopback hop well under a second", p50)
	}
	if idle := scrape(t, client, "http://"+metrics+"/metrics", "idle"); idle.Requests != 0 || idle.Latency == nil || idle.Latency.Count != 0 {
		t.Errorf("idle route: %+v, want nothing", idle)
	}
}

func waitUp(t *testing.T, c *http.Client, url string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", url, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func scrape(t *testing.T, c *http.Client, url, route string) proxystats.Stats {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	st, err := proxystats.Parse(resp.Body, proxystats.Reference(), map[string]string{"route": route})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestObserveBuckets(t *testing.T) {
	var s routeStats
	for _, d := range []time.Duration{0, 100 * time.Microsecond, 101 * time.Microsecond, 3 * time.Second, time.Minute} {
		s.observe(d)
	}
	want := map[int]uint64{0: 2, 1: 1, len(durationBuckets) - 2: 1, len(durationBuckets): 1}
	for i := range s.buckets {
		if got := s.buckets[i].Load(); got != want[i] {
			t.Errorf("bucket %d: %d, want %d", i, got, want[i])
		}
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	s.name = "r"
	writeMetrics(w, []*routeStats{&s})
	w.Flush()
	for _, line := range []string{
		`smp_proxy_request_duration_seconds_bucket{route="r",le="0.0001"} 2`,
		`smp_proxy_request_duration_seconds_bucket{route="r",le="10"} 4`,
		`smp_proxy_request_duration_seconds_bucket{route="r",le="+Inf"} 5`,
		`smp_proxy_request_duration_seconds_count{route="r"} 5`,
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("metrics lack %q:\n%s", line, b.String())
		}
	}
}

func TestObserveAllocs(t *testing.T) {
	var s routeStats
	if a := testing.AllocsPerRun(100, func() { s.observe(time.Millisecond); s.status(200) }); a != 0 {
		t.Errorf("%g allocations per recorded request, want 0", a)
	}
}
