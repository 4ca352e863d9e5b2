package metricsapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/smp-dev/smp/collect"
)

// fakeServer serves the metrics API for pod ns/p: containers c (250m,
// 50Mi) and sidecar (1 core, 10Mi), a new reading every res, each covering
// the res before it, as metrics-server does.
func fakeServer(t *testing.T, res time.Duration) *httptest.Server {
	t0 := time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/apis/" + GroupVersion:
			fmt.Fprintf(w, `{"kind":"APIResourceList","apiVersion":"v1","groupVersion":%q,"resources":[{"name":"pods","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}`, GroupVersion)
		case "/apis/" + GroupVersion + "/namespaces/ns/pods/p":
			ts := t0.Add(time.Since(t0).Truncate(res))
			fmt.Fprintf(w, `{"kind":"PodMetrics","apiVersion":%q,"metadata":{"name":"p","namespace":"ns"},"timestamp":%q,"window":%q,"containers":[`+
				`{"name":"c","usage":{"cpu":"250000000n","memory":"51200Ki"}},{"name":"sidecar","usage":{"cpu":"1","memory":"10Mi"}}]}`,
				GroupVersion, ts.Format(time.RFC3339Nano), res.String())
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"kind":"Status","status":"Failure","reason":"NotFound","code":404}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPoll(t *testing.T) {
	const res = 200 * time.Millisecond
	srv := fakeServer(t, res)
	targets := []collect.Target{
		{Name: "c", Namespace: "ns", Pod: "p", Container: "c"},
		{Name: "pod", Namespace: "ns", Pod: "p"}, // both containers
		{Name: "gone", Namespace: "ns", Pod: "nope", Container: "c"},
		{Name: "no such container", Namespace: "ns", Pod: "p", Container: "x"},
	}
	c := &Collector{Config: &rest.Config{Host: srv.URL}, Interval: 30 * time.Millisecond}
	if err := c.Start(context.Background(), targets); err != nil {
		t.Fatal(err)
	}
	// The windows are the measurement: samples before, in and after it.
	time.Sleep(2 * res)
	from := time.Now()
	time.Sleep(6 * res)
	to := time.Now()
	time.Sleep(2 * res)
	series := c.Stop()
	if len(series) != len(targets) {
		t.Fatalf("%d series, want %d", len(series), len(targets))
	}
	for i, want := range []struct{ mcores, memMB float64 }{{250, 50}, {1250, 60}} {
		s := series[i]
		u := collect.Window(s, from, to)
		if s.Note != "" || u.CPUMcores < 0.95*want.mcores || u.CPUMcores > 1.05*want.mcores || u.MemMB != want.memMB {
			t.Errorf("%s: %.1f mCores, %.1f MiB, note %q; want %.0f and %.0f", s.Name, u.CPUMcores, u.MemMB, s.Note, want.mcores, want.memMB)
		}
		if !strings.Contains(s.Source, "metrics.k8s.io") || !strings.Contains(s.Source, res.String()) {
			t.Errorf("%s: source %q does not say where and how coarse", s.Name, s.Source)
		}
		for j := 1; j < len(s.Samples); j++ {
			if !s.Samples[j].At.After(s.Samples[j-1].At) {
				t.Fatalf("%s: samples %d and %d out of order or repeated", s.Name, j-1, j)
			}
		}
	}
	for _, s := range series[2:] {
		if len(s.Samples) != 0 || s.Note == "" {
			t.Errorf("%s: %d samples, note %q; want none and a reason", s.Name, len(s.Samples), s.Note)
		}
	}
	if !strings.Contains(series[2].Note, "404") || !strings.Contains(series[3].Note, `no container "x"`) {
		t.Errorf("notes %q, %q: want the 404 and the missing container", series[2].Note, series[3].Note)
	}
}

func TestStartFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	noMetrics := httptest.NewServer(http.NotFoundHandler()) // an API server without metrics-server
	defer noMetrics.Close()
	for _, host := range []string{closed, noMetrics.URL} {
		c := &Collector{Config: &rest.Config{Host: host}, Timeout: 2 * time.Second}
		if err := c.Start(context.Background(), nil); err == nil || !strings.Contains(err.Error(), host) {
			t.Errorf("%s: %v; want an error naming the server", host, err)
		}
		if c.Stop() != nil {
			t.Errorf("%s: Stop after a failed Start returned series", host)
		}
	}
	if err := (&Collector{}).Start(context.Background(), nil); err == nil {
		t.Error("no config accepted")
	}
}
