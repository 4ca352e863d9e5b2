// Package run is smp's pipeline: it turns a test spec into scenarios ×
// iterations, starts what each needs, drives the load, and assembles the
// report. It owns ordering and cleanup: whatever it started is stopped on
// every exit path, and an interrupted run still yields the report of what
// was measured, marked partial.
package run

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/smp-dev/smp/certify"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/load/tcp"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo"
	"github.com/smp-dev/smp/spec"
)

// ErrInterrupted is returned with a partial report when ctx was cancelled.
var ErrInterrupted = errors.New("run interrupted")

// ErrFailed is returned with the report when an iteration failed (a
// sidecar crashed, say); the report holds what was measured.
var ErrFailed = errors.New("run failed")

// ErrAllFailed is returned with the report when every request of the run
// failed (the target was down, say).
var ErrAllFailed = errors.New("every request failed")

// Options tune a run without changing what it measures.
type Options struct {
	Tool report.Tool
	// Progress, when set, receives one line per iteration as it starts and
	// ends.
	Progress io.Writer
	// Provider is the platform every scenario runs on; nil picks it from
	// the spec: the local platform running Exe for workload.app: sample,
	// the in-process target for builtin, the URL as it is otherwise.
	Provider platform.Provider
	// Exe is the smp binary the local platform starts its processes with;
	// empty means this process's executable.
	Exe string
	// LogDir receives the deployed components' logs, one folder per
	// scenario and iteration; empty means a temporary folder.
	LogDir string
	// SLO are assertions checked besides the spec's slo entries (parsed
	// by the caller, e.g. from --slo flags).
	SLO []slo.Assertion
	// Certify checks the machine before the run (smp certify; e.g.
	// CertifyMachine): its verdict goes into the report's environment, and
	// a failing machine is warned about. Nil checks nothing.
	Certify func(ctx context.Context) certify.Result
	// RequireCertified refuses to run (ErrUncertified) on a machine that
	// fails the checks.
	RequireCertified bool
	// Live, when set, receives the load's progress about once a second
	// while an iteration runs with smp's own engine in this process (not
	// from client pods or external generators), for a live display.
	Live func(Live)
}

// Live is a running iteration's progress.
type Live struct {
	Scenario              string
	Iteration, Iterations int // 1-based
	load.Progress
}

// ErrUncertified is returned, with no report, when Options.RequireCertified
// is set and the machine fails smp certify's checks.
var ErrUncertified = errors.New("this machine is not certified for benchmarks")

// CertifyMachine runs smp certify's checks on this machine, with a short
// steal sample (the run measures load and steal itself afterwards).
func CertifyMachine(ctx context.Context) certify.Result {
	return certify.Run(ctx, certify.System(), certify.Options{StealInterval: 300 * time.Millisecond})
}

// certifySummary is the report's view of a certify result.
func certifySummary(r certify.Result) *report.Certify {
	c := &report.Certify{Pass: r.Pass}
	for _, ch := range r.Checks {
		switch ch.Severity {
		case certify.Fail:
			c.Failed = append(c.Failed, ch.ID+": "+ch.Observed)
		case certify.Warn:
			c.Warned = append(c.Warned, ch.ID+": "+ch.Observed)
		}
	}
	if cal := r.Calibration; cal != nil {
		c.Calibration = &report.CertifyCalibration{Runs: cal.Runs, Rate: cal.Rate, CVP50: cal.CVP50, CVP99: cal.CVP99,
			SendLagP99Ms: cal.SendLagP99Ms, MaxCV: cal.MaxCV, MaxSendLagMs: cal.MaxSendLagMs}
	}
	return c
}

// Run executes t (which must be valid) and returns its report. The report is
// returned, possibly partial, together with ErrInterrupted when ctx is
// cancelled, and together with ErrAllFailed when no request succeeded.
// Other errors (a target that cannot start) return no report.
func Run(ctx context.Context, t *spec.Test, o Options) (*report.Report, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := CheckPlatform(t); err != nil {
		return nil, err
	}
	if err := CheckGenerator(t); err != nil {
		return nil, err
	}
	if err := FindGenerator(t); err != nil {
		return nil, err
	}
	if err := checkCapacitySLO(t); err != nil {
		return nil, err
	}
	var cert *report.Certify
	if o.Certify != nil {
		cert = certifySummary(o.Certify(ctx))
	}
	if cert != nil && !cert.Pass && o.RequireCertified {
		return nil, fmt.Errorf("%w: failed %s (smp certify says how to fix each)", ErrUncertified, strings.Join(cert.Failed, "; "))
	}
	// A seed picked now is in the report's copy of the spec, and every
	// scenario and iteration uses it (the same schedule and request mix).
	t = withSeed(t)
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          o.Tool,
		Test:          t.Redacted(),
		Environment:   environment(t),
		StartTime:     time.Now().UTC(),
	}
	assertions, err := slo.Parse(t.SLO)
	if err != nil {
		return nil, fmt.Errorf("%w: slo: %w", spec.ErrInvalid, err)
	}
	assertions = append(assertions, o.SLO...)
	r, err := newRunner(ctx, t, o)
	if err != nil {
		return nil, err
	}
	defer r.close()
	rep.Warnings = append(rep.Warnings, r.pf.Notes...)
	rep.Environment.Certify = cert
	if cert != nil && !cert.Pass {
		w := "this machine fails smp certify (" + strings.Join(cert.Failed, "; ") + "): its results may not be trustworthy; run smp certify to see how to fix it"
		rep.Warnings = append(rep.Warnings, w)
		progress(o.Progress, "warning: %s", w)
	}
	var failed error
	for _, m := range t.Meshes {
		if ctx.Err() != nil {
			break
		}
		sc, err := r.scenario(ctx, m)
		if sc != nil {
			rep.Scenarios = append(rep.Scenarios, *sc)
		}
		switch {
		case errors.Is(err, platform.ErrSkipped):
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("scenario %s skipped: %v", m.Name, err))
			progress(o.Progress, "%s: skipped: %v", m.Name, err)
		case err != nil && sc == nil:
			return nil, err // nothing was measured: a setup problem
		case err != nil:
			failed = errors.Join(failed, err)
		}
	}
	rep.EndTime = time.Now().UTC()
	if rep.Comparisons, err = report.Compare(rep); err != nil {
		rep.Warnings = append(rep.Warnings, "comparisons: "+err.Error())
	}
	rep.SLO = slo.Evaluate(rep, assertions)
	if ctx.Err() != nil {
		rep.Partial = true
		return rep, ErrInterrupted
	}
	if failed != nil {
		return rep, fmt.Errorf("%w: %w", ErrFailed, failed)
	}
	if allFailed(rep) {
		return rep, ErrAllFailed
	}
	return rep, nil
}

func reportOptions(t *spec.Test) report.Options {
	o := report.Options{Percentiles: t.Metrics.Percentiles}
	for _, b := range t.Metrics.Buckets {
		o.Buckets = append(o.Buckets, b.D())
	}
	return o
}

// Plan builds the load plan of t against rawURL (the workload URL, or the
// started target's). The request path of t replaces the URL's path unless
// the URL has one of its own; with a request mix (load.requests), each
// request's path does. load.arrival.seed is used as it is (Run fills in
// a seed of 0 first).
func Plan(t *spec.Test, rawURL string) (load.Plan, error) {
	u, err := targetURL(t, rawURL)
	if err != nil {
		return load.Plan{}, err
	}
	req := t.Load.Request
	body := []byte(req.Body)
	if len(body) == 0 && req.BodySize > 0 {
		body = []byte(strings.Repeat("x", int(req.BodySize)))
	}
	tlsConf, err := clientTLS(t.Load.TLS)
	if err != nil {
		return load.Plan{}, err
	}
	// Each worker is one stream: with HTTP/2, streams workers share
	// each connection (see package load/http2).
	workers := t.Load.Connections
	var client load.Dialer
	switch t.Load.Protocol {
	case spec.ProtocolGRPC:
		cfg := grpc.Config{Addr: u.Host, NewConnection: t.Load.NewConnection}
		if u.Scheme == "xds" {
			// xds:///name:port: an Istio proxyless client (in-cluster).
			cfg.Addr, cfg.XDS = strings.TrimPrefix(u.Path, "/"), true
			if u.Host != "" {
				cfg.Addr = u.Host
			}
		}
		if g := t.Load.GRPC; g != nil {
			cfg.Method, cfg.PayloadSize = g.Method, int(g.PayloadSize)
		}
		if u.Scheme == "grpcs" {
			cfg.TLS = tlsConf
			if cfg.TLS == nil {
				cfg.TLS = &tls.Config{}
			}
		}
		c, err := grpc.New(cfg)
		if err != nil {
			return load.Plan{}, err
		}
		client = c
	case spec.ProtocolTCP:
		size := spec.DefaultTCPPayload
		if t.Load.TCP != nil && t.Load.TCP.PayloadSize > 0 {
			size = t.Load.TCP.PayloadSize
		}
		c, err := tcp.New(tcp.Config{Addr: u.Host, PayloadSize: int(size), NewConnection: t.Load.NewConnection})
		if err != nil {
			return load.Plan{}, err
		}
		client = c
	case spec.ProtocolH2C, spec.ProtocolHTTP2:
		cfg := http2.Config{URL: u, Method: req.Method, Headers: req.Headers, Body: body, UserAgent: "smp"}
		if len(t.Load.Requests) > 0 {
			cfg = http2.Config{URL: u, UserAgent: "smp", Variants: h2Variants(t.Load.Requests), Seed: t.Load.Arrival.Seed}
		}
		cfg.TLS, cfg.Streams, cfg.NewConnection = tlsConf, t.Load.Streams, t.Load.NewConnection
		c, err := http2.New(cfg)
		if err != nil {
			return load.Plan{}, err
		}
		client, workers = c, workers*c.Streams()
	default:
		cfg := http1.Config{
			URL: u, Method: req.Method, Headers: req.Headers, Body: body,
			UserAgent: "smp",
		}
		if len(t.Load.Requests) > 0 {
			cfg = http1.Config{URL: u, UserAgent: "smp", Variants: variants(t.Load.Requests), Seed: t.Load.Arrival.Seed}
		}
		cfg.TLS, cfg.NewConnection = tlsConf, t.Load.NewConnection
		c, err := http1.New(cfg)
		if err != nil {
			return load.Plan{}, err
		}
		client = c
	}
	p := load.Plan{
		Dialer:      client,
		Connections: workers,
		Duration:    t.Load.Duration.D(),
		Warmup:      t.Load.Warmup.D(),
		Timeout:     t.Load.Timeout.D(),
		MaxBacklog:  t.Load.MaxBacklog,
		Driver:      t.Load.Driver,

		SendTolerance: t.Load.SendTolerance.D(),
	}
	if p.Pacer, err = pacer(&t.Load); err != nil {
		return load.Plan{}, err
	}
	return p, nil
}

func describe(t *spec.Test) string {
	target := t.Workload.URL
	if t.Workload.App != "" {
		target = t.Workload.App + " target"
	}
	rate := "closed loop"
	if t.Load.Rate > 0 {
		rate = describeArrival(&t.Load)
	}
	return fmt.Sprintf("%s, %s, %d connections, %v (warmup %v)",
		target, rate, t.Load.Connections, t.Load.Duration.D(), t.Load.Warmup.D())
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

func allFailed(r *report.Report) bool {
	var req, errs int64
	for _, s := range r.Scenarios {
		req += s.Summary.Requests
		errs += s.Summary.Errors
	}
	return req > 0 && errs == req
}

// environment describes the machine the run measures from, with its
// fingerprint (smp certify's).
func environment(t *spec.Test) report.Environment {
	e := report.ReadEnvironment(t.Environment.Labels)
	e.Fingerprint = certify.Fingerprint(os.DirFS("/"), runtime.NumCPU())
	return e
}
