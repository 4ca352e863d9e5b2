package local

import (
	"fmt"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/platform/local/sidecar"
)

// trustDomain names every workload identity of a run, as a mesh's trust
// domain does.
const trustDomain = "smp.local"

// authority is a run's CA: it signs one certificate per workload, like a
// mesh's identity system, and writes the files the sidecars read.
type authority struct {
	dir    string
	caPath string
	ca     *certs.CA
}

func newAuthority(dir string) (*authority, error) {
	ca, err := certs.NewCA("smp run CA")
	if err != nil {
		return nil, err
	}
	p, err := certs.WriteFiles(dir, certs.File{Name: "ca.pem", Data: ca.PEM})
	if err != nil {
		return nil, err
	}
	return &authority{dir: dir, caPath: p[0], ca: ca}, nil
}

// issue writes a certificate for workload (server and client auth) and
// returns the files.
func (a *authority) issue(workload string) (*sidecar.TLS, error) {
	id, err := a.ca.Workload(workload, trustDomain)
	if err != nil {
		return nil, fmt.Errorf("certificate for %s: %w", workload, err)
	}
	p, err := certs.WriteFiles(a.dir,
		certs.File{Name: workload + ".pem", Data: id.CertPEM},
		certs.File{Name: workload + "-key.pem", Data: id.KeyPEM},
		certs.File{Name: workload + "-bundle.pem", Data: append(append([]byte{}, id.CertPEM...), id.KeyPEM...)})
	if err != nil {
		return nil, err
	}
	return &sidecar.TLS{
		CA: a.caPath, Cert: p[0], Key: p[1], CertKey: p[2],
		Identity: identity(workload),
	}, nil
}

// identity is the DNS name in a workload's certificate.
func identity(workload string) string { return certs.Identity(workload, trustDomain) }
