package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// PingMethod is the built-in target's own gRPC method: it answers a
// google.protobuf.BytesValue with the same bytes (the client picks the
// payload size), after the server's delay.
const PingMethod = "/smp.target.v1.Target/Ping"

// GRPCOptions configure a GRPCServer.
type GRPCOptions struct {
	Addr  string        // listen address; "127.0.0.1:0" picks a free port
	Delay time.Duration // service time of each Ping (health checks answer at once)
	// TLS, when set, serves over TLS (ALPN h2); ClientAuth and ClientCAs
	// require client certificates (see TLSConfig).
	TLS *tls.Config
}

// GRPCServer serves the standard grpc.health.v1.Health service (SERVING
// for every service name) and PingMethod.
type GRPCServer struct {
	ln    net.Listener
	srv   *grpc.Server
	count atomic.Uint64
	delay time.Duration
	done  chan error
}

// StartGRPC listens on o.Addr and serves until ctx is done or Close.
func StartGRPC(ctx context.Context, o GRPCOptions) (*GRPCServer, error) {
	if o.Delay < 0 {
		return nil, fmt.Errorf("target: grpc: delay %v: expected >= 0", o.Delay)
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("target: grpc: listen on %s: %w", o.Addr, err)
	}
	var opts []grpc.ServerOption
	if o.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	s := &GRPCServer{ln: ln, srv: grpc.NewServer(opts...), delay: o.Delay, done: make(chan error, 1)}
	healthpb.RegisterHealthServer(s.srv, health.NewServer()) // "" is SERVING
	s.srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "smp.target.v1.Target",
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Ping", Handler: s.ping}},
	}, s)
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, grpc.ErrServerStopped) {
			err = nil
		}
		s.done <- err
	}()
	context.AfterFunc(ctx, func() { _ = s.Close() }) // Wait reports how the server ended
	return s, nil
}

func (s *GRPCServer) ping(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := &wrapperspb.BytesValue{}
	if err := dec(in); err != nil {
		return nil, err
	}
	s.count.Add(1)
	if s.delay > 0 && !sleep(ctx, s.delay) {
		return nil, ctx.Err()
	}
	return in, nil
}

// Addr is the address the server listens on.
func (s *GRPCServer) Addr() string { return s.ln.Addr().String() }

// Pings is how many Ping calls the server has answered.
func (s *GRPCServer) Pings() uint64 { return s.count.Load() }

// Close stops the server and its connections.
func (s *GRPCServer) Close() error { s.srv.Stop(); return nil }

// Wait blocks until the server has stopped and returns why.
func (s *GRPCServer) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}
