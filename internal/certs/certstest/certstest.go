// Package certstest sets up mutual TLS for tests: a certificate fixture
// written to a temporary directory, the built-in target's server
// configuration that requires client certificates, and the client
// configurations with and without one.
package certstest

import (
	"crypto/tls"
	"testing"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/target"
)

// MTLS is one fixture and the configurations made from it.
type MTLS struct {
	certs.Fixture
	Server   *tls.Config // the target's: client certificates required
	WithCert *tls.Config // a client that trusts the CA and presents its certificate
	NoCert   *tls.Config // a client that trusts the CA and presents none
}

// New writes a fixture under t.TempDir and makes the configurations; any
// failure fails t.
func New(t testing.TB) MTLS {
	t.Helper()
	fx, err := certs.WriteFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := MTLS{Fixture: fx}
	if m.Server, _, err = target.TLSConfig(target.TLSFiles{Cert: fx.ServerCert, Key: fx.ServerKey, ClientCA: fx.CA}); err != nil {
		t.Fatal(err)
	}
	if m.WithCert, err = (load.TLSOptions{CACert: fx.CA, Cert: fx.ClientCert, Key: fx.ClientKey}).Config(); err != nil {
		t.Fatal(err)
	}
	if m.NoCert, err = (load.TLSOptions{CACert: fx.CA}).Config(); err != nil {
		t.Fatal(err)
	}
	return m
}
