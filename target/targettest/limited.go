package targettest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Limited starts a server that answers at most perSecond requests a
// second, evenly spaced: a request beyond that waits its turn, so latency
// grows once the offered rate passes it (a target of known capacity). It
// is closed when t ends.
func Limited(t testing.TB, perSecond float64) *httptest.Server {
	t.Helper()
	gap := time.Duration(float64(time.Second) / perSecond)
	var mu sync.Mutex
	var next time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		now := time.Now()
		if next.Before(now) {
			next = now
		}
		at := next
		next = next.Add(gap)
		mu.Unlock()
		timer := time.NewTimer(time.Until(at))
		defer timer.Stop()
		select {
		case <-timer.C:
			_, _ = w.Write([]byte("ok"))
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
