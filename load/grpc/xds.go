package grpc

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"google.golang.org/grpc"

	"github.com/smp-dev/smp/internal/xdsgrpc"
	"github.com/smp-dev/smp/load"
)

// setXDS checks the xDS side of cfg and makes its credentials.
func (c *Client) setXDS(cfg Config) error {
	if cfg.NewConnection {
		return errors.New("grpc: XDS with NewConnection: expected one of them (an xDS channel dials for itself, so its connections cannot be timed)")
	}
	if cfg.TLS != nil {
		return errors.New("grpc: XDS with TLS: expected one of them (with xDS, the mesh's control plane sets up mutual TLS)")
	}
	if err := xdsgrpc.CheckBootstrap(); err != nil {
		return fmt.Errorf("grpc: XDS: %w", err)
	}
	creds, err := xdsgrpc.ClientCredentials()
	if err != nil {
		return fmt.Errorf("grpc: %w", err)
	}
	c.xds = creds
	return nil
}

// xdsClientConn makes a ClientConn to xds:///addr: grpc-go's xDS resolver
// and balancers pick the endpoints and dial them with the xDS
// credentials. It connects lazily.
func (c *Client) xdsClientConn() (*grpc.ClientConn, error) {
	cc, err := grpc.NewClient(xdsgrpc.Scheme+c.addr, grpc.WithTransportCredentials(c.xds), grpc.WithDisableRetry())
	if err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	return cc, nil
}

// xdsCause classifies an Unavailable call of an xDS channel from its
// text, the only trace of the cause (the channel dials for itself): a
// refused connection, else a configuration the channel lacks (no
// listener, cluster or endpoint for the target yet: KindOther), else a
// connection that went away.
func xdsCause(err error, msg string) error {
	switch {
	case strings.Contains(msg, "connection refused"):
		return fmt.Errorf("%w: %v", syscall.ECONNREFUSED, err)
	case strings.Contains(msg, "xds"), strings.Contains(msg, "resolver"), strings.Contains(msg, "no children"),
		strings.Contains(msg, "does not exist"):
		return fmt.Errorf("grpc: xds configuration: %v", err)
	default:
		return fmt.Errorf("%w: %v", load.ErrReset, err)
	}
}
