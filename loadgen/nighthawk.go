package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
)

// nighthawkGen is Nighthawk's client (nighthawk_client, Envoy's L7
// benchmarking tool): HTTP/1.1 or HTTP/2 at a fixed rate, its JSON output
// (--output-format json, the api/client/output.proto Output) read back.
//
// The latency is the global result's
// "benchmark_http_client.request_to_response" statistic: Nighthawk starts
// its clock when the request's headers and body have been handed to the
// connection (its stream decoder's request start), so it times from the
// actual send (record.ClockActual). When no connection is free, the
// request waits and Nighthawk counts the wait in "sequencer.blocking",
// not in the latency: a stall is not charged to the requests it delayed.
// The statistic's percentiles (each with the count of values at or below
// it) are reconstructed into a histogram (FromSpectrum, at each
// percentile's count); Nighthawk's own histograms keep 4 digits from 1ns
// and print nanoseconds, so the resolution is 1ns.
//
// Counters give the counts: benchmark.http_1xx to http_5xx and http_xxx
// are the answered requests (4xx, 5xx and xxx errors, as
// load.KindHTTP4xx, load.KindHTTP5xx and load.KindOther; Nighthawk gives
// classes, not status codes, so StatusCodes stays empty);
// benchmark.pool_connection_failure counts requests that found no
// connection (load.KindTimeout for those upstream_cx_connect_timeout
// says timed out, load.KindRefused for the rest); benchmark.stream_resets
// are resets; benchmark.pool_overflow are requests never sent (Dropped);
// upstream_cx_rx_bytes_total is BytesReceived.
//
// Nighthawk is run with --no-default-failure-predicates, so that an error
// status does not end the run (its default stops at the first 4xx, 5xx or
// connection failure). The rate and the connections are split evenly
// over --concurrency event loops (as many as CPUs that divide both). It
// runs for whole seconds (a plan that is not is rejected, not rounded);
// its --timeout is the connect timeout in whole seconds (the plan's
// timeout rounded up): it has no per-request timeout. It cannot send the
// plan's own body (only --request-body-size bytes of 'a'), a client
// certificate (it would need a --tls-context), nor verify the server's
// certificate.
type nighthawkGen struct{ o Options }

func newNighthawk(o Options) Generator { return &nighthawkGen{o: o} }

// Name implements Generator.
func (*nighthawkGen) Name() string { return Nighthawk }

// nighthawkMethods are the methods --request-method takes.
func nighthawkMethods() []string {
	return []string{"", "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE"}
}

// Check implements Generator.
func (*nighthawkGen) Check(p *Plan) error {
	const tool = Nighthawk
	if p.Rate <= 0 {
		return &PlanError{Tool: tool, Field: "load.rate", Value: fmt.Sprint(p.Rate),
			Why: "Nighthawk runs at a rate (--rps): set load.rate above 0, or use builtin, wrk or fortio for a closed loop"}
	}
	if p.Rate != math.Trunc(p.Rate) || p.Rate > math.MaxUint32 {
		return &PlanError{Tool: tool, Field: "load.rate", Value: fmt.Sprint(p.Rate), Why: "Nighthawk takes whole requests per second: expected a whole number"}
	}
	if p.Arrival != "" && p.Arrival != "constant" {
		return &PlanError{Tool: tool, Field: "load.arrival.type", Value: p.Arrival, Why: "Nighthawk paces requests evenly: expected constant, or use builtin"}
	}
	if err := supported(tool, "load.protocol", p.Protocol, []string{"", "http1", "h2c", "http2"},
		"Nighthawk speaks HTTP/1.1 and HTTP/2 here: expected http1, h2c or http2"); err != nil {
		return err
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &PlanError{Tool: tool, Field: "target URL", Value: strconv.Quote(p.URL), Why: "expected an http:// or https:// URL"}
	}
	if (p.Protocol == "h2c" && u.Scheme != "http") || (p.Protocol == "http2" && u.Scheme != "https") {
		return &PlanError{Tool: tool, Field: "load.protocol", Value: p.Protocol, Why: fmt.Sprintf("does not go with a %s:// URL", u.Scheme)}
	}
	if p.TLS != nil && (p.TLS.Cert != "" || p.TLS.Key != "") {
		return &PlanError{Tool: tool, Field: "load.tls.cert", Value: strconv.Quote(p.TLS.Cert), Why: "smp does not give Nighthawk a client certificate"}
	}
	if p.RequestMix {
		return &PlanError{Tool: tool, Field: "load.requests", Value: "(a mix)", Why: "Nighthawk is given one request: use load.request"}
	}
	if !slices.Contains(nighthawkMethods(), strings.ToUpper(p.Method)) {
		return &PlanError{Tool: tool, Field: "load.request.method", Value: p.Method, Why: "expected one of " + strings.Join(nighthawkMethods()[1:], ", ")}
	}
	if len(p.Body) > 0 {
		return &PlanError{Tool: tool, Field: "load.request.body", Value: fmt.Sprintf("(%d bytes)", len(p.Body)),
			Why: "Nighthawk only sends a body of 'a's (--request-body-size), not the plan's"}
	}
	if p.Connections < 1 {
		return &PlanError{Tool: tool, Field: "load.connections", Value: strconv.Itoa(p.Connections), Why: "expected 1 or more"}
	}
	return checkWholeSeconds(tool, p)
}

// nighthawkWorkers is how many event loops share the plan: the most, up
// to the CPUs, that split both the rate and the connections evenly.
func nighthawkWorkers(p *Plan) int {
	rate := int64(p.Rate)
	for n := min(runtime.NumCPU(), p.Connections); n > 1; n-- {
		if rate%int64(n) == 0 && p.Connections%n == 0 {
			return n
		}
	}
	return 1
}

// nighthawkArgv is the command line of a run of d.
func nighthawkArgv(bin string, p *Plan, d time.Duration) []string {
	n := nighthawkWorkers(p)
	a := []string{bin,
		"--rps", strconv.FormatInt(int64(p.Rate)/int64(n), 10),
		"--connections", strconv.Itoa(p.Connections / n),
		"--concurrency", strconv.Itoa(n),
		"--duration", strconv.Itoa(int(d / time.Second)),
		"--output-format", "json",
		"--no-default-failure-predicates",
	}
	switch p.Protocol {
	case "h2c", "http2":
		a = append(a, "--protocol", "http2", "--max-concurrent-streams", strconv.Itoa(max(1, p.Streams)))
		if p.Connections/n > 1 {
			a = append(a, "--experimental-h2-use-multiple-connections")
		}
	default:
		a = append(a, "--protocol", "http1")
	}
	if p.Timeout > 0 {
		a = append(a, "--timeout", strconv.Itoa(ceilSeconds(p.Timeout)))
	}
	if m := strings.ToUpper(p.Method); m != "" && m != "GET" {
		a = append(a, "--request-method", m)
	}
	keys := make([]string, 0, len(p.Headers))
	for k := range p.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, "--request-header", k+": "+p.Headers[k])
	}
	if p.NewConnection {
		a = append(a, "--max-requests-per-connection", "1")
	}
	return append(a, p.URL)
}

// Run implements Generator.
func (g *nighthawkGen) Run(ctx context.Context, p *Plan) (*record.Result, error) {
	if err := g.Check(p); err != nil {
		return nil, err
	}
	o := g.o
	if o.Cmder == nil {
		o.Cmder = Exec{}
	}
	bin, err := resolveBinary(o, Nighthawk)
	if err != nil {
		return nil, err
	}
	if p.Warmup > 0 {
		if err := warmup(ctx, o.Cmder, Nighthawk, nighthawkArgv(bin, p, p.Warmup)); err != nil {
			return nil, err
		}
	}
	window := p.Duration - p.Warmup
	argv := nighthawkArgv(bin, p, window)
	start := time.Now()
	out, err := o.Cmder.Run(ctx, Cmd{Argv: argv})
	switch {
	case err != nil:
		return nil, fmt.Errorf("load generator %s: %w", Nighthawk, err)
	case out.ExitCode != 0:
		return nil, &ToolError{Tool: Nighthawk, Command: argv, ExitCode: out.ExitCode, Why: fmt.Sprintf("it exited with status %d", out.ExitCode), Tail: tail(out)}
	}
	nh, err := parseNighthawk(out.Stdout)
	if err != nil {
		return nil, &ToolError{Tool: Nighthawk, Command: argv, Why: "cannot read its output: " + err.Error(), Tail: tail(out)}
	}
	r, err := nighthawkResultOf(nh, p, out, argv, start, window)
	if err != nil {
		return nil, &ToolError{Tool: Nighthawk, Command: argv, Why: err.Error(), Tail: tail(out)}
	}
	return r, nil
}

// nighthawkResultOf normalizes Nighthawk's output: its own window when
// it gives one, else start and window.
func nighthawkResultOf(nh *nighthawkResult, p *Plan, out *Output, argv []string, start time.Time, window time.Duration) (*record.Result, error) {
	if !nh.start.IsZero() {
		start = nh.start
	}
	if nh.window > 0 {
		window = nh.window
	}
	gen := record.Generator{
		Name: Nighthawk, Version: nh.version, LatencyClock: record.ClockActual,
		Resolution: time.Nanosecond, Histogram: record.HistReconstructed,
		Warmup: WarmupSeparate, Command: argv,
	}
	r := newResult(gen, p, start, window, out)
	nighthawkCounts(r, nh.counters)
	h, err := FromSpectrum(nh.latency.Points, nh.latency.Count)
	if err != nil {
		return nil, fmt.Errorf("its request_to_response percentiles: %w", err)
	}
	setLatency(r, h)
	return r, nil
}

// nighthawkCounts fills r's counts from the global result's counters.
func nighthawkCounts(r *record.Result, c map[string]int64) {
	answered := int64(0)
	for _, class := range []string{"1xx", "2xx", "3xx", "4xx", "5xx", "xxx"} {
		answered += c["benchmark.http_"+class]
	}
	failed := c["benchmark.pool_connection_failure"]
	timedOut := min(c["upstream_cx_connect_timeout"], failed)
	for kind, n := range map[string]int64{
		load.KindHTTP4xx: c["benchmark.http_4xx"], load.KindHTTP5xx: c["benchmark.http_5xx"], load.KindOther: c["benchmark.http_xxx"],
		load.KindTimeout: timedOut, load.KindRefused: failed - timedOut, load.KindReset: c["benchmark.stream_resets"],
	} {
		if n > 0 {
			r.ErrorKinds[kind] += n
			r.Errors += n
		}
	}
	r.Requests = answered + failed + c["benchmark.stream_resets"]
	r.Sent = r.Requests
	r.Dropped = c["benchmark.pool_overflow"]
	r.BytesReceived = c["upstream_cx_rx_bytes_total"]
}

// nighthawkResult is what smp reads of Nighthawk's output.
type nighthawkResult struct {
	version  string
	start    time.Time     // the global result's execution_start; zero when absent
	window   time.Duration // its execution_duration; 0 when absent
	latency  Spectrum      // request_to_response
	counters map[string]int64
}

// nighthawkLatencyID is the statistic timed from request start to
// response end.
const nighthawkLatencyID = "benchmark_http_client.request_to_response"

// The parts of Nighthawk's JSON output (api/client/output.proto, in
// proto3's JSON mapping: 64-bit integers as strings, durations as
// "0.000123s") that smp reads.
type (
	nhOutput struct {
		Results []nhResult `json:"results"`
		Version *struct {
			Version *struct {
				Major uint32 `json:"major_number"`
				Minor uint32 `json:"minor_number"`
				Patch uint32 `json:"patch"`
			} `json:"version"`
		} `json:"version"`
	}
	nhResult struct {
		Name              string        `json:"name"`
		Statistics        []nhStatistic `json:"statistics"`
		Counters          []nhCounter   `json:"counters"`
		ExecutionDuration string        `json:"execution_duration"`
		ExecutionStart    string        `json:"execution_start"`
	}
	nhStatistic struct {
		ID          string         `json:"id"`
		Count       pbUint         `json:"count"`
		Percentiles []nhPercentile `json:"percentiles"`
	}
	nhPercentile struct {
		Percentile float64 `json:"percentile"`
		Count      pbUint  `json:"count"`
		Duration   string  `json:"duration"`
	}
	nhCounter struct {
		Name  string `json:"name"`
		Value pbUint `json:"value"`
	}
)

// pbUint is a uint64 in proto3's JSON: a string, or a number.
type pbUint int64

func (u *pbUint) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("count %s: expected a whole number of 0 or more", b)
	}
	*u = pbUint(n)
	return nil
}

// parseNighthawk reads Nighthawk's JSON output (anything it logged before
// it on the same stream is skipped): the "global" result's latency,
// counters and window, and the version.
func parseNighthawk(out []byte) (*nighthawkResult, error) {
	i := bytes.IndexByte(out, '{')
	if i < 0 {
		return nil, errors.New("no JSON object (was it run with --output-format json?)")
	}
	var o nhOutput
	if err := json.NewDecoder(bytes.NewReader(out[i:])).Decode(&o); err != nil {
		return nil, fmt.Errorf("its JSON: %w", err)
	}
	var global *nhResult
	for i := range o.Results {
		if o.Results[i].Name == "global" {
			global = &o.Results[i]
		}
	}
	if global == nil {
		return nil, errors.New(`no "global" result`)
	}
	nh := &nighthawkResult{counters: map[string]int64{}}
	if v := o.Version; v != nil && v.Version != nil {
		nh.version = fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch)
	}
	for _, c := range global.Counters {
		nh.counters[c.Name] = int64(c.Value)
	}
	if global.ExecutionDuration != "" {
		d, err := time.ParseDuration(global.ExecutionDuration)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("execution_duration %q: expected a duration such as \"5.000012s\"", global.ExecutionDuration)
		}
		nh.window = d
	}
	if global.ExecutionStart != "" {
		t, err := time.Parse(time.RFC3339Nano, global.ExecutionStart)
		if err != nil {
			return nil, fmt.Errorf("execution_start %q: expected an RFC 3339 time", global.ExecutionStart)
		}
		nh.start = t
	}
	var stat *nhStatistic
	for i := range global.Statistics {
		if global.Statistics[i].ID == nighthawkLatencyID {
			stat = &global.Statistics[i]
		}
	}
	if stat == nil {
		return nil, fmt.Errorf("no %q statistic in the global result", nighthawkLatencyID)
	}
	nh.latency.Count = int64(stat.Count)
	for _, p := range stat.Percentiles {
		d, err := time.ParseDuration(p.Duration)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s: percentile %v: duration %q: expected a duration such as \"0.000123s\"", nighthawkLatencyID, p.Percentile, p.Duration)
		}
		// Each percentile carries the count of values at or below its
		// duration: exact where the percentile asked for is not.
		q := p.Percentile
		if p.Count > 0 && stat.Count > 0 {
			if p.Count > stat.Count {
				return nil, fmt.Errorf("%s: percentile %v counts %d values of %d", nighthawkLatencyID, p.Percentile, p.Count, stat.Count)
			}
			q = float64(p.Count) / float64(stat.Count)
		}
		nh.latency.Points = append(nh.latency.Points, Point{Quantile: q, Value: d})
	}
	return nh, nil
}
