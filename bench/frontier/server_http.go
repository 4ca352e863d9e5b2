package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// httpServer is Go's net/http server; an arrival is timestamped when the
// handler starts, after net/http parsed the request.
type httpServer struct{}

var _ server = httpServer{}

func (httpServer) name() string { return "http" }

func (httpServer) serve(ctx context.Context, ln net.Listener, rec *recorder) error {
	body := []byte(responseBody)
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		rec.add(1)
		w.Header()["Content-Type"] = []string{"text/plain"}
		_, _ = w.Write(body) // the client went away: nothing to do about it
	})
	s := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
