package local

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"
)

// readyTimeout bounds how long a component may take to answer.
const readyTimeout = 30 * time.Second

// pollInterval is the readiness polling period; it bounds the startup
// times' resolution.
const pollInterval = 2 * time.Millisecond

// waitReady polls url until it answers 200, and returns when that first
// happened. It gives up when ctx is done, after readyTimeout, or when the
// group fails (a process exited).
func waitReady(ctx context.Context, g *group, url string, tlsConf *tls.Config) (time.Time, error) {
	tr := &http.Transport{TLSClientConfig: tlsConf, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return time.Time{}, err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now(), nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-g.failed:
			return time.Time{}, g.err()
		case <-time.After(pollInterval):
		}
	}
	return time.Time{}, fmt.Errorf("%s not ready after %v: %v", url, readyTimeout, last)
}
