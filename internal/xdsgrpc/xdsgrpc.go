// Package xdsgrpc holds what smp's gRPC servers and clients need to run
// as Istio proxyless gRPC workloads: the check that an xDS bootstrap is
// configured, and the xDS transport credentials, which speak mutual TLS
// with the mesh's certificates when the control plane says so and
// plaintext otherwise. Importing it registers grpc-go's xds:/// resolver
// and xDS balancers (grpc-go's own registration).
package xdsgrpc

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	xdscreds "google.golang.org/grpc/credentials/xds"
	_ "google.golang.org/grpc/xds" // the xds:/// resolver and the xDS balancers
)

// BootstrapEnv names the file grpc-go reads its xDS bootstrap from
// (Istio's pilot-agent writes /etc/istio/proxy/grpc-bootstrap.json).
const BootstrapEnv = "GRPC_XDS_BOOTSTRAP"

// bootstrapConfigEnv holds the bootstrap itself, grpc-go's alternative
// to BootstrapEnv.
const bootstrapConfigEnv = "GRPC_XDS_BOOTSTRAP_CONFIG"

// Scheme starts every xDS target: xds:///name:port.
const Scheme = "xds:///"

// ErrNoBootstrap is CheckBootstrap's error when no bootstrap is configured.
var ErrNoBootstrap = errors.New("xds: " + BootstrapEnv + " is not set: expected the path of an xDS bootstrap file " +
	"(in an Istio proxyless gRPC pod, pilot-agent writes /etc/istio/proxy/grpc-bootstrap.json)")

// CheckBootstrap reports whether grpc-go can find an xDS bootstrap: the
// file BootstrapEnv names must be readable (or the bootstrap be given
// inline in GRPC_XDS_BOOTSTRAP_CONFIG).
func CheckBootstrap() error {
	path := os.Getenv(BootstrapEnv)
	if path == "" {
		if os.Getenv(bootstrapConfigEnv) != "" {
			return nil
		}
		return ErrNoBootstrap
	}
	f, err := os.Open(path) //nolint:gosec // G304: the bootstrap file the environment names
	if err != nil {
		return fmt.Errorf("xds: %s=%s: expected a readable xDS bootstrap file: %w", BootstrapEnv, path, err)
	}
	return f.Close()
}

// IsTarget reports whether target is an xDS target (xds:///name:port).
func IsTarget(target string) bool { return strings.HasPrefix(target, "xds:") }

// ClientCredentials are the credentials of an xds:/// channel: mutual TLS
// when the control plane's cluster config asks for it, else plaintext.
func ClientCredentials() (credentials.TransportCredentials, error) {
	c, err := xdscreds.NewClientCredentials(xdscreds.ClientOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		return nil, fmt.Errorf("xds: client credentials: %w", err)
	}
	return c, nil
}

// ServerCredentials are the credentials of an xDS server: mutual TLS when
// the control plane's listener config asks for it, else plaintext.
func ServerCredentials() (credentials.TransportCredentials, error) {
	c, err := xdscreds.NewServerCredentials(xdscreds.ServerOptions{FallbackCreds: insecure.NewCredentials()})
	if err != nil {
		return nil, fmt.Errorf("xds: server credentials: %w", err)
	}
	return c, nil
}
