package certs

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
)

// A workload identity verifies against its CA for both ends of mutual TLS
// and names the workload by DNS name and SPIFFE ID.
func TestWorkload(t *testing.T) {
	t.Parallel()
	ca, err := NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ca.Workload("svc-1", "smp.local")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.TLS(); err != nil {
		t.Fatalf("key pair: %v", err)
	}
	block, _ := pem.Decode(p.CertPEM)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.DNSNames, []string{"svc-1.smp.local"}) || len(cert.URIs) != 1 ||
		cert.URIs[0].String() != "spiffe://smp.local/workload/svc-1" {
		t.Errorf("names %v, uris %v", cert.DNSNames, cert.URIs)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "svc-1.smp.local", KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("usage %v: %v", usage, err)
		}
	}
	other, _ := NewCA("other CA")
	foreign := x509.NewCertPool()
	foreign.AddCert(other.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: foreign}); err == nil {
		t.Error("verified against a CA that did not sign it")
	}
}
