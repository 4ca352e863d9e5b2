package local

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// maxMetrics bounds what is read of a proxy's metrics page.
const maxMetrics = 8 << 20

// httpMetrics reads a proxy's metrics page at url.
func httpMetrics(url string) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, maxMetrics))
	}
}
