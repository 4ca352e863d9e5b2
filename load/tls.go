package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSOptions are the client's TLS settings, shared by the protocol clients.
// File names are read by Config.
type TLSOptions struct {
	CACert string // PEM file of the roots that verify the server; "" = the system's
	Cert   string // PEM file of the client certificate (mTLS); with Key
	Key    string // PEM file of the client key
	// Insecure skips verification of the server certificate.
	Insecure bool
	// SessionReuse resumes TLS sessions across the connections of a
	// client (a shared session cache); off, every connection makes a full
	// handshake.
	SessionReuse bool
}

// ErrTLSOptions wraps every problem with TLSOptions.
var ErrTLSOptions = errors.New("tls options")

// Config builds the tls.Config of o: it reads the files and returns an
// error naming the option (cacert, cert, key) and the file when one cannot
// be used. ServerName and NextProtos are left for the protocol client.
func (o TLSOptions) Config() (*tls.Config, error) {
	c := &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // only when asked for
	if o.CACert != "" {
		b, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("%w: cacert %q: %w", ErrTLSOptions, o.CACert, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%w: cacert %q: expected PEM certificates", ErrTLSOptions, o.CACert)
		}
		c.RootCAs = pool
	}
	switch {
	case (o.Cert == "") != (o.Key == ""):
		return nil, fmt.Errorf("%w: cert %q and key %q: expected both or neither", ErrTLSOptions, o.Cert, o.Key)
	case o.Cert != "":
		pair, err := tls.LoadX509KeyPair(o.Cert, o.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: cert %q and key %q: %w", ErrTLSOptions, o.Cert, o.Key, err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	if o.SessionReuse {
		c.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return c, nil
}
