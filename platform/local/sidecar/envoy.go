package sidecar

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/collect/proxystats"
)

// Envoy runs envoy with a static bootstrap: one listener with an HTTP
// connection manager and one static cluster per route. Envoy is not
// packaged for Debian; the scenario runs where an envoy binary is on PATH.
type Envoy struct{}

var _ Kind = Envoy{}

// Name implements Kind.
func (Envoy) Name() string { return "envoy" }

// Program implements Kind.
func (Envoy) Program() string { return "envoy" }

// InstallHint implements Kind.
func (Envoy) InstallHint() string {
	return "put an envoy binary on PATH (it is not packaged for Debian)"
}

// Prepare implements Kind.
func (Envoy) Prepare(c Config) ([]string, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	if c.AdminAddr == "" {
		return nil, fmt.Errorf("sidecar %s: envoy needs an admin address", c.Workload)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# smp sidecar for %s (generated)\n", c.Workload)
	ah, ap, err := hostPort(c.AdminAddr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "admin:\n  address: {socket_address: {address: %s, port_value: %d}}\n", ah, ap)
	b.WriteString("static_resources:\n  listeners:\n")
	for _, r := range c.Routes {
		h, p, err := hostPort(r.Listen)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, `  - name: %[1]s
    address: {socket_address: {address: %[2]s, port_value: %[3]d}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: %[1]s
          codec_type: HTTP1
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes: [{match: {prefix: "/"}, route: {cluster: %[1]s_up}}]
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
`, r.Name, h, p)
		if c.MTLS != nil && r.Inbound {
			fmt.Fprintf(&b, `      transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          require_client_certificate: true
          common_tls_context:
%s`, commonTLS(c.MTLS, "            ", ""))
		}
	}
	b.WriteString("  clusters:\n")
	for _, r := range c.Routes {
		h, p, err := hostPort(r.Upstream)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, `  - name: %[1]s_up
    type: STATIC
    connect_timeout: 5s
    load_assignment:
      cluster_name: %[1]s_up
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %[2]s, port_value: %[3]d}}}}]}]
`, r.Name, h, p)
		if c.MTLS != nil && !r.Inbound {
			fmt.Fprintf(&b, `    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        sni: %s
        common_tls_context:
%s`, r.PeerName, commonTLS(c.MTLS, "          ", r.PeerName))
		}
	}
	path, err := writeFile(c.Dir, c.Workload+"-envoy.yaml", []byte(b.String()))
	if err != nil {
		return nil, err
	}
	return []string{"-c", path, "--concurrency", strconv.Itoa(c.Concurrency), "--use-dynamic-base-id", "--log-level", "warn"}, nil
}

// commonTLS is a CommonTlsContext: TLS 1.3 only (BoringSSL uses its
// AES-GCM-first TLS 1.3 suites; they cannot be configured), the workload's
// certificate, and the CA; peer, when set, is the SAN to require.
func commonTLS(t *TLS, indent, peer string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%stls_params: {tls_minimum_protocol_version: TLSv1_3, tls_maximum_protocol_version: TLSv1_3}\n", indent)
	fmt.Fprintf(&b, "%stls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]\n", indent, t.Cert, t.Key)
	fmt.Fprintf(&b, "%svalidation_context:\n%s  trusted_ca: {filename: %s}\n", indent, indent, t.CA)
	if peer != "" {
		fmt.Fprintf(&b, "%s  match_typed_subject_alt_names: [{san_type: DNS, matcher: {exact: %s}}]\n", indent, peer)
	}
	return b.String()
}

func hostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("sidecar: address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("sidecar: address %q: port: %w", addr, err)
	}
	return h, n, nil
}

// Metrics implements Metered.
func (Envoy) Metrics() (string, proxystats.Schema) {
	return "/stats/prometheus", proxystats.EnvoyDownstream()
}
