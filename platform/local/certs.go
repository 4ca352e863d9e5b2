package local

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/smp-dev/smp/platform/local/sidecar"
)

// trustDomain names every workload identity of a run, as a mesh's trust
// domain does.
const trustDomain = "smp.local"

// identity is the DNS name in a workload's certificate.
func identity(workload string) string { return workload + "." + trustDomain }

// authority is a run's CA: it signs one certificate per workload, like a
// mesh's identity system (ECDSA P-256, valid for a day).
type authority struct {
	dir    string
	caPath string
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
}

func newAuthority(dir string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "smp run CA", Organization: []string{"smp"}},
		NotBefore:             time.Now().Add(-time.Minute),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	a := &authority{dir: dir, cert: cert, key: key, caPath: filepath.Join(dir, "ca.pem")}
	if err := writePEM(a.caPath, "CERTIFICATE", der); err != nil {
		return nil, err
	}
	return a, nil
}

// issue writes a certificate for workload (server and client auth) and
// returns the files.
func (a *authority) issue(workload string) (*sidecar.TLS, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	spiffe := &url.URL{Scheme: "spiffe", Host: trustDomain, Path: "/workload/" + workload}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: identity(workload)},
		DNSNames:     []string{identity(workload)},
		URIs:         []*url.URL{spiffe},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	t := &sidecar.TLS{
		CA:       a.caPath,
		Cert:     filepath.Join(a.dir, workload+".pem"),
		Key:      filepath.Join(a.dir, workload+"-key.pem"),
		CertKey:  filepath.Join(a.dir, workload+"-bundle.pem"),
		Identity: identity(workload),
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	for path, data := range map[string][]byte{t.Cert: certPEM, t.Key: keyPEM, t.CertKey: append(certPEM, keyPEM...)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return t, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}
