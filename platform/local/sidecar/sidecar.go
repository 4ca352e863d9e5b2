// Package sidecar writes the configuration of each sidecar proxy kind smp
// can run locally and says how to start it. One file per kind: reference
// (smp's own minimal proxy), haproxy, nginx, envoy. A sidecar serves one
// workload: an inbound route in front of the workload's app, and outbound
// routes from the app (or the load generator) to its neighbours' sidecars.
// With mTLS, sidecar-to-sidecar hops are mutual TLS 1.3 with the same
// cipher suite for every kind; the app-to-own-sidecar hop stays plaintext.
package sidecar

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/smp-dev/smp/collect/proxystats"
)

// CipherSuite is the one TLS 1.3 suite every kind is configured with, so
// that kinds are compared at equal crypto cost.
const CipherSuite = "TLS_AES_128_GCM_SHA256"

// Route is one listener of a sidecar, forwarding HTTP/1.1 to one upstream.
type Route struct {
	Name     string // unique within the sidecar; used in config names
	Listen   string // host:port
	Upstream string // host:port
	// Inbound routes front the workload's own app: with mTLS they terminate
	// it (present the workload's certificate, require a client certificate
	// signed by the CA). Outbound routes originate mTLS to Upstream,
	// presenting the workload's certificate and verifying the server's name
	// as PeerName.
	Inbound  bool
	PeerName string
}

// TLS names the PEM files of a workload's identity.
type TLS struct {
	CA       string // CA certificate
	Cert     string // workload certificate
	Key      string // its private key
	CertKey  string // certificate and key in one file (HAProxy's format)
	Identity string // DNS name in the certificate
}

// Config is one sidecar.
type Config struct {
	Workload string // e.g. "svc-0", "client"
	Dir      string // config and runtime files go here; must exist
	// Concurrency is the proxy's worker threads or processes (>= 1).
	Concurrency int
	Routes      []Route
	// MTLS, when set, secures every sidecar-to-sidecar hop.
	MTLS *TLS
	// AdminAddr is a free host:port for kinds that need an admin listener.
	AdminAddr string
}

// Kind is one proxy implementation.
type Kind interface {
	// Name is the mesh type that selects this kind.
	Name() string
	// Program is the executable to look up on PATH, or "" for smp itself.
	Program() string
	// InstallHint tells the user how to get Program.
	InstallHint() string
	// Prepare writes c's configuration under c.Dir and returns the
	// arguments to start the proxy with (without the program).
	Prepare(c Config) ([]string, error)
}

// Metered is a kind that serves its own metrics on its admin address.
type Metered interface {
	// Metrics is the path of the metrics endpoint on the admin address
	// and the format of what it serves.
	Metrics() (path string, schema proxystats.Schema)
}

// Kinds returns every kind by name.
func Kinds() map[string]Kind {
	ks := []Kind{Reference{}, HAProxy{}, Nginx{}, Envoy{}}
	m := make(map[string]Kind, len(ks))
	for _, k := range ks {
		m[k.Name()] = k
	}
	return m
}

// Names lists the kinds, sorted.
func Names() []string {
	var names []string
	for n := range Kinds() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// check rejects configurations no kind can run.
func check(c Config) error {
	if c.Workload == "" || c.Dir == "" || len(c.Routes) == 0 {
		return fmt.Errorf("sidecar: workload %q: needs a name, a directory and at least one route", c.Workload)
	}
	if c.Concurrency < 1 {
		return fmt.Errorf("sidecar %s: concurrency %d: expected >= 1", c.Workload, c.Concurrency)
	}
	for _, r := range c.Routes {
		if r.Listen == "" || r.Upstream == "" || r.Name == "" {
			return fmt.Errorf("sidecar %s: route %+v: needs a name, a listen and an upstream address", c.Workload, r)
		}
		if c.MTLS != nil && !r.Inbound && r.PeerName == "" {
			return fmt.Errorf("sidecar %s: outbound route %s: mTLS needs the peer's name", c.Workload, r.Name)
		}
	}
	return nil
}

func writeFile(dir, name string, data []byte) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		return "", fmt.Errorf("sidecar: %w", err)
	}
	return p, nil
}
