package sidecar

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Nginx runs nginx (Debian package nginx or nginx-light) as a reverse
// proxy, one server block and keep-alive upstream per route.
type Nginx struct{}

var _ Kind = Nginx{}

// Name implements Kind.
func (Nginx) Name() string { return "nginx" }

// Program implements Kind.
func (Nginx) Program() string { return "nginx" }

// InstallHint implements Kind.
func (Nginx) InstallHint() string { return "apt-get install nginx" }

// Prepare implements Kind.
func (Nginx) Prepare(c Config) ([]string, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	prefix := filepath.Join(c.Dir, c.Workload+"-nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return nil, fmt.Errorf("sidecar: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# smp sidecar for %s (generated)\n", c.Workload)
	fmt.Fprintf(&b, "daemon off;\nmaster_process on;\nworker_processes %d;\n", c.Concurrency)
	fmt.Fprintf(&b, "pid %s/nginx.pid;\nerror_log stderr warn;\n", prefix)
	b.WriteString("events { worker_connections 16384; }\n")
	b.WriteString("http {\n  access_log off;\n  keepalive_requests 1000000;\n  keepalive_timeout 60s;\n")
	for _, d := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "  %s_temp_path %s/tmp/%s;\n", d, prefix, d)
	}
	for _, r := range c.Routes {
		fmt.Fprintf(&b, "\n  upstream %s_up {\n    server %s;\n    keepalive 1024;\n  }\n", r.Name, r.Upstream)
		fmt.Fprintf(&b, "  server {\n    listen %s", r.Listen)
		if c.MTLS != nil && r.Inbound {
			b.WriteString(" ssl;\n")
			fmt.Fprintf(&b, "    ssl_certificate %s;\n    ssl_certificate_key %s;\n", c.MTLS.Cert, c.MTLS.Key)
			fmt.Fprintf(&b, "    ssl_client_certificate %s;\n    ssl_verify_client on;\n", c.MTLS.CA)
			fmt.Fprintf(&b, "    ssl_protocols TLSv1.3;\n    ssl_conf_command Ciphersuites %s;\n", CipherSuite)
		} else {
			b.WriteString(";\n")
		}
		scheme := "http"
		if c.MTLS != nil && !r.Inbound {
			scheme = "https"
		}
		fmt.Fprintf(&b, "    location / {\n      proxy_pass %s://%s_up;\n", scheme, r.Name)
		b.WriteString("      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_buffering off;\n")
		if scheme == "https" {
			fmt.Fprintf(&b, "      proxy_ssl_certificate %s;\n      proxy_ssl_certificate_key %s;\n", c.MTLS.Cert, c.MTLS.Key)
			fmt.Fprintf(&b, "      proxy_ssl_trusted_certificate %s;\n      proxy_ssl_verify on;\n", c.MTLS.CA)
			fmt.Fprintf(&b, "      proxy_ssl_name %s;\n      proxy_ssl_server_name on;\n", r.PeerName)
			fmt.Fprintf(&b, "      proxy_ssl_protocols TLSv1.3;\n      proxy_ssl_conf_command Ciphersuites %s;\n", CipherSuite)
			b.WriteString("      proxy_ssl_session_reuse on;\n")
		}
		b.WriteString("    }\n  }\n")
	}
	b.WriteString("}\n")
	path, err := writeFile(c.Dir, c.Workload+"-nginx.conf", []byte(b.String()))
	if err != nil {
		return nil, err
	}
	// -e stderr: no attempt to open the packaged error log before the
	// configuration is read.
	return []string{"-e", "stderr", "-p", prefix, "-c", path}, nil
}
