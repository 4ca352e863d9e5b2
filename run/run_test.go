package run

import (
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/certify"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

func test(t *testing.T, edit func(*spec.Test)) *spec.Test {
	t.Helper()
	tt := spec.Default()
	tt.Metadata.Name = "unit"
	tt.Load.Duration = spec.Duration(time.Second)
	tt.Load.Warmup = spec.Duration(200 * time.Millisecond)
	tt.Load.Rate = 200
	edit(tt)
	if err := tt.Validate(); err != nil {
		t.Fatal(err)
	}
	return tt
}

func TestPlanRequest(t *testing.T) {
	tests := []struct {
		url, path, body string
		bodySize        spec.ByteSize
		wantLine        string
		wantBody        string
	}{
		{"http://h:1/", "/api?q=1", "", 0, "GET /api?q=1 HTTP/1.1", ""}, // spec path used when the URL has none
		{"http://h:1/own", "/api", "", 0, "GET /own HTTP/1.1", ""},      // the URL's own path wins
		{"http://h:1", "/", "hello", 0, "GET / HTTP/1.1", "hello"},      // body as given
		{"http://h:1/", "/", "", 4, "GET / HTTP/1.1", "xxxx"},           // body of a size
	}
	for _, tc := range tests {
		tt := test(t, func(tt *spec.Test) {
			tt.Load.Request.Path, tt.Load.Request.Body, tt.Load.Request.BodySize = tc.path, tc.body, tc.bodySize
		})
		p, err := Plan(tt, tc.url)
		if err != nil {
			t.Fatal(err)
		}
		req := string(p.Dialer.(*http1.Client).Request())
		if !strings.HasPrefix(req, tc.wantLine+"\r\n") || !strings.HasSuffix(req, "\r\n\r\n"+tc.wantBody) {
			t.Errorf("%s + %s: request %q", tc.url, tc.path, req)
		}
		if p.Pacer == nil || p.Connections != tt.Load.Connections || p.Duration != time.Second || p.Warmup != 200*time.Millisecond {
			t.Errorf("plan %+v", p)
		}
	}
	closed := test(t, func(tt *spec.Test) { tt.Load.Rate = 0 })
	if p, _ := Plan(closed, "http://h:1/"); p.Pacer != nil {
		t.Error("rate 0 must be closed loop (no pacer)")
	}
	batched := test(t, func(tt *spec.Test) { tt.Load.SendTolerance = spec.Duration(200 * time.Microsecond) })
	if p, err := Plan(batched, "http://h:1/"); err != nil || p.SendTolerance != 200*time.Microsecond {
		t.Errorf("load.sendTolerance 200us: plan's %v (%v), want 200µs", p.SendTolerance, err)
	}
}

func TestRunBuiltinTwoIterations(t *testing.T) {
	tt := test(t, func(tt *spec.Test) { tt.Iterations = 2 })
	var progress strings.Builder
	rep, err := Run(context.Background(), tt, Options{Tool: report.Tool{Name: "smp"}, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Scenarios[0]
	if len(s.Iterations) != 2 || s.Summary.Requests != 320 || s.Iterations[1].Index != 1 {
		t.Errorf("iterations %d, summary requests %d; want 2 × 160", len(s.Iterations), s.Summary.Requests)
	}
	if !s.Summary.Client.IncludesTarget || rep.Test.Metadata.Name != "unit" || rep.Partial {
		t.Errorf("includesTarget %v, test %q, partial %v", s.Summary.Client.IncludesTarget, rep.Test.Metadata.Name, rep.Partial)
	}
	if strings.Count(progress.String(), "\n") != 6 || strings.Count(progress.String(), "load running against http://127.0.0.1:") != 2 {
		t.Errorf("progress lines:\n%s", progress.String())
	}
	// The machine's fingerprint (smp certify's) is in every report, and
	// builtin is named as the generator, timing from the intended send.
	if fp := certify.Fingerprint(os.DirFS("/"), runtime.NumCPU()); rep.Environment.Fingerprint != fp || len(fp) != 16 {
		t.Errorf("environment.fingerprint %q, want certify's %q", rep.Environment.Fingerprint, fp)
	}
	if g := s.Summary.Client.Generator; g == nil || g.Name != "builtin" || g.LatencyClock != "intended" || g.Histogram != "native" {
		t.Errorf("client.generator = %+v", g)
	}
}

func TestRunInterrupted(t *testing.T) {
	tt := test(t, func(tt *spec.Test) {
		tt.Load.Duration = spec.Duration(time.Minute)
		tt.Iterations = 3
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	rep, err := Run(ctx, tt, Options{})
	if !errors.Is(err, ErrInterrupted) || rep == nil || !rep.Partial {
		t.Fatalf("err %v, report %v", err, rep)
	}
	if len(rep.Scenarios) != 1 || len(rep.Scenarios[0].Iterations) != 1 || rep.Scenarios[0].Summary.Requests < 50 {
		t.Errorf("partial report %+v", rep.Scenarios)
	}
}

func TestRunAllFailed(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	tt := test(t, func(tt *spec.Test) {
		tt.Workload = spec.Workload{URL: "http://" + addr + "/"}
	})
	rep, err := Run(context.Background(), tt, Options{})
	if !errors.Is(err, ErrAllFailed) || rep == nil || rep.Scenarios[0].Summary.ErrorKinds["connection_refused"] != 160 {
		t.Fatalf("err %v, report %+v", err, rep)
	}
}

func TestRunRejectsInvalid(t *testing.T) {
	tt := spec.Default()
	tt.Metadata.Name = "bad"
	tt.Load.Connections = 0
	if _, err := Run(context.Background(), tt, Options{}); !errors.Is(err, spec.ErrInvalid) {
		t.Errorf("err %v, want spec.ErrInvalid", err)
	}
}

// A machine that fails smp certify's checks is refused with
// RequireCertified, and otherwise warned about in the report, which
// records the verdict either way.
func TestRunCertify(t *testing.T) {
	failing := func(context.Context) certify.Result {
		return certify.Result{Checks: []certify.Check{
			{ID: "governor", Observed: "powersave", Severity: certify.Fail},
			{ID: "thp", Observed: "always", Severity: certify.Warn},
			{ID: "aslr", Observed: "2", Severity: certify.Info},
		}, Calibration: &certify.Calibration{Runs: 3, Rate: 1000, CVP50: 0.1, CVP99: 0.2, SendLagP99Ms: 0.5, MaxCV: 0.25, MaxSendLagMs: 1}}
	}
	tt := test(t, func(*spec.Test) {})
	rep, err := Run(context.Background(), tt, Options{Certify: failing, RequireCertified: true})
	if !errors.Is(err, ErrUncertified) || rep != nil || !strings.Contains(err.Error(), "governor: powersave") {
		t.Fatalf("required: report %v, err %v; want ErrUncertified naming the failed check", rep, err)
	}
	rep, err = Run(context.Background(), tt, Options{Certify: failing})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Environment.Certify
	if c == nil || c.Pass || len(c.Failed) != 1 || c.Failed[0] != "governor: powersave" || len(c.Warned) != 1 || c.Warned[0] != "thp: always" {
		t.Errorf("environment.certify %+v", c)
	}
	// The calibration's figures are copied into the report.
	if cal := c.Calibration; cal == nil || *cal != (report.CertifyCalibration{Runs: 3, Rate: 1000, CVP50: 0.1, CVP99: 0.2, SendLagP99Ms: 0.5, MaxCV: 0.25, MaxSendLagMs: 1}) {
		t.Errorf("environment.certify.calibration %+v", c.Calibration)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), "this machine fails smp certify (governor: powersave)") {
		t.Errorf("warnings %v", rep.Warnings)
	}
}
