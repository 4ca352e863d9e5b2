// Package certs makes the X.509 certificates smp needs when nobody gives it
// any: the built-in target's self-signed server certificate, a run's CA
// issuing one workload identity per sidecar (as a mesh's identity system
// does), and, in tests, server and client certificates for mTLS. Keys are
// ECDSA P-256; certificates are valid from an hour ago for a year.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// CA is a certificate authority that issues leaf certificates.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// PEM is the CA certificate in PEM form (what --cacert and
	// --client-ca read).
	PEM []byte
}

// Pair is an issued certificate with its key, in PEM form.
type Pair struct {
	CertPEM, KeyPEM []byte
}

// TLS returns p as a tls.Certificate.
func (p Pair) TLS() (tls.Certificate, error) { return tls.X509KeyPair(p.CertPEM, p.KeyPEM) }

// NewCA makes a self-signed CA named name.
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := template(name)
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Server issues a server certificate for hosts (names or IP addresses).
func (ca *CA) Server(hosts ...string) (Pair, error) {
	return ca.issue(leaf(hosts[0], hosts, x509.ExtKeyUsageServerAuth))
}

// Client issues a client certificate named name.
func (ca *CA) Client(name string) (Pair, error) {
	return ca.issue(leaf(name, nil, x509.ExtKeyUsageClientAuth))
}

// Workload issues a mesh workload identity: a certificate for both ends
// of mutual TLS, named Identity(workload, trustDomain) and carrying the
// SPIFFE ID spiffe://<trustDomain>/workload/<workload>.
func (ca *CA) Workload(workload, trustDomain string) (Pair, error) {
	id := Identity(workload, trustDomain)
	tmpl := leaf(id, []string{id}, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	tmpl.URIs = []*url.URL{{Scheme: "spiffe", Host: trustDomain, Path: "/workload/" + workload}}
	return ca.issue(tmpl)
}

// Identity is the DNS name in a workload's certificate.
func Identity(workload, trustDomain string) string { return workload + "." + trustDomain }

// leaf is the template of a certificate named name for hosts.
func leaf(name string, hosts []string, usage ...x509.ExtKeyUsage) *x509.Certificate {
	tmpl := template(name)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = usage
	addHosts(tmpl, hosts)
	return tmpl
}

// issue signs tmpl with a new key.
func (ca *CA) issue(tmpl *x509.Certificate) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return Pair{}, err
	}
	return pair(der, key)
}

// SelfSigned makes a self-signed server certificate for hosts.
func SelfSigned(hosts ...string) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	tmpl := template("smp target")
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = true // so that it can be its own trust anchor (--cacert)
	addHosts(tmpl, hosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Pair{}, err
	}
	return pair(der, key)
}

// WriteFiles writes data to dir/name for each entry, readable by the
// owner only, and returns the paths in the same order.
func WriteFiles(dir string, files ...File) ([]string, error) {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.Name)
		if err := os.WriteFile(paths[i], f.Data, 0o600); err != nil {
			return nil, fmt.Errorf("certs: %w", err)
		}
	}
	return paths, nil
}

// File is one file for WriteFiles.
type File struct {
	Name string
	Data []byte
}

func template(name string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"smp"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
	}
}

func addHosts(c *x509.Certificate, hosts []string) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			c.IPAddresses = append(c.IPAddresses, ip)
		} else {
			c.DNSNames = append(c.DNSNames, h)
		}
	}
}

func pair(der []byte, key *ecdsa.PrivateKey) (Pair, error) {
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}),
	}, nil
}

// Fixture names the files of a CA with one server and one client
// certificate, as WriteFixture writes them (for tests and examples).
type Fixture struct {
	CA                    string // the CA certificate
	ServerCert, ServerKey string // for hosts
	ClientCert, ClientKey string // named "smp client"
}

// WriteFixture makes a CA, a server certificate for hosts (default
// 127.0.0.1 and localhost) and a client certificate, and writes them to dir.
func WriteFixture(dir string, hosts ...string) (Fixture, error) {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "localhost"}
	}
	ca, err := NewCA("smp test CA")
	if err != nil {
		return Fixture{}, err
	}
	srv, err := ca.Server(hosts...)
	if err != nil {
		return Fixture{}, err
	}
	cl, err := ca.Client("smp client")
	if err != nil {
		return Fixture{}, err
	}
	p, err := WriteFiles(dir,
		File{"ca.pem", ca.PEM},
		File{"server.pem", srv.CertPEM}, File{"server-key.pem", srv.KeyPEM},
		File{"client.pem", cl.CertPEM}, File{"client-key.pem", cl.KeyPEM})
	if err != nil {
		return Fixture{}, err
	}
	return Fixture{CA: p[0], ServerCert: p[1], ServerKey: p[2], ClientCert: p[3], ClientKey: p[4]}, nil
}
