package spec

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smp-dev/smp/load/protocol"
	"github.com/smp-dev/smp/slo/assertion"
)

// namePattern is what metadata.name and mesh names must match: they end up
// in file names and Kubernetes object names.
var namePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$`)

// Limits of the settings Validate accepts.
const (
	maxNameLen      = 63
	maxBodySize     = 64 * MiB
	maxServiceTime  = Duration(time.Hour)
	maxServices     = 20
	maxConnections  = 10000
	maxRate         = 10_000_000
	maxRunDuration  = Duration(24 * time.Hour)
	maxTimeout      = Duration(10 * time.Minute)
	maxIterations   = 1000
	tokenCharacters = "!#$%&'*+-.^_`|~"
)

// load.sendTolerance: its bound (the engine's, load.MaxSendTolerance) and
// what Validate says was expected.
const (
	maxSendTolerance = Duration(10 * time.Millisecond)
	expSendTolerance = "a duration from 0s to 10ms, such as 200us (0 = every send at its time)"
)

// What Validate (and Parse, for wrongly typed values) says was expected.
const (
	expName         = `a lower-case name such as "istio-mtls" (a-z, 0-9, '-', '_', '.'; starting and ending with a letter or digit; at most 63 characters)`
	expLabelName    = "a non-empty label name"
	expURL          = "an http:// or https:// URL with a host, such as http://127.0.0.1:8080/ (tcp://host:port with protocol tcp; grpc:// or grpcs://host:port with protocol grpc)"
	expApp          = "builtin or sample"
	expServices     = "an integer from 1 to 20"
	expTopology     = "chain or fanout"
	expMeshType     = "one of none, reference, haproxy, nginx, envoy, istio, istio-proxyless, linkerd, consul, kuma, cilium"
	expCPUList      = `a CPU list such as "1", "0-1" or "0,2"`
	expSizeRange    = "a size from 0 to 64MiB"
	expServiceTime  = "a duration from 0s to 1h"
	expConnections  = "an integer from 1 to 10000"
	expRate         = "a number >= 0 (requests per second; 0 = closed loop)"
	expRateMax      = "a number up to 10000000 (requests per second; 0 = closed loop)"
	expRunDuration  = "a duration > 0 and at most 24h, such as 10s"
	expWarmup       = "a duration >= 0, less than load.duration"
	expTimeout      = "a duration > 0 and at most 10m"
	expMaxBacklog   = "an integer >= 0 (0 = the engine's default)"
	expMode         = "fixed or capacity"
	expFraction     = "a fraction from 0 to 1"
	expCapacityRate = "a rate in requests per second"
	expTrials       = "an integer from 1 to 1000"
	expRepeats      = "an integer from 1 to 10"
	expMethod       = "an upper-case HTTP method such as GET or POST"
	expPath         = `a path starting with "/" without spaces or control characters`
	expHeaderName   = "a header name of letters, digits and " + tokenCharacters
	expHeaderValue  = "a header value without CR, LF or NUL characters"
	expMeshes       = "at least one mesh, such as {name: baseline, type: none}"
	expConcurrency  = "an integer >= 0 (0 = the mesh's default)"
	expIterations   = "an integer from 1 to 1000"
	expPercentile   = "a number between 0 and 100 (exclusive), such as 99.9"
	expBucket       = "a duration > 0"
	expSLO          = `an objective such as "p99 < 10ms"`
	expGRPCMethod   = "health or ping"
	maxGRPCPayload  = 4*MiB - 64
	expStreams      = "an integer from 1 to 1000 (0 or left out = 1)"
	expFile         = "a path to a PEM file"
	maxStreams      = 1000
)

// Values known to be coming but not supported by this version. They get a
// "not supported yet" problem instead of an "unknown" one.
func laterProtocols() []string { return nil }

// urlSchemes are those of workload.url; all but http and https go with
// one protocol.
func urlSchemes() []string { return protocol.Schemes() }

// protocols are the load protocols this version drives.
func protocols() []string { return protocol.Names() }

// expProtocol and expDriver say what load.protocol and load.driver may be.
func expProtocol() string  { return "one of " + strings.Join(protocols(), ", ") }
func expGenerator() string { return "one of " + strings.Join(Generators(), ", ") }
func expDriver() string {
	return strings.Join(protocol.Drivers(), ", ") + ", or nothing (the event loop where there is one)"
}
func laterMeshTypes() []string {
	return []string{"osm"}
}

// meshTypes are the mesh types this version runs.
func meshTypes() []string {
	return append([]string{MeshNone, MeshReference, MeshHAProxy, MeshNginx, MeshEnvoy}, clusterMeshTypes()...)
}

// oneOf checks got against several allowed values; later ones are known
// but not supported yet.
func (c *checker) oneOf(field, got string, allowed, later []string, expected, what string) {
	switch {
	case slices.Contains(allowed, got):
	case slices.Contains(later, got):
		c.add(field, quote(got), fmt.Sprintf("%s (%s %q is not supported yet)", expected, what, got))
	default:
		c.add(field, quoteOrNothing(got), expected)
	}
}

// Validate checks every rule of the spec format and returns all the
// problems found as Problems (without positions: Parse adds them), or nil.
// Validate does not apply defaults; call it on a parsed test or one built
// from Default.
func (t *Test) Validate() error {
	var c checker
	c.choice("apiVersion", t.APIVersion, APIVersion, nil, "")
	c.choice("kind", t.Kind, KindTest, nil, "")
	c.name("metadata.name", t.Metadata.Name)
	c.labels("metadata.labels", t.Metadata.Labels)
	c.workload(&t.Workload)
	c.load(&t.Load)
	c.checkTLSURL(t)
	c.checkDriver(t)
	c.protocolURL(t)
	c.meshes(t.Meshes, t.Workload.App, t.Environment.Platform, t.Load.Protocol)
	if t.Iterations < 1 || t.Iterations > maxIterations {
		c.add("iterations", strconv.Itoa(t.Iterations), expIterations)
	} else if t.Load.Mode == ModeCapacity && t.Iterations != 1 {
		c.add("iterations", strconv.Itoa(t.Iterations), "1 with load.mode capacity (the search repeats its trials near the boundary itself: load.capacity.repeats)")
	}
	c.metrics(&t.Metrics)
	for i, s := range t.SLO {
		var se *assertion.Error
		switch _, err := assertion.Parse(s); {
		case strings.TrimSpace(s) == "":
			c.add(fmt.Sprintf("slo[%d]", i), quote(s), expSLO)
		case errors.As(err, &se):
			c.add(fmt.Sprintf("slo[%d]", i), quote(s), fmt.Sprintf("%s at column %d (found %s)", se.Expected, se.Offset+1, se.Got))
		case err != nil:
			c.add(fmt.Sprintf("slo[%d]", i), quote(s), expSLO)
		}
	}
	c.labels("environment.labels", t.Environment.Labels)
	c.platform(t)
	if p := t.Environment.Placement; p != nil {
		if _, err := ParseCPUList(p.Client); err != nil || p.Client == "" {
			c.add("environment.placement.client", quoteOrNothing(p.Client), expCPUList)
		}
		if _, err := ParseCPUList(p.Mesh); err != nil || p.Mesh == "" {
			c.add("environment.placement.mesh", quoteOrNothing(p.Mesh), expCPUList)
		}
	}
	if len(c.ps) == 0 {
		return nil
	}
	return c.ps
}

// checker collects problems in rule order.
type checker struct{ ps Problems }

func (c *checker) add(field, value, expected string) {
	c.ps = append(c.ps, Problem{Field: field, Value: value, Expected: expected})
}

// choice checks an enumerated string that accepts one value, want. Values
// in later are known and coming; what names them in the problem ("mesh
// type").
func (c *checker) choice(field, got, want string, later []string, what string) {
	switch {
	case got == want:
	case slices.Contains(later, got):
		c.add(field, quote(got), fmt.Sprintf("%s (%s %q is not supported yet)", want, what, got))
	case len(later) > 0:
		c.add(field, quoteOrNothing(got), fmt.Sprintf("one of %s, %s (only %s is supported yet)", want, strings.Join(later, ", "), want))
	default:
		c.add(field, quoteOrNothing(got), want)
	}
}

func (c *checker) name(field, v string) {
	if len(v) > maxNameLen || !namePattern.MatchString(v) {
		c.add(field, quoteOrNothing(v), expName)
	}
}

func (c *checker) labels(field string, m map[string]string) {
	if _, ok := m[""]; ok {
		c.add(field+`[""]`, `""`, expLabelName)
	}
}

func (c *checker) workload(w *Workload) {
	switch {
	case w.App == "" && w.URL == "":
		c.add("workload", "", "app: builtin, or a url")
	case w.App != "" && w.URL != "":
		c.add("workload", "both app and url", "only one of them")
	}
	if w.App != "" {
		c.oneOf("workload.app", w.App, []string{AppBuiltin, AppSample}, nil, expApp, "app")
	}
	if w.App == AppSample {
		if w.Services < 1 || w.Services > maxServices {
			c.add("workload.services", strconv.Itoa(w.Services), expServices)
		}
		c.oneOf("workload.topology", w.Topology, []string{TopologyChain, TopologyFanout}, nil, expTopology, "topology")
	} else {
		if w.Services != 0 {
			c.add("workload.services", strconv.Itoa(w.Services), "nothing (only for app: sample)")
		}
		if w.Topology != "" {
			c.add("workload.topology", quote(w.Topology), "nothing (only for app: sample)")
		}
	}
	if w.URL != "" {
		if u, err := url.Parse(w.URL); err != nil || !slices.Contains(urlSchemes(), u.Scheme) || u.Hostname() == "" {
			c.add("workload.url", quote(w.URL), expURL)
		}
	}
	urlOnly := w.URL != "" && w.App == ""
	switch {
	case w.ResponseSize < 0 || w.ResponseSize > maxBodySize:
		c.add("workload.responseSize", w.ResponseSize.String(), expSizeRange)
	case urlOnly && w.ResponseSize != 0:
		c.add("workload.responseSize", w.ResponseSize.String(), "nothing with url (only for an app)")
	}
	switch {
	case w.ServiceTime < 0 || w.ServiceTime > maxServiceTime:
		c.add("workload.serviceTime", w.ServiceTime.String(), expServiceTime)
	case urlOnly && w.ServiceTime != 0:
		c.add("workload.serviceTime", w.ServiceTime.String(), "nothing with url (only for an app)")
	}
}

func (c *checker) load(l *Load) {
	c.oneOf("load.generator", l.Generator, Generators(), nil, expGenerator(), "generator")
	c.generator(l)
	c.capacity(l)
	c.oneOf("load.protocol", l.Protocol, protocols(), laterProtocols(), expProtocol(), "protocol")
	if l.Connections < 1 || l.Connections > maxConnections {
		c.add("load.connections", strconv.Itoa(l.Connections), expConnections)
	}
	switch {
	case math.IsNaN(l.Rate) || l.Rate < 0:
		c.add("load.rate", number(l.Rate), expRate)
	case l.Rate > maxRate:
		c.add("load.rate", number(l.Rate), expRateMax)
	}
	c.arrival(l)
	durationOK := l.Duration > 0 && l.Duration <= maxRunDuration
	if !durationOK {
		c.add("load.duration", l.Duration.String(), expRunDuration)
	}
	switch {
	case l.Warmup < 0:
		c.add("load.warmup", l.Warmup.String(), expWarmup)
	case durationOK && l.Warmup >= l.Duration:
		c.add("load.warmup", l.Warmup.String(), fmt.Sprintf("less than load.duration (%s)", l.Duration))
	}
	if l.Timeout <= 0 || l.Timeout > maxTimeout {
		c.add("load.timeout", l.Timeout.String(), expTimeout)
	}
	if l.MaxBacklog < 0 {
		c.add("load.maxBacklog", strconv.Itoa(l.MaxBacklog), expMaxBacklog)
	}
	switch {
	case l.SendTolerance < 0 || l.SendTolerance > maxSendTolerance:
		c.add("load.sendTolerance", l.SendTolerance.String(), expSendTolerance)
	case l.SendTolerance != 0 && l.Rate == 0:
		c.add("load.sendTolerance", l.SendTolerance.String(), "0 in closed loop (load.rate 0: there is no schedule to send ahead of)")
	case l.SendTolerance != 0 && l.Driver == DriverGoroutines:
		c.add("load.sendTolerance", l.SendTolerance.String(), fmt.Sprintf("0 with driver %s (only the event loop batches sends)", DriverGoroutines))
	}
	if l.Requests != nil {
		c.requests(l)
	} else {
		c.request("load.request", &l.Request)
	}
	c.connection(l)
}

// generator checks what only smp's own engine does (load.driver,
// load.maxBacklog, load.sendTolerance, load.clients) against an external
// load.generator, and load.generatorPath against the builtin one. What each tool can run of
// the rest is its adapter's to say (package loadgen), before the run.
func (c *checker) generator(l *Load) {
	if l.Generator == GeneratorBuiltin || !slices.Contains(Generators(), l.Generator) {
		if l.GeneratorPath != "" && l.Generator == GeneratorBuiltin {
			c.add("load.generatorPath", quote(l.GeneratorPath), "nothing with generator builtin (the path of an external generator's binary)")
		}
		return
	}
	if l.Driver != "" {
		c.add("load.driver", quote(l.Driver), fmt.Sprintf("nothing with generator %s (drivers are smp's own engine's)", l.Generator))
	}
	if l.MaxBacklog != 0 {
		c.add("load.maxBacklog", strconv.Itoa(l.MaxBacklog), fmt.Sprintf("nothing with generator %s (smp's own engine's bound on overdue sends)", l.Generator))
	}
	if l.SendTolerance != 0 {
		c.add("load.sendTolerance", l.SendTolerance.String(), fmt.Sprintf("nothing with generator %s (smp's own engine's batching of sends)", l.Generator))
	}
	if l.Clients > 1 {
		c.add("load.clients", strconv.Itoa(l.Clients), fmt.Sprintf("1 with generator %s (several clients run smp's own engine in client pods)", l.Generator))
	}
}

// connection checks load.streams, load.newConnection and load.tls against
// what the protocol supports (an unknown protocol is load.protocol's
// problem, and supports nothing here).
func (c *checker) connection(l *Load) {
	p, known := protocol.Lookup(l.Protocol)
	switch {
	case l.Streams < 0 || l.Streams > maxStreams:
		c.add("load.streams", strconv.Itoa(l.Streams), expStreams)
	case l.Streams > 1 && !p.Streams:
		c.add("load.streams", strconv.Itoa(l.Streams), fmt.Sprintf("1 with protocol %s (concurrent streams need %s)",
			l.Protocol, strings.Join(protocol.Names(protocol.HasStreams), " or ")))
	case l.Streams > 1 && l.NewConnection:
		c.add("load.streams", strconv.Itoa(l.Streams), "1 with newConnection (a connection per request carries one stream)")
	}
	if l.NewConnection && known && !p.NewConnection {
		c.add("load.newConnection", "true", fmt.Sprintf("false with protocol %s (its client keeps its connections open)", l.Protocol))
	}
	if l.TLS == nil {
		return
	}
	t := l.TLS
	if (t.Cert == "") != (t.Key == "") {
		field, value := "load.tls.key", t.Key
		if t.Cert == "" {
			field, value = "load.tls.cert", t.Cert
		}
		c.add(field, quoteOrNothing(value), "a PEM file, given together with load.tls.cert and load.tls.key (mTLS needs both)")
	}
	if known && p.TLS == protocol.TLSNever {
		exp := fmt.Sprintf("nothing with protocol %s (cleartext)", p.Name)
		if p.Twin != "" {
			exp += fmt.Sprintf("; use %s with an https URL", p.Twin)
		}
		c.add("load.tls", "a mapping", exp)
	}
}

// protocolURL checks that protocol tcp and tcp:// URLs go together, and
// that load.tcp goes with protocol tcp.
func (c *checker) protocolURL(t *Test) {
	l := &t.Load
	if l.TCP != nil {
		switch {
		case l.Protocol != ProtocolTCP:
			c.add("load.tcp", "a mapping", fmt.Sprintf("nothing with protocol %s (only for protocol tcp)", l.Protocol))
		case l.TCP.PayloadSize < 0 || l.TCP.PayloadSize > maxBodySize:
			c.add("load.tcp.payloadSize", l.TCP.PayloadSize.String(), "a size from 1B to 64MiB (0 or left out = 64B)")
		}
	}
	c.grpc(l)
	u, err := url.Parse(t.Workload.URL)
	if t.Workload.URL == "" || err != nil || !slices.Contains(urlSchemes(), u.Scheme) {
		return // a bad URL is workload's problem
	}
	grpcURL := u.Scheme == "grpc" || u.Scheme == "grpcs"
	switch {
	case l.Protocol == ProtocolGRPC && !grpcURL:
		c.add("workload.url", quote(t.Workload.URL), "a grpc://host:port (cleartext) or grpcs://host:port (TLS) URL with protocol grpc")
	case l.Protocol == ProtocolGRPC && (u.Port() == "" || (u.Path != "" && u.Path != "/")):
		c.add("workload.url", quote(t.Workload.URL), "grpc://host:port with a port and no path, such as grpc://127.0.0.1:9090")
	case l.Protocol != ProtocolGRPC && grpcURL:
		c.add("workload.url", quote(t.Workload.URL), fmt.Sprintf("an http:// or https:// URL with protocol %s (grpc:// is for protocol grpc)", l.Protocol))
	case l.Protocol == ProtocolTCP && u.Scheme != "tcp":
		c.add("workload.url", quote(t.Workload.URL), "a tcp://host:port URL with protocol tcp, such as tcp://127.0.0.1:9000")
	case l.Protocol == ProtocolTCP && (u.Port() == "" || (u.Path != "" && u.Path != "/")):
		c.add("workload.url", quote(t.Workload.URL), "tcp://host:port with a port and no path, such as tcp://127.0.0.1:9000")
	case l.Protocol != ProtocolTCP && u.Scheme == "tcp":
		c.add("workload.url", quote(t.Workload.URL), fmt.Sprintf("an http:// or https:// URL with protocol %s (tcp:// is for protocol tcp)", l.Protocol))
	}
	if l.Protocol == ProtocolTCP && l.Requests != nil {
		c.add("load.requests", "a request mix", "nothing with protocol tcp (requests are payloads of load.tcp.payloadSize)")
	}
}

// grpc checks load.grpc, and what protocol grpc does not support.
func (c *checker) grpc(l *Load) {
	if l.Protocol == ProtocolGRPC && l.Requests != nil {
		c.add("load.requests", "a request mix", "nothing with protocol grpc (requests are the calls of load.grpc)")
	}
	g := l.GRPC
	if g == nil {
		return
	}
	if l.Protocol != ProtocolGRPC {
		c.add("load.grpc", "a mapping", fmt.Sprintf("nothing with protocol %s (only for protocol grpc)", l.Protocol))
		return
	}
	c.oneOf("load.grpc.method", g.Method, []string{"", GRPCHealth, GRPCPing}, nil, expGRPCMethod, "method")
	switch {
	case g.PayloadSize < 0 || g.PayloadSize > maxGRPCPayload:
		c.add("load.grpc.payloadSize", g.PayloadSize.String(), "a size from 0 to 4194240B (gRPC's 4MiB message limit)")
	case g.PayloadSize != 0 && g.Method != GRPCPing:
		c.add("load.grpc.payloadSize", g.PayloadSize.String(), "0 unless load.grpc.method is ping (health checks carry no payload)")
	}
}

// checkTLSURL checks that load.tls goes with an https workload URL.
func (c *checker) checkTLSURL(t *Test) {
	p, _ := protocol.Lookup(t.Load.Protocol)
	if t.Load.TLS == nil && p.TLS != protocol.TLSRequired {
		return
	}
	u, err := url.Parse(t.Workload.URL)
	if t.Workload.URL != "" && err == nil && (u.Scheme == "https" || u.Scheme == "grpcs") {
		return
	}
	if t.Load.TLS != nil {
		c.add("load.tls", "a mapping", "an https (or grpcs) workload.url with it (the built-in target and http:// URLs are cleartext)")
	}
	if p.TLS == protocol.TLSRequired {
		exp := fmt.Sprintf("an https workload.url with %s (%s)", p.Name, p.Title)
		if p.Twin != "" {
			exp += fmt.Sprintf("; %s for cleartext", p.Twin)
		}
		c.add("load.protocol", quote(t.Load.Protocol), exp)
	}
}

// checkDriver checks load.driver, and that the event loop is asked for
// only where there is one.
func (c *checker) checkDriver(t *Test) {
	l := &t.Load
	if l.Driver == "" {
		return
	}
	c.oneOf("load.driver", l.Driver, protocol.Drivers(), nil, expDriver(), "driver")
	if l.Driver != DriverEventLoop && l.Driver != DriverUring {
		return
	}
	// Event loops drive cleartext connections kept alive, of the protocols
	// that have them.
	why := "(the event loop drives plain-text " + strings.Join(protocol.Titles(protocol.HasEventLoop), " and ") + " keep-alive connections)"
	p, _ := protocol.Lookup(l.Protocol)
	switch {
	case !p.EventLoop:
		c.add("load.driver", quote(l.Driver), fmt.Sprintf("%s or nothing with protocol %s %s", DriverGoroutines, l.Protocol, why))
	case l.NewConnection:
		c.add("load.driver", quote(l.Driver), fmt.Sprintf("%s or nothing with newConnection %s", DriverGoroutines, why))
	case strings.HasPrefix(t.Workload.URL, "https:"):
		c.add("load.driver", quote(l.Driver), fmt.Sprintf("%s or nothing with an https workload.url %s", DriverGoroutines, why))
	}
}

// request checks the request at field (load.request, load.requests[i]).
func (c *checker) request(field string, r *Request) {
	if !isToken(r.Method) || strings.ToUpper(r.Method) != r.Method {
		c.add(field+".method", quoteOrNothing(r.Method), expMethod)
	}
	if !strings.HasPrefix(r.Path, "/") || strings.ContainsFunc(r.Path, isSpaceOrControl) {
		c.add(field+".path", quoteOrNothing(r.Path), expPath)
	}
	for _, name := range slices.Sorted(maps.Keys(r.Headers)) {
		field := field + ".headers[" + strconv.Quote(name) + "]"
		if !isToken(name) {
			c.add(field, quote(name), expHeaderName)
		}
		if v := r.Headers[name]; strings.ContainsAny(v, "\r\n\x00") {
			c.add(field, quote(v), expHeaderValue)
		}
	}
	switch {
	case r.BodySize < 0 || r.BodySize > maxBodySize:
		c.add(field+".bodySize", r.BodySize.String(), expSizeRange)
	case r.BodySize != 0 && r.Body != "":
		c.add(field+".bodySize", r.BodySize.String(), "nothing when body is set (body and bodySize are exclusive)")
	}
}

func (c *checker) meshes(ms []Mesh, app, platform, protocol string) {
	switch {
	case ms == nil:
		c.add("meshes", "", expMeshes)
	case len(ms) == 0:
		c.add("meshes", "an empty list", expMeshes)
	}
	first := make(map[string]int, len(ms))
	for i, m := range ms {
		f := fmt.Sprintf("meshes[%d]", i)
		c.name(f+".name", m.Name)
		if j, dup := first[m.Name]; dup && m.Name != "" {
			c.add(f+".name", quote(m.Name), fmt.Sprintf("a name no other mesh has (meshes[%d] has it)", j))
		} else if !dup {
			first[m.Name] = i
		}
		c.oneOf(f+".type", m.Type, meshTypes(), laterMeshTypes(), expMeshType, "mesh type")
		if c.meshPlatform(f+".type", m.Type, platform) {
			// The platform is the problem; the app would only repeat it.
		} else if m.Type != MeshNone && slices.Contains(meshTypes(), m.Type) && app != AppSample {
			c.add(f+".type", quote(m.Type), "none unless workload.app is sample (sidecars are deployed around the sample app's services)")
		}
		if m.Type == MeshIstioProxyless && protocol != ProtocolGRPC {
			c.add(f+".type", quote(m.Type), fmt.Sprintf("a mesh type other than istio-proxyless with load.protocol %s (proxyless Istio configures gRPC clients and servers: set load.protocol: grpc)", protocol))
		}
		if m.MTLS && m.Type == MeshNone {
			c.add(f+".mtls", "true", "false for type none (mTLS needs sidecars)")
		}
		if m.Concurrency < 0 {
			c.add(f+".concurrency", strconv.Itoa(m.Concurrency), expConcurrency)
		}
	}
}

func (c *checker) metrics(m *Metrics) {
	for i, p := range m.Percentiles {
		if math.IsNaN(p) || p <= 0 || p >= 100 {
			c.add(fmt.Sprintf("metrics.percentiles[%d]", i), number(p), expPercentile)
		}
	}
	if m.SampleInterval < 0 || m.SampleInterval > Duration(time.Minute) {
		c.add("metrics.sampleInterval", m.SampleInterval.String(), "a duration from 10ms to 1m (0 means 1s)")
	} else if m.SampleInterval > 0 && m.SampleInterval < Duration(10*time.Millisecond) {
		c.add("metrics.sampleInterval", m.SampleInterval.String(), "a duration from 10ms to 1m (0 means 1s)")
	}
	for i, b := range m.Buckets {
		f := fmt.Sprintf("metrics.buckets[%d]", i)
		switch {
		case b <= 0:
			c.add(f, b.String(), expBucket)
		case i > 0 && m.Buckets[i-1] > 0 && b <= m.Buckets[i-1]:
			c.add(f, b.String(), fmt.Sprintf("more than metrics.buckets[%d] (%s): buckets must be strictly ascending", i-1, m.Buckets[i-1]))
		}
	}
}

// isToken reports whether s is an HTTP token (RFC 9110 §5.6.2), the syntax
// of methods and header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && strings.IndexByte(tokenCharacters, c) < 0 {
			return false
		}
	}
	return true
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
