package sidecar

import (
	"fmt"
	"strings"
)

// HAProxy runs haproxy (Debian package haproxy) in HTTP mode, one frontend
// and backend per route, keep-alive to upstreams.
type HAProxy struct{}

var _ Kind = HAProxy{}

// Name implements Kind.
func (HAProxy) Name() string { return "haproxy" }

// Program implements Kind.
func (HAProxy) Program() string { return "haproxy" }

// InstallHint implements Kind.
func (HAProxy) InstallHint() string { return "apt-get install haproxy" }

// Prepare implements Kind.
func (HAProxy) Prepare(c Config) ([]string, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# smp sidecar for %s (generated)\n", c.Workload)
	b.WriteString("global\n")
	fmt.Fprintf(&b, "  nbthread %d\n", c.Concurrency)
	b.WriteString("  maxconn 4096\n")
	if c.MTLS != nil {
		fmt.Fprintf(&b, "  ssl-default-bind-options ssl-min-ver TLSv1.3\n")
		fmt.Fprintf(&b, "  ssl-default-bind-ciphersuites %s\n", CipherSuite)
		fmt.Fprintf(&b, "  ssl-default-server-options ssl-min-ver TLSv1.3\n")
		fmt.Fprintf(&b, "  ssl-default-server-ciphersuites %s\n", CipherSuite)
	}
	b.WriteString(`defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  http-reuse always
`)
	for _, r := range c.Routes {
		fmt.Fprintf(&b, "\nfrontend %s\n  bind %s", r.Name, r.Listen)
		if c.MTLS != nil && r.Inbound {
			fmt.Fprintf(&b, " ssl crt %s ca-file %s verify required", c.MTLS.CertKey, c.MTLS.CA)
		}
		fmt.Fprintf(&b, "\n  default_backend %s_up\n", r.Name)
		fmt.Fprintf(&b, "\nbackend %s_up\n  server up %s", r.Name, r.Upstream)
		if c.MTLS != nil && !r.Inbound {
			fmt.Fprintf(&b, " ssl crt %s ca-file %s verify required sni str(%s) verifyhost %s",
				c.MTLS.CertKey, c.MTLS.CA, r.PeerName, r.PeerName)
		}
		b.WriteString("\n")
	}
	path, err := writeFile(c.Dir, c.Workload+"-haproxy.cfg", []byte(b.String()))
	if err != nil {
		return nil, err
	}
	// -db: stay in the foreground, log to stderr; -W is not used so the
	// process we start is the one that serves.
	return []string{"-db", "-f", path}, nil
}
