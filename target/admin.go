package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Admin paths of a gRPC sample-app service, served in plain HTTP beside
// its gRPC port.
const (
	// AdminHealthPath answers 200 while the gRPC server serves (an xDS
	// server: once the control plane's listener config has it serving),
	// 503 otherwise: the readiness probe.
	AdminHealthPath = HealthPath
	// AdminProbePath?target=T&timeout=D runs a Probe of gRPC target T for
	// at most D (default 30s) and answers its ProbeResult in JSON, 200
	// whether or not it succeeded.
	AdminProbePath = "/probe"
	// AdminPeersPath answers the server's PeerCounts in JSON.
	AdminPeersPath = "/peers"
)

// MaxProbeTimeout bounds the timeout of an admin probe.
const MaxProbeTimeout = 10 * time.Minute

// AdminOptions configure an Admin server.
type AdminOptions struct {
	Addr   string      // listen address; "127.0.0.1:0" picks a free port
	Server *GRPCServer // the service whose readiness and peers it reports
	Probe  ProbeOptions
}

// Admin is a running admin server.
type Admin struct {
	o    AdminOptions
	ln   net.Listener
	srv  *http.Server
	done chan error
}

// StartAdmin listens on o.Addr and serves until ctx is done or Close.
func StartAdmin(ctx context.Context, o AdminOptions) (*Admin, error) {
	if o.Server == nil {
		return nil, errors.New("target: admin: no gRPC server: expected one")
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("target: admin: listen on %s: %w", o.Addr, err)
	}
	a := &Admin{o: o, ln: ln, done: make(chan error, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+AdminHealthPath, a.health)
	mux.HandleFunc("GET "+AdminProbePath, a.probe)
	mux.HandleFunc("GET "+AdminPeersPath, a.peers)
	a.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		err := a.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		a.done <- err
	}()
	context.AfterFunc(ctx, func() { _ = a.Close() })
	return a, nil
}

// Addr is the address the admin server listens on.
func (a *Admin) Addr() string { return a.ln.Addr().String() }

// URL is the admin server's base URL.
func (a *Admin) URL() string { return "http://" + a.Addr() }

// Close stops the admin server.
func (a *Admin) Close() error { return a.srv.Close() }

// Wait blocks until the admin server has stopped and returns why.
func (a *Admin) Wait() error {
	err := <-a.done
	a.done <- err
	return err
}

func (a *Admin) health(w http.ResponseWriter, _ *http.Request) {
	if !a.o.Server.Ready() {
		http.Error(w, "grpc server not serving", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (a *Admin) probe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("target")
	if target == "" {
		http.Error(w, "target: expected a gRPC target (host:port or xds:///name:port)", http.StatusBadRequest)
		return
	}
	if err := CheckGRPCTarget(target); err != nil {
		http.Error(w, "target: "+err.Error(), http.StatusBadRequest)
		return
	}
	timeout := 30 * time.Second
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > MaxProbeTimeout {
			http.Error(w, fmt.Sprintf("timeout %q: expected a duration above 0 and up to %v, such as 30s", v, MaxProbeTimeout), http.StatusBadRequest)
			return
		}
		timeout = d
	}
	writeJSON(w, Probe(r.Context(), target, timeout, a.o.Probe))
}

func (a *Admin) peers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, a.o.Server.Peers())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // a client gone away: nothing to do
}
