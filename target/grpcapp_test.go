package target

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/smp-dev/smp/internal/xdsgrpc"
)

func startG(t *testing.T, o GRPCOptions) *GRPCServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := StartGRPC(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = s.Wait() })
	return s
}

// service starts a sample-app service answering size bytes after delay,
// calling downstream first.
func service(t *testing.T, size int64, delay time.Duration, downstream ...string) *GRPCServer {
	t.Helper()
	o := GRPCOptions{SizedReply: true, Size: size, Delay: delay}
	if len(downstream) > 0 {
		d, err := NewGRPCDownstream(downstream)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		o.Downstream = d.Call
	}
	return startG(t, o)
}

// ping calls Ping on addr with payload bytes and returns the reply's size
// and how long it took.
func ping(t *testing.T, addr string, payload int) (int, time.Duration, error) {
	t.Helper()
	cc, err := DialGRPC(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := &wrapperspb.BytesValue{}
	t0 := time.Now()
	err = cc.Invoke(ctx, PingMethod, &wrapperspb.BytesValue{Value: make([]byte, payload)}, out)
	return len(out.GetValue()), time.Since(t0), err
}

func TestGRPCEchoAndSizedReply(t *testing.T) {
	echo := startG(t, GRPCOptions{})
	if n, _, err := ping(t, echo.Addr(), 77); err != nil || n != 77 {
		t.Errorf("plain target: reply %d bytes, %v; want the 77 sent", n, err)
	}
	sized := service(t, 300, 0)
	if n, _, err := ping(t, sized.Addr(), 77); err != nil || n != 300 {
		t.Errorf("service: reply %d bytes, %v; want its size, 300", n, err)
	}
	if _, err := StartGRPC(context.Background(), GRPCOptions{SizedReply: true, Size: -1}); err == nil || !strings.Contains(err.Error(), "size -1") {
		t.Errorf("size -1: %v", err)
	}
}

func TestGRPCChain(t *testing.T) {
	// Three services, 40 ms each: the head answers with its own size after
	// the whole chain's delay.
	last := service(t, 10, 40*time.Millisecond)
	mid := service(t, 20, 40*time.Millisecond, last.Addr())
	head := service(t, 1024, 40*time.Millisecond, mid.Addr())
	n, took, err := ping(t, head.Addr(), 0)
	if err != nil || n != 1024 {
		t.Fatalf("reply %d bytes, %v; want 1024", n, err)
	}
	if took < 120*time.Millisecond || took > 2*time.Second {
		t.Errorf("took %v, want about 120ms (3 × 40ms)", took)
	}
	if last.Pings() != 1 || mid.Pings() != 1 || head.Pings() != 1 {
		t.Errorf("pings %d %d %d, want one each", head.Pings(), mid.Pings(), last.Pings())
	}
}

func TestGRPCFanout(t *testing.T) {
	// Three downstreams of 200 ms each, called at once: about 200 ms, far
	// from the 600 ms of calling them in turn.
	var ds []string
	var leaves []*GRPCServer
	for range 3 {
		s := service(t, 10, 200*time.Millisecond)
		leaves = append(leaves, s)
		ds = append(ds, s.Addr())
	}
	head := service(t, 512, 0, ds...)
	n, took, err := ping(t, head.Addr(), 0)
	if err != nil || n != 512 {
		t.Fatalf("reply %d bytes, %v; want 512", n, err)
	}
	if took < 200*time.Millisecond || took > 500*time.Millisecond {
		t.Errorf("took %v, want about 200ms (downstreams at once)", took)
	}
	for i, l := range leaves {
		if l.Pings() != 1 {
			t.Errorf("downstream %d: %d pings, want 1", i, l.Pings())
		}
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestGRPCDownstreamDown(t *testing.T) {
	down := closedAddr(t)
	up := service(t, 10, 0)
	head := service(t, 100, 0, up.Addr(), down)
	_, _, err := ping(t, head.Addr(), 0)
	st, _ := status.FromError(err)
	if st.Code() != codes.Unavailable || !strings.Contains(st.Message(), down) {
		t.Fatalf("error %v; want Unavailable naming %s", err, down)
	}
	// Through a chain, the message names the one that is down.
	top := service(t, 100, 0, head.Addr())
	_, _, err = ping(t, top.Addr(), 0)
	if st, _ := status.FromError(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), down) {
		t.Errorf("through a chain: %v; want Unavailable naming %s", err, down)
	}
}

func TestCheckGRPCTarget(t *testing.T) {
	t.Setenv(xdsgrpc.BootstrapEnv, "")
	t.Setenv("GRPC_XDS_BOOTSTRAP_CONFIG", "")
	tests := []struct {
		target, want string // want: "" for valid, else part of the error
	}{
		{"127.0.0.1:8080", ""},                                      // host:port
		{"svc-1.ns.svc.cluster.local:8080", ""},                     // a name
		{"svc-1", "expected host:port"},                             // no port
		{"http://svc-1:8080/", "expected host:port"},                // a URL
		{"xds:///", "expected host:port"},                           // no name
		{"xds://authority/svc:80", "expected host:port"},            // an authority
		{"xds:///svc-1:8080", xdsgrpc.BootstrapEnv + " is not set"}, // no bootstrap
	}
	for _, tt := range tests {
		err := CheckGRPCTarget(tt.target)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: %v; want %q", tt.target, err, tt.want)
		}
	}
}

func TestGRPCXDSNeedsBootstrap(t *testing.T) {
	t.Setenv(xdsgrpc.BootstrapEnv, "")
	t.Setenv("GRPC_XDS_BOOTSTRAP_CONFIG", "")
	_, err := StartGRPC(context.Background(), GRPCOptions{XDS: true})
	if !errors.Is(err, xdsgrpc.ErrNoBootstrap) {
		t.Errorf("xds without bootstrap: %v", err)
	}
	_, err = NewGRPCDownstream([]string{"xds:///svc:8080"})
	if !errors.Is(err, xdsgrpc.ErrNoBootstrap) {
		t.Errorf("xds downstream without bootstrap: %v", err)
	}
	t.Setenv(xdsgrpc.BootstrapEnv, "/nonexistent/bootstrap.json")
	if err := xdsgrpc.CheckBootstrap(); err == nil || !strings.Contains(err.Error(), "/nonexistent/bootstrap.json") {
		t.Errorf("missing bootstrap file: %v", err)
	}
}
