package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Topologies of the sample app.
const (
	Chain  = "chain"  // each service calls the next
	Fanout = "fanout" // the first service calls all the others at once
)

// Downstream returns the call a sample-app service makes before answering:
// a GET to each URL (all at once when there are several), succeeding when
// every one answers 2xx. The client keeps connections alive, as an app
// talking to its neighbours does.
func Downstream(urls []string, timeout time.Duration) func(ctx context.Context) error {
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			MaxIdleConns:        1024,
			MaxIdleConnsPerHost: 1024,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
	one := func(ctx context.Context, url string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("%s answered %d", url, resp.StatusCode)
		}
		return nil
	}
	return func(ctx context.Context) error {
		if len(urls) == 1 {
			return one(ctx, urls[0])
		}
		errs := make(chan error, len(urls))
		for _, u := range urls {
			go func() { errs <- one(ctx, u) }()
		}
		var first error
		for range urls {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return first
	}
}
