package run

import (
	"crypto/tls"
	"fmt"
	"os"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/spec"
)

// clientTLS builds the load client's TLS settings from load.tls (nil: the
// defaults). Files are checked here, when the run starts: an error names
// the field and the file.
func clientTLS(t *spec.TLS) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	for _, f := range []struct{ field, path string }{
		{"load.tls.caCert", t.CACert}, {"load.tls.cert", t.Cert}, {"load.tls.key", t.Key},
	} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return nil, fmt.Errorf("%s %q: expected a readable PEM file: %w", f.field, f.path, err)
		}
	}
	o := load.TLSOptions{CACert: t.CACert, Cert: t.Cert, Key: t.Key, Insecure: t.Insecure, SessionReuse: t.SessionReuse}
	c, err := o.Config()
	if err != nil {
		return nil, fmt.Errorf("load.tls: %w", err)
	}
	return c, nil
}
