package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/load/protocol"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type loadOptions struct {
	rate        float64
	connections int
	duration    string
	warmup      string
	timeout     string
	method      string
	headers     []string
	body        string
	bodySize    string
	maxBacklog  int
	tolerance   string
	arrival     string
	seed        uint64
	percentiles string
	output      string
	reportPath  string
	slo         []string
	// Protocol and connection set-up.
	protocol      string
	streams       int
	newConnection bool
	cacert        string
	cert          string
	key           string
	insecure      bool
	sessionReuse  bool
	payloadSize   string
	grpcMethod    string
	driver        string
	// generators are --generator's, in order; generatorPath --generator-path.
	generator     string
	generatorPath string
	store         storeFlags
	progress      bool
	serve         string
}

// loadFlags maps spec fields to the flags of smp load that set them, so
// that problems found by spec validation name what the user typed.
func loadFlags() map[string]string {
	return map[string]string{
		"workload.url":           "URL",
		"load.generator":         "--generator",
		"load.generatorPath":     "--generator-path",
		"load.rate":              "--rate",
		"load.connections":       "--connections",
		"load.duration":          "--duration",
		"load.warmup":            "--warmup",
		"load.timeout":           "--timeout",
		"load.maxBacklog":        "--max-backlog",
		"load.sendTolerance":     "--send-tolerance",
		"load.arrival":           "--arrival",
		"load.arrival.from":      "--arrival (from)",
		"load.arrival.to":        "--arrival (to)",
		"load.arrival.steps":     "--arrival (steps)",
		"load.arrival.amplitude": "--arrival (amplitude)",
		"load.arrival.period":    "--arrival (period)",
		"load.arrival.on":        "--arrival (on)",
		"load.arrival.off":       "--arrival (off)",
		"load.arrival.seed":      "--seed",
		"load.request.method":    "--method",
		"load.request.headers":   "--header",
		"load.request.body":      "--body",
		"load.request.bodySize":  "--body-size",
		"metrics.percentiles":    "--percentiles",
		"load.protocol":          "--protocol",
		"load.streams":           "--streams",
		"load.newConnection":     "--new-connection",
		"load.driver":            "--driver",
		"load.tls":               "--cacert/--cert/--key/--insecure",
		"load.tls.caCert":        "--cacert",
		"load.tls.cert":          "--cert",
		"load.tls.key":           "--key",
		"load.tcp":               "--payload-size",
		"load.tcp.payloadSize":   "--payload-size",
		"load.grpc":              "--grpc-method/--payload-size",
		"load.grpc.method":       "--grpc-method",
		"load.grpc.payloadSize":  "--payload-size",
	}
}

func newLoadCmd(s Streams) *cobra.Command {
	o := &loadOptions{}
	c := &cobra.Command{
		Use:   "load URL",
		Short: "Drive load at a URL and print what it measured (like wrk2 or fortio)",
		Long: `Drive load at URL (HTTP/1.1 by default; h2c, http2, tcp and grpc with
--protocol) and print the result.

With --rate, load is open loop: requests are sent on a fixed schedule
whatever the server does, and latency is timed from each request's intended
send time, so a server that stalls is charged for every request it delayed
(coordinated omission corrected, as wrk2). The latency from the actual send
time and the client's own send lag are reported beside it. Without --rate (or
with --rate 0), load is closed loop: each connection sends its next request
when the previous one completes, as fast as the server answers.

--arrival shapes the open-loop schedule (rates in requests/s over all
connections, durations such as 500ms, 10s, 1m):

  constant                  evenly spaced at --rate (the default)
  poisson                   exponential gaps of mean 1/--rate, as from many
                            independent clients; drawn from --seed
  ramp:FROM:TO              rate rising (or falling) linearly from FROM to TO
                            over --duration; --rate is not needed
  step:RATE@DUR,RATE@DUR…   each RATE for its DUR, in order; the last RATE
                            holds until the run ends; --rate is not needed
  sine:AMPLITUDE:PERIOD     --rate ± AMPLITUDE (at most --rate) over PERIOD
  burst:ON:OFF              --rate for ON, nothing for OFF, repeating

--seed fixes the Poisson draws so that a run can be repeated; 0 (the
default) picks one, recorded in the report (test.load.arrival.seed).

--protocol picks the client: http1 (HTTP/1.1, the default; TLS with
https:// URLs), h2c (HTTP/2 over cleartext with prior knowledge; http://
URLs), http2 (HTTP/2 over TLS, negotiated by ALPN; https:// URLs), tcp
(TCP echo to a tcp://host:port URL: each request writes --payload-size
bytes and reads them back; smp target --tcp-echo serves it) or grpc (unary
calls to grpc://host:port, or grpcs://host:port over TLS: the standard
health check by default, or with --grpc-method ping the Ping of smp target
--grpc, which echoes a --payload-size payload). With
HTTP/2, --streams requests share each connection at once: -c 2 --streams 8
is 16 requests in flight on 2 connections.

TLS: --cacert verifies the server with your CA, --insecure skips
verification, --cert and --key present a client certificate (mTLS).
--new-connection opens a connection for every request (with grpc, a
channel and connection for every call), and reports the TCP connect
(connectTime) and TLS handshake (tlsHandshake) of each beside the latency,
which then includes them, and each request's time to first byte
(firstByte: from the end of writing the request to the first byte of its
response; for tcp, payloads up to 64KiB): run it with and without a client
certificate to see what mTLS costs per connection. --tls-session-reuse
resumes TLS sessions across connections (off: a full handshake each time).

Plain-text HTTP/1.1 and tcp run on event loops (a thread drives many
connections, sends timed to the microsecond, responses timed when the
kernel received them); TLS, HTTP/2, grpc and --new-connection run a
goroutine per connection. --driver ` + protocol.DriverGoroutines + ` forces
the latter, for comparison; the report says which ran (client.driver).
The event loop is linux-only: on macOS and Windows every load runs a
goroutine per connection.

--generator runs another load generator with the same plan instead of
smp's own engine: fortio, wrk2, nighthawk, vegeta, wrk or hey (found on
PATH, or at --generator-path), its output normalized into the same
report; client.generator in the report says what it measures (latency
timed from the actual send or the intended one, its resolution, a native
or reconstructed histogram). A plan the tool cannot express (wrk with
--rate, vegeta with grpc) is refused before anything runs. Several,
comma-separated (--generator builtin,fortio), run the same plan with
each in turn and print them side by side, each compared with the first:
see docs/generators.md for the differences to expect.

-o json prints the full smp.report/v1 document (one scenario, named after
the URL). Exit codes: 0 ok, 1 every request failed, 2 bad input, 130
interrupted (the partial result is still printed).`,
		Example: `  smp load http://127.0.0.1:8080/ --rate 2000 -c 8 -d 10s
  smp load http://127.0.0.1:8080/ -c 16 -d 10s -o json > result.json
  smp load http://127.0.0.1:8080/api -m POST --body-size 1KiB -H 'Content-Type: application/json'
  smp load http://127.0.0.1:8080/ --rate 1000 --arrival poisson --seed 42
  smp load http://127.0.0.1:8080/ --arrival ramp:100:5000 -d 1m
  smp load http://127.0.0.1:8080/ --arrival step:500@20s,1000@20s,2000@20s -d 1m
  smp load http://127.0.0.1:8080/ --rate 1000 --arrival sine:800:30s -d 2m
  smp load http://127.0.0.1:8080/ --rate 5000 --arrival burst:200ms:800ms
  smp load http://127.0.0.1:8080/ --protocol h2c -c 2 --streams 8 --rate 2000
  smp load https://127.0.0.1:8443/ --protocol http2 --cacert ca.pem --cert client.pem --key client-key.pem
  smp load https://127.0.0.1:8443/ --insecure --new-connection --rate 200   # handshake cost
  smp load tcp://127.0.0.1:9000 --protocol tcp --payload-size 1KiB --rate 5000
  smp load grpc://127.0.0.1:9090 --protocol grpc --rate 1000                # health checks
  smp load grpc://127.0.0.1:9090 --protocol grpc --grpc-method ping --payload-size 512
  smp load grpcs://127.0.0.1:9443 --protocol grpc --insecure --new-connection --rate 100
  smp load http://127.0.0.1:8080/ --rate 1000 --generator builtin,fortio,vegeta   # cross-check`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(c, s, a[0]) },
	}
	f := c.Flags()
	f.Float64VarP(&o.rate, "rate", "r", 0, "requests per second over all connections; 0 = closed loop")
	f.IntVarP(&o.connections, "connections", "c", 8, "connections (one worker each)")
	f.StringVarP(&o.duration, "duration", "d", "10s", "run time, warmup included")
	f.StringVar(&o.warmup, "warmup", "1s", "initial time excluded from results (must be shorter than --duration)")
	f.StringVar(&o.timeout, "timeout", "5s", "per-request timeout")
	f.StringVarP(&o.method, "method", "m", "GET", "HTTP method")
	f.StringArrayVarP(&o.headers, "header", "H", nil, "request header 'Name: value' (repeatable)")
	f.StringVar(&o.body, "body", "", "request body")
	f.StringVar(&o.bodySize, "body-size", "", "send a body of this size instead (e.g. 1KiB)")
	f.IntVar(&o.maxBacklog, "max-backlog", 0, "open loop: most overdue sends before dropping (0 = one second's worth)")
	f.StringVar(&o.tolerance, "send-tolerance", "0s", "open loop, event loop: send the requests intended within this of a send with it, early, on one wake-up (0s to 10ms; 0s = each at its time)")
	f.StringVar(&o.arrival, "arrival", spec.ArrivalConstant, "open-loop schedule: constant, poisson, ramp:FROM:TO, step:RATE@DUR,..., sine:AMPLITUDE:PERIOD or burst:ON:OFF (see above)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of poisson arrivals, to repeat a run (0 = pick one and record it in the report)")
	f.StringVar(&o.percentiles, "percentiles", "", "extra percentiles to report, comma-separated (e.g. 99.5,99.95)")
	f.StringVarP(&o.output, "output", "o", "table", "output: table, markdown, json, html, csv or junit")
	f.StringVar(&o.reportPath, "report", "", "also write the JSON report to this file")
	f.StringVar(&o.protocol, "protocol", spec.ProtocolHTTP1, "http1, h2c (HTTP/2 cleartext, http:// URLs), http2 (HTTP/2 over TLS, https:// URLs), tcp (echo, tcp:// URLs) or grpc (grpc:// or grpcs:// URLs)")
	f.StringVar(&o.payloadSize, "payload-size", "", "tcp: bytes each request writes and reads back (e.g. 64, 1KiB; default 64); grpc ping: payload bytes (default 0)")
	f.StringVar(&o.grpcMethod, "grpc-method", "", "grpc: health (grpc.health.v1.Health/Check, the default) or ping (smp target's Ping, with --payload-size)")
	f.IntVar(&o.streams, "streams", 1, "h2c/http2: requests in flight at once on each connection")
	f.StringVar(&o.driver, "driver", "", fmt.Sprintf("%s (%s is linux-only; default: on Linux the event loop for plain-text %s, %s elsewhere)",
		strings.Join(protocol.Drivers(), " or "), protocol.DriverEventLoop, strings.Join(protocol.Names(protocol.HasEventLoop), " and "), protocol.DriverGoroutines))
	f.BoolVar(&o.newConnection, "new-connection", false, "open a connection per request (grpc: a channel per call) and report its connect, TLS handshake and first-byte times")
	f.StringVar(&o.cacert, "cacert", "", "PEM file of the CA certificates that verify the server (default: the system's)")
	f.StringVar(&o.cert, "cert", "", "PEM file of a client certificate to present (mTLS); with --key")
	f.StringVar(&o.key, "key", "", "PEM file of the client certificate's key; with --cert")
	f.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate")
	f.BoolVar(&o.sessionReuse, "tls-session-reuse", false, "resume TLS sessions across connections (off: a full handshake per connection)")
	f.StringArrayVar(&o.slo, "slo", nil, "SLO assertion, e.g. 'p99 < 20ms' or 'errorRate < 0.1%' (repeatable); exit 3 when one fails")
	generatorFlags(f, &o.generator, &o.generatorPath)
	o.store.register(f, true)
	serveFlag(f, &o.serve)
	f.BoolVar(&o.progress, "progress", true, "on a terminal, a live line while the load runs (elapsed, rate, errors, the last second's p50 and p99); --progress=false turns it off")
	return c
}

// test builds the test spec that the flags describe.
func (o *loadOptions) test(rawURL string) (*spec.Test, error) {
	t := spec.Default()
	t.Metadata.Name = "load"
	t.Workload = spec.Workload{URL: rawURL}
	l := &t.Load
	l.Rate, l.Connections, l.MaxBacklog = o.rate, o.connections, o.maxBacklog
	gens, err := parseGeneratorFlag(o.generator, o.generatorPath)
	if err != nil {
		return nil, err
	}
	l.Generator, l.GeneratorPath = gens[0], o.generatorPath
	a, err := spec.ParseArrival(o.arrival)
	if err != nil {
		return nil, usageErr("--arrival %q: %v", o.arrival, err)
	}
	if o.seed != 0 && a.Type != spec.ArrivalPoisson {
		return nil, usageErr("--seed %d: expected --arrival poisson with it (the seed draws the arrival times)", o.seed)
	}
	a.Seed = o.seed
	l.Arrival = a
	if l.Rate == 0 {
		// Ramps and steps carry their own rates: they are open loop
		// without --rate, which then records their peak.
		for _, r := range append([]float64{a.From, a.To}, stepRates(a.Steps)...) {
			l.Rate = max(l.Rate, r)
		}
	}
	switch {
	case l.Rate == 0 && (a.Type == spec.ArrivalRamp || a.Type == spec.ArrivalStep):
		return nil, usageErr("--arrival %q: expected at least one rate > 0 in it", o.arrival)
	case l.Rate == 0 && a.Type != spec.ArrivalConstant:
		return nil, usageErr("--arrival %q: expected --rate > 0 with it (without --rate, load is closed loop)", o.arrival)
	}
	for _, d := range []struct {
		flag, v string
		dst     *spec.Duration
	}{{"--duration", o.duration, &l.Duration}, {"--warmup", o.warmup, &l.Warmup}, {"--timeout", o.timeout, &l.Timeout},
		{"--send-tolerance", o.tolerance, &l.SendTolerance}} {
		v, err := spec.ParseDuration(d.v)
		if err != nil {
			return nil, usageErr("%s %q: expected a duration such as 10s, 250ms or 50us", d.flag, d.v)
		}
		*d.dst = v
	}
	l.Request.Method = o.method
	l.Request.Body = o.body
	if o.bodySize != "" {
		n, err := spec.ParseByteSize(o.bodySize)
		if err != nil {
			return nil, usageErr("--body-size %q: %v", o.bodySize, err)
		}
		l.Request.BodySize = n
	}
	for _, h := range o.headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, usageErr("--header %q: expected 'Name: value'", h)
		}
		if l.Request.Headers == nil {
			l.Request.Headers = map[string]string{}
		}
		l.Request.Headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	if err := o.connection(l); err != nil {
		return nil, err
	}
	if o.percentiles != "" {
		for _, p := range strings.Split(o.percentiles, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, usageErr("--percentiles %q: entry %q: expected a number between 0 and 100", o.percentiles, p)
			}
			t.Metrics.Percentiles = append(t.Metrics.Percentiles, v)
		}
	}
	if err := t.Validate(); err != nil {
		return nil, flagProblems(err)
	}
	if err := run.CheckPlatform(t); err != nil {
		return nil, flagProblems(err) // --driver eventloop off Linux
	}
	return t, nil
}

// connection sets the protocol, streams and TLS settings of l. TLS files
// must exist (the spec leaves that to the run; here the flag is named).
func (o *loadOptions) connection(l *spec.Load) error {
	l.Protocol, l.NewConnection, l.Driver = o.protocol, o.newConnection, o.driver
	if o.streams != 1 {
		l.Streams = o.streams
	}
	var size spec.ByteSize
	if o.payloadSize != "" {
		n, err := spec.ParseByteSize(o.payloadSize)
		if err != nil {
			return usageErr("--payload-size %q: %v", o.payloadSize, err)
		}
		size = n
	}
	switch {
	case o.protocol == spec.ProtocolGRPC || o.grpcMethod != "":
		if o.grpcMethod != "" || o.payloadSize != "" {
			l.GRPC = &spec.GRPC{Method: o.grpcMethod, PayloadSize: size}
		}
	case o.payloadSize != "":
		l.TCP = &spec.TCP{PayloadSize: size}
	}
	if o.cacert == "" && o.cert == "" && o.key == "" && !o.insecure && !o.sessionReuse {
		return nil
	}
	for _, f := range []struct{ flag, path string }{{"--cacert", o.cacert}, {"--cert", o.cert}, {"--key", o.key}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return usageErr("%s %q: expected a readable PEM file (%v)", f.flag, f.path, err)
		}
	}
	l.TLS = &spec.TLS{CACert: o.cacert, Cert: o.cert, Key: o.key, Insecure: o.insecure, SessionReuse: o.sessionReuse}
	return nil
}

// flagProblems rewrites spec problems in terms of flags.
func flagProblems(err error) error {
	var ps spec.Problems
	if !errors.As(err, &ps) {
		return err
	}
	flags := loadFlags()
	lines := make([]string, 0, len(ps))
	for _, p := range ps {
		// The longest prefix wins: load.arrival.seed is --seed, not --arrival.
		field, best := p.Field, ""
		for prefix, flag := range flags {
			if (p.Field == prefix || strings.HasPrefix(p.Field, prefix+"[") || strings.HasPrefix(p.Field, prefix+".")) && len(prefix) > len(best) {
				field, best = flag, prefix
			}
		}
		p.Field = field
		// Name flags in what was expected too: "at most --rate (100)".
		for _, f := range []string{"load.generator", "load.duration", "load.rate", "load.tls.cert", "load.tls.key", "load.grpc.method", "workload.url"} {
			p.Expected = strings.ReplaceAll(p.Expected, f, flags[f])
		}
		lines = append(lines, p.Error())
	}
	return &ExitError{Code: ExitUsage, Err: errors.New(strings.Join(lines, "\n"))}
}

func (o *loadOptions) run(c *cobra.Command, s Streams, rawURL string) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	t, err := o.test(rawURL)
	if err != nil {
		return err
	}
	gens, err := parseGeneratorFlag(o.generator, o.generatorPath)
	if err != nil {
		return err
	}
	if err := checkGenerators(t, gens, flagProblems); err != nil {
		return err
	}
	extra, err := parseSLOFlags(o.slo)
	if err != nil {
		return err
	}
	ropts := run.Options{Tool: report.Tool{Name: "smp", Version: currentVersion().Version}, SLO: extra}
	var live *liveLine
	if o.progress && liveTerminal(s.Err) {
		live = newLiveLine(s.Err)
		ropts.Live = live.update
	}
	// The one scenario is named after the URL (and, in a cross-check, the
	// generator): in the report, and already in the live line and feed.
	names := map[string]string{}
	for _, g := range gens {
		names[run.CrossScenario(t.Meshes[0].Name, g)] = run.CrossScenario(rawURL, g)
	}
	if len(gens) == 1 {
		names = map[string]string{t.Meshes[0].Name: rawURL}
	}
	// The live feed smp serve follows; with --serve, the dashboard too.
	feed, stop, err := startLive(c.Context(), s, &o.store, o.serve, t.Metadata.Name)
	if err != nil {
		return err
	}
	defer stop()
	ropts.Live = renameLive(chainLive(ropts.Live, feed.tick), names)
	var runID string
	rep, runErr := run.CrossCheck(c.Context(), t, gens, ropts)
	defer func() { feed.finish(s, runID, rep, runErr) }()
	if live != nil {
		live.clear() // before the table
	}
	if rep == nil {
		return &ExitError{Code: ExitFailed, Err: runErr}
	}
	renameScenarios(rep, names)
	if o.reportPath != "" {
		if err := report.WriteFile(o.reportPath, rep); err != nil {
			return &ExitError{Code: ExitFailed, Err: errors.Join(runErr, err)}
		}
	}
	if err := renderTo(s.Out, o.output, rep); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	runID = o.store.save(c.Context(), s, rep)
	if runErr != nil {
		return runErr
	}
	return sloVerdict(s, rep)
}

// stepRates lists the rates of steps.
func stepRates(steps []spec.Step) []float64 {
	out := make([]float64, len(steps))
	for i, st := range steps {
		out[i] = st.Rate
	}
	return out
}
