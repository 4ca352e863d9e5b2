package target

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// ProbeOptions pace Probe; zero values take the defaults.
type ProbeOptions struct {
	Interval time.Duration // between attempts; default 10ms
	Attempt  time.Duration // deadline of one attempt; default 500ms
}

// ProbeResult is how a Probe went. ElapsedMs runs from the start of the
// probe to the end of its last attempt.
type ProbeResult struct {
	OK        bool    `json:"ok"`
	Attempts  int     `json:"attempts"`
	ElapsedMs float64 `json:"elapsedMs"`
	Error     string  `json:"error,omitempty"` // the last attempt's, when not OK
}

// Probe measures how long until target (see CheckGRPCTarget) answers a
// Ping, for the propagation of mesh config: it tries one Ping at a time on
// one ClientConn, as an application holding a channel would, until one
// succeeds or timeout has passed (or ctx is done). With xds:/// the
// channel watches the target's config from the first attempt on, so a
// name the control plane does not know yet succeeds as soon as its config
// is pushed (a new channel per attempt would instead pay a whole xDS
// fetch each time, and need more than an attempt's deadline for it).
func Probe(ctx context.Context, target string, timeout time.Duration, o ProbeOptions) ProbeResult {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Millisecond
	}
	if o.Attempt <= 0 {
		o.Attempt = 500 * time.Millisecond
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(ctx, start.Add(timeout))
	defer cancel()
	var r ProbeResult
	cc, err := DialGRPC(target)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer func() { _ = cc.Close() }()
	for {
		r.Attempts++
		err := probeOnce(ctx, cc, o.Attempt)
		r.ElapsedMs = float64(time.Since(start).Microseconds()) / 1000
		if err == nil {
			r.OK, r.Error = true, ""
			return r
		}
		r.Error = err.Error()
		select {
		case <-ctx.Done():
			return r
		case <-time.After(o.Interval):
		}
		if ctx.Err() != nil {
			return r
		}
	}
}

// probeOnce is one Ping on cc.
func probeOnce(ctx context.Context, cc *grpc.ClientConn, attempt time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, attempt)
	defer cancel()
	// Not WaitForReady: a refused connection fails the attempt at once,
	// while a channel still waiting for its config blocks until the
	// attempt's deadline.
	return cc.Invoke(ctx, PingMethod, &wrapperspb.BytesValue{}, &wrapperspb.BytesValue{}, grpc.WaitForReady(false))
}
