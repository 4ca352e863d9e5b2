// probe: tiny static test client for in-cluster checks (stdlib only).
//
//	probe get URL   GET URL and print status and body
//	probe api       list pods in the pod's namespace through the in-cluster API (service-account token + CA)
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe get URL | probe api")
		os.Exit(2)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	var req *http.Request
	switch os.Args[1] {
	case "get":
		req, _ = http.NewRequest("GET", os.Args[2], nil)
	case "api":
		const sa = "/var/run/secrets/kubernetes.io/serviceaccount/"
		tok, err := os.ReadFile(sa + "token")
		check(err)
		ca, err := os.ReadFile(sa + "ca.crt")
		check(err)
		ns, err := os.ReadFile(sa + "namespace")
		check(err)
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			check(fmt.Errorf("no CA certificates in %sca.crt", sa))
		}
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		url := "https://" + os.Getenv("KUBERNETES_SERVICE_HOST") + ":" + os.Getenv("KUBERNETES_SERVICE_PORT") +
			"/api/v1/namespaces/" + strings.TrimSpace(string(ns)) + "/pods"
		req, _ = http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	default:
		check(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	resp, err := c.Do(req)
	check(err)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 400))
	fmt.Printf("%s %s -> %s\n%s\n", req.Method, req.URL, resp.Status, body)
	if resp.StatusCode >= 400 {
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}
