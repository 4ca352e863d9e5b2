package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/xds"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/internal/xdsgrpc"
)

// PingMethod is the built-in target's own gRPC method: it answers a
// google.protobuf.BytesValue with the same bytes (the client picks the
// payload size), after the server's delay; with GRPCOptions.SizedReply,
// with a fixed number of bytes instead.
const PingMethod = "/smp.target.v1.Target/Ping"

// GRPCOptions configure a GRPCServer.
type GRPCOptions struct {
	Addr  string        // listen address; "127.0.0.1:0" picks a free port
	Delay time.Duration // service time of each Ping (health checks answer at once)
	// TLS, when set, serves over TLS (ALPN h2); ClientAuth and ClientCAs
	// require client certificates (see TLSConfig).
	TLS *tls.Config
	// SizedReply answers every Ping with Size bytes instead of echoing its
	// payload: a sample-app service, whose response size is the
	// workload's whatever its caller sends.
	SizedReply bool
	Size       int64 // with SizedReply: reply bytes, 0 to MaxSize
	// Downstream, when set, is called by every Ping before it is answered
	// (the sample app's calls to its downstream services, see
	// GRPCDownstream); an error answers codes.Unavailable with its text.
	Downstream func(ctx context.Context) error
	// XDS serves as an xDS-managed server (Istio proxyless gRPC): the
	// control plane configures the listener, and its security (mutual TLS
	// with the mesh's certificates, or plaintext). It needs the bootstrap
	// xdsgrpc.BootstrapEnv names; the server serves once the control plane
	// has sent its listener (Ready). Not with TLS.
	XDS bool
	// Log receives the serving-mode changes of an XDS server; nil
	// discards them.
	Log io.Writer
}

// grpcServer is what GRPCServer needs of grpc.Server and xds.GRPCServer.
type grpcServer interface {
	grpc.ServiceRegistrar
	Serve(net.Listener) error
	Stop()
}

// GRPCServer serves the standard grpc.health.v1.Health service (SERVING
// for every service name) and PingMethod.
type GRPCServer struct {
	ln         net.Listener
	srv        grpcServer
	count      atomic.Uint64
	ready      atomic.Bool
	delay      time.Duration
	reply      *wrapperspb.BytesValue // with SizedReply; only read, by every Ping
	downstream func(ctx context.Context) error
	peers      peerCounter
	done       chan error
}

// StartGRPC listens on o.Addr and serves until ctx is done or Close.
func StartGRPC(ctx context.Context, o GRPCOptions) (*GRPCServer, error) {
	if o.Delay < 0 {
		return nil, fmt.Errorf("target: grpc: delay %v: expected >= 0", o.Delay)
	}
	if o.SizedReply && (o.Size < 0 || o.Size > MaxSize) {
		return nil, fmt.Errorf("target: grpc: size %d: expected 0 to %d bytes", o.Size, MaxSize)
	}
	if o.XDS && o.TLS != nil {
		return nil, errors.New("target: grpc: TLS with XDS: expected one of them (an xDS server takes its certificates from the mesh)")
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	s := &GRPCServer{delay: o.Delay, downstream: o.Downstream, done: make(chan error, 1)}
	if o.SizedReply {
		s.reply = &wrapperspb.BytesValue{Value: filler(o.Size)}
	}
	var err error
	if s.srv, err = newGRPCServer(o, s.setServing); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.Addr)
	if err != nil {
		s.srv.Stop() // an xDS server's client to the control plane
		return nil, fmt.Errorf("target: grpc: listen on %s: %w", o.Addr, err)
	}
	s.ln = ln
	healthpb.RegisterHealthServer(s.srv, health.NewServer()) // "" is SERVING
	s.srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "smp.target.v1.Target",
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{{MethodName: "Ping", Handler: s.ping}},
	}, s)
	if !o.XDS {
		s.ready.Store(true) // the listener is open: connections queue until Serve
	}
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

// newGRPCServer makes the plain or the xDS server of o; serving hears
// the serving-mode changes of an xDS server.
func newGRPCServer(o GRPCOptions, serving func(bool)) (grpcServer, error) {
	if !o.XDS {
		var opts []grpc.ServerOption
		if o.TLS != nil {
			opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
		}
		return grpc.NewServer(opts...), nil
	}
	if err := xdsgrpc.CheckBootstrap(); err != nil {
		return nil, fmt.Errorf("target: grpc: %w", err)
	}
	creds, err := xdsgrpc.ServerCredentials()
	if err != nil {
		return nil, fmt.Errorf("target: grpc: %w", err)
	}
	log := o.Log
	srv, err := xds.NewGRPCServer(grpc.Creds(creds), xds.ServingModeCallback(func(addr net.Addr, args xds.ServingModeChangeArgs) {
		on := args.Mode == connectivity.ServingModeServing
		serving(on)
		if args.Err != nil {
			fmt.Fprintf(log, "xds server on %s: serving mode %s: %v\n", addr, args.Mode, args.Err)
		} else {
			fmt.Fprintf(log, "xds server on %s: serving mode %s\n", addr, args.Mode)
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("target: grpc: xds server: %w", err)
	}
	return srv, nil
}

func (s *GRPCServer) setServing(on bool) { s.ready.Store(on) }

func (s *GRPCServer) ping(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
	in := &wrapperspb.BytesValue{}
	if err := dec(in); err != nil {
		return nil, err
	}
	s.count.Add(1)
	s.peers.record(ctx)
	if s.downstream != nil {
		if err := s.downstream(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, status.FromContextError(ctx.Err()).Err()
			}
			return nil, status.Error(codes.Unavailable, "downstream: "+err.Error())
		}
	}
	if s.delay > 0 && !sleep(ctx, s.delay) {
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	if s.reply != nil {
		return s.reply, nil
	}
	return in, nil
}

// Addr is the address the server listens on.
func (s *GRPCServer) Addr() string { return s.ln.Addr().String() }

// Pings is how many Ping calls the server has answered.
func (s *GRPCServer) Pings() uint64 { return s.count.Load() }

// Ready reports whether the server serves: at once for a plain server,
// and for an xDS server while the control plane's listener config has it
// in serving mode.
func (s *GRPCServer) Ready() bool { return s.ready.Load() }

// Peers counts the Ping calls by the security of their connection.
func (s *GRPCServer) Peers() PeerCounts { return s.peers.counts() }

// Close stops the server and its connections.
func (s *GRPCServer) Close() error { s.ready.Store(false); s.srv.Stop(); return nil }

// Wait blocks until the server has stopped and returns why.
func (s *GRPCServer) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}
