package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// durationBuckets are the upper bounds of the request-duration histogram,
// from 100µs (a hop on loopback) to 10s.
var durationBuckets = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second,
}

// routeStats are one route's counters. Every field is updated atomically,
// so recording takes no lock and allocates nothing.
type routeStats struct {
	name     string
	requests atomic.Uint64 // counted on arrival
	classes  [6]atomic.Uint64
	// buckets[i] counts durations in (durationBuckets[i-1], durationBuckets[i]];
	// the last slot counts those above every bound.
	buckets [len(durationBuckets) + 1]atomic.Uint64
	sumNs   atomic.Uint64
	count   atomic.Uint64 // finished requests
}

// status records the class of a response (1xx…5xx; anything else as 0).
func (s *routeStats) status(code int) {
	c := code / 100
	if c < 1 || c > 5 {
		c = 0
	}
	s.classes[c].Add(1)
}

// observe records one finished request.
func (s *routeStats) observe(d time.Duration) {
	i := 0
	for i < len(durationBuckets) && d > durationBuckets[i] {
		i++
	}
	s.buckets[i].Add(1)
	s.sumNs.Add(uint64(max(d, 0)))
	s.count.Add(1)
}

// instrument wraps a route's handler: the request is counted on arrival and
// its duration, to the end of the handler, when it finishes.
func (s *routeStats) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		start := time.Now()
		h.ServeHTTP(w, r)
		s.observe(time.Since(start))
	})
}

// writeMetrics writes every route's counters in the Prometheus text
// format (version 0.0.4).
func writeMetrics(w *bufio.Writer, routes []*routeStats) {
	fmt.Fprint(w, "# HELP smp_proxy_requests_total Requests the proxy received, by route.\n# TYPE smp_proxy_requests_total counter\n")
	for _, s := range routes {
		fmt.Fprintf(w, "smp_proxy_requests_total{route=%s} %d\n", strconv.Quote(s.name), s.requests.Load())
	}
	fmt.Fprint(w, "# HELP smp_proxy_responses_total Responses the proxy sent, by route and status class.\n# TYPE smp_proxy_responses_total counter\n")
	for _, s := range routes {
		for c := 1; c <= 5; c++ {
			fmt.Fprintf(w, "smp_proxy_responses_total{route=%s,class=\"%dxx\"} %d\n", strconv.Quote(s.name), c, s.classes[c].Load())
		}
		if n := s.classes[0].Load(); n > 0 {
			fmt.Fprintf(w, "smp_proxy_responses_total{route=%s,class=\"other\"} %d\n", strconv.Quote(s.name), n)
		}
	}
	fmt.Fprint(w, "# HELP smp_proxy_request_duration_seconds Time from a request's arrival to the end of its response, by route.\n# TYPE smp_proxy_request_duration_seconds histogram\n")
	for _, s := range routes {
		q := strconv.Quote(s.name)
		var cum uint64
		for i, b := range durationBuckets {
			cum += s.buckets[i].Load()
			fmt.Fprintf(w, "smp_proxy_request_duration_seconds_bucket{route=%s,le=\"%g\"} %d\n", q, b.Seconds(), cum)
		}
		cum += s.buckets[len(durationBuckets)].Load()
		fmt.Fprintf(w, "smp_proxy_request_duration_seconds_bucket{route=%s,le=\"+Inf\"} %d\n", q, cum)
		fmt.Fprintf(w, "smp_proxy_request_duration_seconds_sum{route=%s} %g\n", q, time.Duration(s.sumNs.Load()).Seconds())
		// count is the +Inf bucket, as the format requires, even while a
		// request finishes between the loads above.
		fmt.Fprintf(w, "smp_proxy_request_duration_seconds_count{route=%s} %d\n", q, cum)
	}
}

// metricsServer serves GET /metrics for routes on addr.
func metricsServer(addr string, routes []*routeStats) (*http.Server, net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("proxy metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		writeMetrics(bw, routes)
		_ = bw.Flush() // fails only when the scraper went away: nobody left to tell
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return srv, ln, nil
}
