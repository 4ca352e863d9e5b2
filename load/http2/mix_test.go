package http2_test

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/load/reqmix"
	"github.com/smp-dev/smp/target"
	"github.com/smp-dev/smp/target/targettest"
)

// within4sd fails unless got of n is within 4 standard deviations of the
// binomial share.
func within4sd(t *testing.T, what string, got, n int64, share float64) {
	t.Helper()
	sd := math.Sqrt(float64(n) * share * (1 - share))
	if want := float64(n) * share; math.Abs(float64(got)-want) > 4*sd {
		t.Errorf("%s: %d of %d, want %.0f ± %.0f", what, got, n, want, 4*sd)
	}
}

// TestMixTarget drives a 3:1 mix of two paths against the built-in target
// over h2c, whose size override makes each path's share visible in the
// bytes received.
func TestMixTarget(t *testing.T) {
	srv := targettest.Start(t, target.Options{Size: 1})
	c := newClient(t, http2.Config{Streams: 4, Seed: 42, Variants: []http2.Variant{
		{Weight: 3, Target: "/small?size=100"},
		{Weight: 1, Target: "/large?size=1000"},
	}}, srv.URL())
	res, most := run(t, c, 2, srv)
	n := res.Requests
	if n < 200 || res.Errors != 0 || res.StatusCodes[200] != n {
		t.Fatalf("requests %d, errors %v, statuses %v; want at least 200, all 200", n, res.ErrorKinds, res.StatusCodes)
	}
	// bytes = 100 small + 1000 large, with small + large = n.
	large := (res.BytesReceived - 100*n) / 900
	if (res.BytesReceived-100*n)%900 != 0 || large <= 0 || large >= n {
		t.Fatalf("%d bytes for %d requests: not a mix of 100- and 1000-byte responses", res.BytesReceived, n)
	}
	within4sd(t, "/large", large, n, 0.25)
	if most > 2 {
		t.Errorf("server saw %d connections at once; want 2 (the mix does not change connections)", most)
	}
}

// seen is what a test server saw of one request.
type seen struct {
	proto, method, path, query, header, common string
	length                                     int64 // Content-Length
	body                                       int   // bytes read
}

// TestMixRequests checks what the server receives of each variant:
// method, path and query, merged headers, and bodies whose sizes follow
// the distribution and match their Content-Length.
func TestMixRequests(t *testing.T) {
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Proto, r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-V"), r.Header.Get("X-Common"), r.ContentLength, len(b)})
		mu.Unlock()
	}))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()
	c := newClient(t, http2.Config{Streams: 2, Seed: 7, Headers: map[string]string{"X-Common": "1", "x-v": "common"}, Variants: []http2.Variant{
		{Weight: 3, Target: "/a"},
		{Weight: 1, Method: "POST", Target: "/b?q=1", Headers: map[string]string{"X-V": "b"},
			Sizes: reqmix.SizeDist{Type: reqmix.SizeUniform, Min: 100, Max: 200}},
	}}, srv.URL)
	res, err := load.Run(context.Background(), load.Plan{Dialer: c, Connections: 2, Duration: 300 * time.Millisecond, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Errors != 0 || len(got) < 100 {
		t.Fatalf("errors %v, %d requests; want at least 100, none failed", res.ErrorKinds, len(got))
	}
	var b int64
	sizes := map[int]bool{}
	for _, s := range got {
		if s.proto != "HTTP/2.0" || s.common != "1" {
			t.Fatalf("%+v: want HTTP/2.0 with X-Common: 1", s)
		}
		switch {
		case s.path == "/a" && s.method == "GET" && s.query == "" && s.header == "common" && s.body == 0:
		case s.path == "/b" && s.method == "POST" && s.query == "q=1" && s.header == "b" && s.body >= 100 && s.body <= 200 && int64(s.body) == s.length:
			b++
			sizes[s.body] = true
		default:
			t.Fatalf("unexpected request %+v", s)
		}
	}
	within4sd(t, "/b", b, int64(len(got)), 0.25)
	if len(sizes) < 10 {
		t.Errorf("%d distinct body sizes in %d POSTs; want a uniform spread over 100 to 200", len(sizes), b)
	}
}

func TestMixRejects(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:1/")
	tests := []struct {
		name string
		cfg  http2.Config
	}{
		{"zero weight", http2.Config{URL: u, Variants: []http2.Variant{{Weight: 0}}}},                                                                               // weights are > 0
		{"method with variants", http2.Config{URL: u, Method: "POST", Variants: []http2.Variant{{Weight: 1}}}},                                                      // each variant has its own
		{"bad target", http2.Config{URL: u, Variants: []http2.Variant{{Weight: 1, Target: "a"}}}},                                                                   // not a path
		{"bad header", http2.Config{URL: u, Variants: []http2.Variant{{Weight: 1, Headers: map[string]string{"X": "a\nb"}}}}},                                       // LF
		{"bad sizes", http2.Config{URL: u, Variants: []http2.Variant{{Weight: 1, Sizes: reqmix.SizeDist{Type: "pareto"}}}}},                                         // unknown
		{"body and sizes", http2.Config{URL: u, Variants: []http2.Variant{{Weight: 1, Body: []byte("x"), Sizes: reqmix.SizeDist{Type: reqmix.SizeFixed, Min: 1}}}}}, // both
	}
	for _, tc := range tests {
		if _, err := http2.New(tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	// One request per distinct size: sizes 10, 11 and 12.
	c, err := http2.New(http2.Config{URL: u, Variants: []http2.Variant{{Weight: 1}, {Weight: 1, Sizes: reqmix.SizeDist{Type: reqmix.SizeUniform, Min: 10, Max: 12}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Variants(); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("Variants() = %v, want [1 3]", got)
	}
}
