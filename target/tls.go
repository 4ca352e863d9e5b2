package target

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/smp-dev/smp/internal/certs"
)

// ErrTLS wraps every problem with the target's TLS settings.
var ErrTLS = errors.New("target tls")

// TLSFiles name the PEM files of the target's TLS settings.
type TLSFiles struct {
	Cert, Key string // server certificate and key; both empty = self-signed
	// ClientCA, when set, requires every client to present a certificate
	// issued by one of these CAs (mTLS); connections without one are
	// refused during the handshake.
	ClientCA string
	// Hosts the self-signed certificate is made for; default 127.0.0.1,
	// ::1 and localhost.
	Hosts []string
}

// TLSConfig builds the server's tls.Config from f. With no Cert and Key it
// makes a self-signed certificate, returned in PEM form as selfSigned (so
// that clients can trust it with --cacert); otherwise selfSigned is nil.
// Errors name the setting (cert, key, client-ca) and the file.
func TLSConfig(f TLSFiles) (cfg *tls.Config, selfSigned []byte, err error) {
	cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case (f.Cert == "") != (f.Key == ""):
		return nil, nil, fmt.Errorf("%w: cert %q and key %q: expected both or neither (neither: self-signed)", ErrTLS, f.Cert, f.Key)
	case f.Cert != "":
		pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: cert %q and key %q: %w", ErrTLS, f.Cert, f.Key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	default:
		hosts := f.Hosts
		if len(hosts) == 0 {
			hosts = []string{"127.0.0.1", "::1", "localhost"}
		}
		p, err := certs.SelfSigned(hosts...)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: self-signed certificate: %w", ErrTLS, err)
		}
		pair, err := p.TLS()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: self-signed certificate: %w", ErrTLS, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
		selfSigned = p.CertPEM
	}
	if f.ClientCA != "" {
		b, err := os.ReadFile(f.ClientCA)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: client-ca %q: %w", ErrTLS, f.ClientCA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, nil, fmt.Errorf("%w: client-ca %q: expected PEM certificates", ErrTLS, f.ClientCA)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, selfSigned, nil
}
