package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/internal/xdsgrpc"
)

// CheckGRPCTarget checks a gRPC target of the sample app: host:port,
// dialed in plaintext, or xds:///name:port, resolved and secured by the
// xDS control plane (which needs its bootstrap, see xdsgrpc).
func CheckGRPCTarget(target string) error {
	hostPort, isXDS := target, false
	if xdsgrpc.IsTarget(target) {
		if !strings.HasPrefix(target, xdsgrpc.Scheme) {
			return fmt.Errorf("grpc target %q: expected host:port or %sname:port", target, xdsgrpc.Scheme)
		}
		hostPort, isXDS = strings.TrimPrefix(target, xdsgrpc.Scheme), true
	}
	host, port, err := net.SplitHostPort(hostPort)
	if err != nil || host == "" || port == "" || strings.Contains(hostPort, "/") {
		return fmt.Errorf("grpc target %q: expected host:port or %sname:port", target, xdsgrpc.Scheme)
	}
	if isXDS {
		if err := xdsgrpc.CheckBootstrap(); err != nil {
			return fmt.Errorf("grpc target %q: %w", target, err)
		}
	}
	return nil
}

// DialGRPC makes a ClientConn to a target CheckGRPCTarget accepts: an
// xds:/// target with the xDS client credentials (mutual TLS when the
// control plane says so), host:port in plaintext, one connection dialed
// to that address. It connects lazily, at its first call.
func DialGRPC(target string) (*grpc.ClientConn, error) {
	if err := CheckGRPCTarget(target); err != nil {
		return nil, err
	}
	if !xdsgrpc.IsTarget(target) {
		target = "passthrough:///" + target
		return grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	creds, err := xdsgrpc.ClientCredentials()
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(target, grpc.WithTransportCredentials(creds))
}

// GRPCDownstream is the call a gRPC sample-app service makes before
// answering: a Ping to each of its targets, all at once when there are
// several, on one ClientConn per target shared by all calls. Safe for
// concurrent use.
type GRPCDownstream struct {
	targets []string
	conns   []*grpc.ClientConn
}

// NewGRPCDownstream checks targets (see CheckGRPCTarget) and makes their
// ClientConns.
func NewGRPCDownstream(targets []string) (*GRPCDownstream, error) {
	d := &GRPCDownstream{targets: targets}
	for _, t := range targets {
		cc, err := DialGRPC(t)
		if err != nil {
			_ = d.Close() // cleanup on an error path: the dial error is the one to report
			return nil, fmt.Errorf("target: downstream: %w", err)
		}
		d.conns = append(d.conns, cc)
	}
	return d, nil
}

// Call pings every target and returns the first failure, naming its
// target. A Ping carries no payload; the reply is the target's size.
func (d *GRPCDownstream) Call(ctx context.Context) error {
	if len(d.conns) == 1 {
		return d.one(ctx, 0)
	}
	errs := make(chan error, len(d.conns))
	for i := range d.conns {
		go func() { errs <- d.one(ctx, i) }()
	}
	var first error
	for range d.conns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (d *GRPCDownstream) one(ctx context.Context, i int) error {
	if err := d.conns[i].Invoke(ctx, PingMethod, &wrapperspb.BytesValue{}, &wrapperspb.BytesValue{}); err != nil {
		return fmt.Errorf("%s: %w", d.targets[i], err)
	}
	return nil
}

// Close closes the ClientConns.
func (d *GRPCDownstream) Close() error {
	var errs []error
	for _, cc := range d.conns {
		errs = append(errs, cc.Close())
	}
	return errors.Join(errs...)
}
