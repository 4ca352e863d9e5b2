package loadgen

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
	fortiofmt "github.com/smp-dev/smp/report/format/fortio"
)

// fortioResolution is the width of fortio's finest histogram buckets
// (its -r, in seconds): 100 µs. Fortio's buckets are this wide up to 1.1
// ms, then 2, 5, 10 and 20 of it wide (about 10% to 25% of the value) up
// to 100 ms, coarser above, and cover up to 10 s; a finer -r shrinks that
// top end with it.
const fortioResolution = 100 * time.Microsecond

// fortioGen drives fortio load (fortio.org/fortio). It writes its result
// as JSON (-json), read with package report/format/fortio; its latency
// histogram is fortio's own buckets, rebuilt (fortiofmt.Rebuild). Fortio
// times each call from its actual start, and cannot leave the warmup out
// of its output: the warmup is a run of its own (WarmupSeparate).
type fortioGen struct{ o Options }

var _ Generator = (*fortioGen)(nil)

func newFortio(o Options) Generator { return &fortioGen{o: o} }

// Name implements Generator.
func (*fortioGen) Name() string { return Fortio }

// Check implements Generator.
func (*fortioGen) Check(p *Plan) error {
	if err := checkCommon(Fortio, p); err != nil {
		return err
	}
	if err := supported(Fortio, "load.protocol", p.Protocol, []string{"", "http1", "h2c", "http2", "grpc"},
		"fortio drives HTTP/1.1, HTTP/2 (h2c or over TLS) and gRPC health checks here"); err != nil {
		return err
	}
	if p.Protocol == "grpc" && p.GRPCMethod == "ping" {
		return &PlanError{Tool: Fortio, Field: "load.grpc.method", Value: p.GRPCMethod,
			Why: "fortio's -ping calls /fgrpc.PingServer/Ping, its own server's method, not the target's /smp.target.v1.Target/Ping; use health"}
	}
	if p.NewConnection && p.Protocol != "" && p.Protocol != "http1" {
		return &PlanError{Tool: Fortio, Field: "load.newConnection", Value: "true",
			Why: "fortio opens a connection per request (-keepalive=false) only with its HTTP/1.1 client, not with protocol " + p.Protocol}
	}
	if p.NewConnection && p.TLS != nil && p.TLS.SessionReuse {
		return &PlanError{Tool: Fortio, Field: "load.tls.sessionReuse", Value: "true", Why: "fortio has no TLS session resumption"}
	}
	if p.Protocol == "grpc" && len(p.Body) > 0 {
		return &PlanError{Tool: Fortio, Field: "workload.body", Value: fmt.Sprintf("%d bytes", len(p.Body)), Why: "a gRPC health check has no body"}
	}
	if _, err := url.Parse(p.URL); err != nil || p.URL == "" {
		return &PlanError{Tool: Fortio, Field: "workload.url", Value: strconv.Quote(p.URL), Why: "expected a URL"}
	}
	return nil
}

// args is fortio's command line for d of p's load, writing its JSON result
// to jsonPath ("" for none) and sending the body in bodyPath ("": none).
func (*fortioGen) args(bin string, p *Plan, d time.Duration, jsonPath, bodyPath string) []string {
	a := []string{bin, "load",
		"-c", strconv.Itoa(p.Connections),
		"-qps", formatFloat(p.Rate), // 0: as fast as the connections go
		"-t", d.String(),
		"-r", formatFloat(fortioResolution.Seconds()),
		// Count failed warmup calls as errors, as every other call, rather
		// than aborting; do not log every non-2xx status.
		"-allow-initial-errors", "-log-errors=false",
	}
	if jsonPath != "" {
		a = append(a, "-json", jsonPath)
	}
	if p.Timeout > 0 {
		a = append(a, "-timeout", p.Timeout.String())
	}
	a = append(a, headerArgs("-H", p.Headers)...)
	target := p.URL
	switch p.Protocol {
	case "grpc":
		a = append(a, "-grpc")
		if p.Streams > 1 {
			a = append(a, "-s", strconv.Itoa(p.Streams))
		}
		target = fortioGRPCTarget(p.URL)
	case "h2c", "http2":
		a = append(a, "-h2") // net/http's client: h2c with an http URL, ALPN h2 with https
	}
	if p.Protocol != "grpc" {
		if p.Method != "" {
			a = append(a, "-X", p.Method)
		}
		if bodyPath != "" {
			a = append(a, "-payload-file", bodyPath)
		}
	}
	if p.NewConnection {
		a = append(a, "-keepalive=false")
	}
	if t := p.TLS; t != nil {
		if t.CACert != "" {
			a = append(a, "-cacert", t.CACert)
		}
		if t.Cert != "" {
			a = append(a, "-cert", t.Cert, "-key", t.Key)
		}
		if t.Insecure {
			a = append(a, "-k")
		}
	}
	return append(a, target)
}

// fortioGRPCTarget is fortio's destination for a grpc:// or grpcs:// URL:
// host:port in cleartext, https://host:port over TLS.
func fortioGRPCTarget(u string) string {
	if rest, ok := strings.CutPrefix(u, "grpcs://"); ok {
		return "https://" + strings.TrimSuffix(rest, "/")
	}
	if rest, ok := strings.CutPrefix(u, "grpc://"); ok {
		return strings.TrimSuffix(rest, "/")
	}
	return u
}

// Run implements Generator.
func (f *fortioGen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := f.Check(p); err != nil {
		return nil, err
	}
	bin, err := binary(Fortio, f.o)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(f.o.Work, "fortio-")
	if err != nil {
		return nil, fmt.Errorf("load generator fortio: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bodyPath := ""
	if len(p.Body) > 0 && p.Protocol != "grpc" {
		bodyPath = filepath.Join(dir, "body")
		if err := os.WriteFile(bodyPath, p.Body, 0o600); err != nil {
			return nil, fmt.Errorf("load generator fortio: %w", err)
		}
	}
	ver := version(ctx, f.o.Cmder, []string{bin, "version"}, func(s string) string {
		return strings.TrimSpace(strings.SplitN(strings.TrimSpace(s), "\n", 2)[0])
	})
	if p.Warmup > 0 {
		if err := warmup(ctx, f.o.Cmder, Fortio, f.args(bin, p, p.Warmup, "", bodyPath)); err != nil {
			return nil, err
		}
	}
	jsonPath := filepath.Join(dir, "result.json")
	argv := f.args(bin, p, p.Duration-p.Warmup, jsonPath, bodyPath)
	out, err := f.o.Cmder.Run(ctx, Cmd{Argv: argv})
	partial := stopped(ctx, out, err)
	if err != nil && !partial {
		return nil, fmt.Errorf("load generator fortio: %w", err)
	}
	if out.ExitCode != 0 && !partial {
		return nil, &ToolError{Tool: Fortio, Command: argv, ExitCode: out.ExitCode, Why: "fortio load failed", Tail: tail(out)}
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil && partial {
		return nil, fmt.Errorf("load generator fortio: stopped before it wrote its result: %w", ctx.Err())
	}
	if err != nil {
		return nil, &ToolError{Tool: Fortio, Command: argv, Why: "it wrote no JSON result: " + err.Error(), Tail: tail(out)}
	}
	g := record.Generator{Name: Fortio, Version: ver, LatencyClock: record.ClockActual, Resolution: fortioResolution,
		Histogram: record.HistNative, Warmup: WarmupSeparate, Command: argv}
	res, err := parseFortio(data, p, g, out)
	if err != nil {
		return nil, &ToolError{Tool: Fortio, Command: argv, Why: "its JSON result cannot be read: " + err.Error(), Tail: tail(out)}
	}
	if partial {
		res.Partial = true // fortio's own window already ends where it stopped
	}
	return res, nil
}

// parseFortio turns fortio's JSON result into a result: its window is
// fortio's (StartTime, after fortio's own one call per connection, for
// ActualDuration), its latency fortio's histogram rebuilt from its buckets.
func parseFortio(data []byte, p *Plan, g record.Generator, out *Output) (*record.Result, error) {
	fr, err := fortiofmt.Decode(data)
	if err != nil {
		return nil, err
	}
	if fr.ActualDuration < 0 {
		return nil, fmt.Errorf("ActualDuration: got %d ns, expected 0 or more", fr.ActualDuration)
	}
	h, err := fortiofmt.Rebuild(fr.DurationHistogram)
	if err != nil {
		return nil, err
	}
	r := newResult(g, p, fr.StartTime.UTC(), time.Duration(fr.ActualDuration), out)
	setLatency(r, h)
	c := &r.Counts
	for code, n := range fr.RetCodes {
		if n < 0 {
			return nil, fmt.Errorf("RetCodes[%q]: got %d, expected a count of 0 or more", code, n)
		}
		if c.Requests += n; c.Requests < 0 || c.Requests > 1<<50 {
			return nil, fmt.Errorf("RetCodes: counts add up to more than 2^50")
		}
		kind := ""
		v, err := strconv.Atoi(code)
		switch {
		case err == nil && v >= 100 && v < 1000: // an HTTP status
			c.StatusCodes[v] += n
			kind = load.ClassifyStatus(v)
		case code == "SERVING": // a gRPC health check answered OK
			c.StatusCodes[0] += n
		case err != nil && code != "ERROR": // NOT_SERVING, SERVICE_UNKNOWN: answered, not serving
			kind = load.KindProtocol
		default: // -1: a socket error; ERROR: a failed gRPC call
			kind = load.KindOther
		}
		if kind != "" {
			c.Errors += n
			c.ErrorKinds[kind] += n
		}
	}
	c.Sent = c.Requests
	if s := fr.Sizes; s != nil && s.Sum > 0 && s.Sum < math.MaxInt64/2 {
		c.BytesReceived = int64(s.Sum)
	}
	return r, nil
}
