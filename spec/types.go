package spec

import (
	"time"

	"github.com/smp-dev/smp/load/protocol"
)

// APIVersion and Kind identify a test spec document.
const (
	APIVersion = "smp/v1alpha1"
	KindTest   = "Test"
)

// Test is one benchmark: a workload, the load to drive through it, the
// scenarios (meshes) to compare, and what to measure. It is plain data: the
// JSON form is echoed verbatim (with secrets redacted) into every report.
type Test struct {
	APIVersion  string      `json:"apiVersion"`
	Kind        string      `json:"kind"`
	Metadata    Metadata    `json:"metadata"`
	Workload    Workload    `json:"workload"`
	Load        Load        `json:"load"`
	Meshes      []Mesh      `json:"meshes"`
	Iterations  int         `json:"iterations"`
	Metrics     Metrics     `json:"metrics"`
	SLO         []string    `json:"slo,omitempty"`
	Environment Environment `json:"environment"`
}

// Metadata names a test.
type Metadata struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Workload says what the load is sent to: an external URL, or an app smp
// starts itself.
type Workload struct {
	// App is "builtin" (the echo target started in-process on a free
	// loopback port) or empty when URL is set.
	App string `json:"app,omitempty"`
	// URL of an external target (http:// or https://). Exclusive with App.
	URL string `json:"url,omitempty"`
	// ResponseSize is the body size the built-in target answers with.
	ResponseSize ByteSize `json:"responseSize,omitempty"`
	// ServiceTime is how long the built-in target holds each request.
	ServiceTime Duration `json:"serviceTime,omitempty"`
	// Services is the number of sample-app services (app: sample).
	Services int `json:"services,omitempty"`
	// Topology is how sample-app services call each other: "chain" (each
	// calls the next) or "fanout" (the first calls all the others).
	Topology string `json:"topology,omitempty"`
	// Replicas is the number of pods per sample-app service (platform
	// kubernetes only); 0 means 1.
	Replicas int `json:"replicas,omitempty"`
	// Resources are the requests and limits of each sample-app container
	// (platform kubernetes only).
	Resources *Resources `json:"resources,omitempty"`
}

// Resources are a container's resource requests and limits, in
// Kubernetes quantity syntax.
type Resources struct {
	Requests ResourceList `json:"requests,omitzero"`
	Limits   ResourceList `json:"limits,omitzero"`
}

// ResourceList is an amount of CPU ("250m", "1") and memory ("64Mi").
type ResourceList struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

// Workload apps.
const (
	AppBuiltin = "builtin" // the echo target, in smp's own process
	AppSample  = "sample"  // services as processes, meshed by the platform
)

// Sample-app topologies.
const (
	TopologyChain  = "chain"
	TopologyFanout = "fanout"
)

// Load describes the traffic.
type Load struct {
	Generator string `json:"generator"` // "builtin", or an external tool (package loadgen)
	// Mode is ModeFixed (load at load.rate) or ModeCapacity (search for
	// the highest rate under load.capacity's SLO); empty means fixed.
	Mode string `json:"mode,omitempty"`
	// Capacity configures the search of mode capacity.
	Capacity *Capacity `json:"capacity,omitempty"`
	// GeneratorPath is the external generator's binary; empty means its
	// name on PATH.
	GeneratorPath string   `json:"generatorPath,omitempty"`
	Protocol      string   `json:"protocol"`    // "http1"
	Connections   int      `json:"connections"` // >= 1
	Rate          float64  `json:"rate"`        // requests/s over all connections; 0 = closed loop
	Arrival       Arrival  `json:"arrival"`
	Duration      Duration `json:"duration"` // measured time, warmup included
	Warmup        Duration `json:"warmup"`   // excluded from results; < Duration
	Timeout       Duration `json:"timeout"`  // per request
	// MaxBacklog bounds how many sends may be overdue at once in open loop;
	// sends beyond it are counted as dropped instead of sent. 0 = default.
	MaxBacklog int `json:"maxBacklog,omitempty"`
	// SendTolerance lets the event loop send early, by up to this much,
	// the sends intended within it of a send it makes: they leave back to
	// back, on one wake-up instead of one each. 0 (the default) sends each
	// at its time; at most 10ms. Early sends are timed from when they
	// left.
	SendTolerance Duration `json:"sendTolerance,omitempty"`
	// Request is what every request carries; exclusive with Requests (it
	// is left zero, and omitted, when Requests is set).
	Request Request `json:"request,omitzero"`
	// Requests is a weighted mix of requests; each send picks one.
	Requests []MixRequest `json:"requests,omitempty"`
	// Streams is how many requests each connection carries at once (h2c
	// and http2 only); 0 means 1.
	Streams int `json:"streams,omitempty"`
	// NewConnection opens a connection for every request and times its
	// set-up and the request's time to first byte: the report gets
	// connectTime, tlsHandshake and firstByte. With grpc, each call gets
	// a ClientConn of its own.
	NewConnection bool `json:"newConnection,omitempty"`
	// Clients is how many load generator instances share the load (each
	// drives its share of the connections and rate); more than 1 only on
	// platform kubernetes, where each is a pod.
	Clients int `json:"clients,omitempty"`
	// Driver is how the generator drives connections: DriverEventLoop,
	// DriverGoroutines, or "" for the event loop where there is one
	// (plain-text HTTP/1.1 and TCP echo, kept alive) and goroutines
	// elsewhere.
	Driver string `json:"driver,omitempty"`
	// TLS are the client's TLS settings (https URLs only).
	TLS *TLS `json:"tls,omitempty"`
	// TCP are the settings of protocol tcp.
	TCP *TCP `json:"tcp,omitempty"`
	// GRPC are the settings of protocol grpc.
	GRPC *GRPC `json:"grpc,omitempty"`
}

// GRPC are the settings of protocol grpc: the unary call each request
// makes.
type GRPC struct {
	// Method is "health" (grpc.health.v1.Health/Check, the default) or
	// "ping" (the built-in target's Ping, with a payload).
	Method string `json:"method,omitempty"`
	// PayloadSize is the ping payload (echoed back); ping only.
	PayloadSize ByteSize `json:"payloadSize,omitempty"`
}

// gRPC methods.
const (
	GRPCHealth = "health"
	GRPCPing   = "ping"
)

// TCP are the settings of protocol tcp: each request writes PayloadSize
// bytes and reads their echo.
type TCP struct {
	PayloadSize ByteSize `json:"payloadSize,omitempty"` // 0 = DefaultTCPPayload
}

// DefaultTCPPayload is the payload of a tcp request when none is given.
const DefaultTCPPayload ByteSize = 64

// TLS are the load client's TLS settings. Files are PEM; that they exist
// is checked when the run starts.
type TLS struct {
	CACert string `json:"caCert,omitempty"` // roots that verify the server; "" = the system's
	Cert   string `json:"cert,omitempty"`   // client certificate (mTLS), with key
	Key    string `json:"key,omitempty"`    // client key, with cert
	// Insecure skips verification of the server certificate.
	Insecure bool `json:"insecure,omitempty"`
	// SessionReuse resumes TLS sessions across connections; off, every
	// connection makes a full handshake.
	SessionReuse bool `json:"sessionReuse,omitempty"`
}

// Arrival is the schedule of intended send times in open loop. Rates are
// requests/s over all connections. Fields other than Type and Seed belong
// to one type each and must be zero for the others.
type Arrival struct {
	Type string `json:"type"` // one of the Arrival* constants
	// Seed seeds Poisson arrivals and the request mix: the same seed gives
	// the same schedule and the same choices. 0 means a seed picked when
	// the run starts, and recorded in the report's copy of the spec.
	Seed uint64 `json:"seed,omitempty"`
	// From and To are the rates at the start and the end of a ramp.
	From float64 `json:"from,omitempty"`
	To   float64 `json:"to,omitempty"`
	// Steps are the stages of a step schedule, in order; the last rate
	// holds until the run ends.
	Steps []Step `json:"steps,omitempty"`
	// Amplitude and Period shape a sine around load.rate (its mean).
	Amplitude float64  `json:"amplitude,omitempty"`
	Period    Duration `json:"period,omitempty"`
	// On and Off are the lengths of a burst at load.rate and of the pause
	// after it.
	On  Duration `json:"on,omitempty"`
	Off Duration `json:"off,omitempty"`
}

// Step is one stage of a step schedule.
type Step struct {
	Rate     float64  `json:"rate"`
	Duration Duration `json:"duration"`
}

// Load generators, protocols and arrival types accepted by this version.
// Protocols and drivers are those of package load/protocol, whose table
// says what each protocol supports.
const (
	GeneratorBuiltin = "builtin"
	// External load generators (package loadgen runs them).
	GeneratorFortio    = "fortio"
	GeneratorWRK2      = "wrk2"
	GeneratorNighthawk = "nighthawk"
	GeneratorVegeta    = "vegeta"
	GeneratorWRK       = "wrk"
	GeneratorHey       = "hey"
	ProtocolHTTP1      = protocol.HTTP1
	ProtocolH2C        = protocol.H2C              // HTTP/2 over cleartext, with prior knowledge
	ProtocolHTTP2      = protocol.HTTP2            // HTTP/2 over TLS (ALPN h2)
	ProtocolTCP        = protocol.TCP              // TCP echo: a payload written, its echo read
	ProtocolGRPC       = protocol.GRPC             // unary gRPC calls
	DriverEventLoop    = protocol.DriverEventLoop  // event loops, one thread each
	DriverUring        = protocol.DriverUring      // event loops on io_uring
	DriverGoroutines   = protocol.DriverGoroutines // a goroutine per connection
	ArrivalConstant    = "constant"                // evenly spaced at load.rate
	ArrivalPoisson     = "poisson"                 // exponential gaps of mean 1/load.rate
	ArrivalRamp        = "ramp"                    // linear from From to To over the run
	ArrivalStep        = "step"                    // piecewise constant: Steps
	ArrivalSine        = "sine"                    // load.rate ± Amplitude over Period
	ArrivalBurst       = "burst"                   // load.rate for On, nothing for Off, repeating
)

// MixRequest is one request of a weighted mix (load.requests).
type MixRequest struct {
	// Weight is the request's share of the sends, relative to the others'.
	Weight float64 `json:"weight"`
	Request
	// BodySizeDist draws body sizes from a distribution instead of sending
	// BodySize bytes every time.
	BodySizeDist *SizeDist `json:"bodySizeDist,omitempty"`
}

// SizeDist is a distribution of body sizes.
type SizeDist struct {
	Type string `json:"type"` // one of the Size* constants
	// Min and Max bound the sizes: uniform draws from [Min, Max]; a
	// lognormal is clamped to them (Max 0 = 64MiB).
	Min ByteSize `json:"min,omitempty"`
	Max ByteSize `json:"max,omitempty"`
	// Median and Sigma shape a lognormal: exp(N(ln Median, Sigma²)).
	Median ByteSize `json:"median,omitempty"`
	Sigma  float64  `json:"sigma,omitempty"`
}

// Body size distributions.
const (
	SizeFixed     = "fixed"     // every body is bodySize bytes
	SizeUniform   = "uniform"   // uniform in [min, max]
	SizeLognormal = "lognormal" // median, sigma; clamped to [min, max]
)

// Request is what every request carries.
type Request struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
	// BodySize sends a body of this many bytes (filled with 'x') when Body is empty.
	BodySize ByteSize `json:"bodySize,omitempty"`
}

// Mesh is one scenario to compare.
type Mesh struct {
	Name        string `json:"name"`
	Type        string `json:"type"` // "none" = the no-mesh baseline
	MTLS        bool   `json:"mtls,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
}

// Mesh types.
const (
	MeshNone      = "none"      // the no-mesh baseline
	MeshReference = "reference" // smp's own minimal sidecar proxy
	MeshHAProxy   = "haproxy"
	MeshNginx     = "nginx"
	MeshEnvoy     = "envoy"
	// Meshes smp detects (never installs) on platform kubernetes.
	MeshIstio = "istio"
	// MeshIstioProxyless is Istio without a proxy: the sample app's gRPC
	// services and the load clients are configured by istiod over xDS
	// (injection template grpc-agent), with load.protocol grpc.
	MeshIstioProxyless = "istio-proxyless"
	MeshLinkerd        = "linkerd"
	MeshConsul         = "consul"
	MeshKuma           = "kuma"
	MeshCilium         = "cilium"
)

// Metrics says what to compute from the histograms.
type Metrics struct {
	// Percentiles to report in addition to the standard set
	// (50, 75, 90, 95, 99, 99.9, 99.99), each in (0, 100).
	Percentiles []float64 `json:"percentiles,omitempty"`
	// Buckets are histogram bucket upper bounds, ascending.
	Buckets []Duration `json:"buckets,omitempty"`
	// SampleInterval is how often resources (CPU, memory) of deployed
	// components are sampled; 0 means one second.
	SampleInterval Duration `json:"sampleInterval,omitempty"`
}

// Environment carries free labels recorded in the report.
type Environment struct {
	Labels map[string]string `json:"labels,omitempty"`
	// Placement pins the load generator and the deployed app and sidecars
	// to different CPUs.
	Placement *Placement `json:"placement,omitempty"`
	// Platform is where the scenarios run: "local" (processes on this
	// machine, the default) or "kubernetes".
	Platform string `json:"platform,omitempty"`
	// Kubernetes are the settings of platform kubernetes.
	Kubernetes *Kubernetes `json:"kubernetes,omitempty"`
}

// Platforms.
const (
	PlatformLocal      = "local"
	PlatformKubernetes = "kubernetes"
)

// Kubernetes are the settings of platform kubernetes.
type Kubernetes struct {
	// Kubeconfig is the kubeconfig file; "" follows the usual rules
	// ($KUBECONFIG, then ~/.kube/config).
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// Context is the kubeconfig context; "" is its current one.
	Context string `json:"context,omitempty"`
	// NamespacePrefix starts the name of every namespace smp creates.
	NamespacePrefix string `json:"namespacePrefix,omitempty"`
	// Image is the smp image the sample app and reference sidecar run.
	Image string `json:"image,omitempty"`
	// Prometheus is where the containers' resource series are read.
	Prometheus *Prometheus `json:"prometheus,omitempty"`
	// Timeout bounds each rollout wait.
	Timeout Duration `json:"timeout,omitempty"`
}

// Prometheus names a Prometheus server.
type Prometheus struct {
	URL string `json:"url,omitempty"`
}

// Placement holds CPU lists in taskset syntax: "1", "0-1", "0,2".
type Placement struct {
	Client string `json:"client,omitempty"`
	Mesh   string `json:"mesh,omitempty"`
}

// Duration is a time.Duration that reads and writes as a string like "10s",
// "250ms" or "50us".
type Duration time.Duration

// ByteSize is a size in bytes that reads "1KiB", "2MiB", "512B" or a plain
// integer, and writes as a plain integer.
type ByteSize int64

// Generators lists the load generators load.generator takes, builtin
// first.
func Generators() []string {
	return []string{GeneratorBuiltin, GeneratorFortio, GeneratorWRK2, GeneratorNighthawk, GeneratorVegeta, GeneratorWRK, GeneratorHey}
}

// Load modes.
const (
	ModeFixed    = "fixed"    // load at load.rate for load.duration
	ModeCapacity = "capacity" // search the highest rate under load.capacity.slo
)

// Capacity is the search of load.mode capacity: each trial is load at
// one rate for load.duration (load.warmup excluded from its verdict).
type Capacity struct {
	// SLO must all hold for a trial to pass (the syntax of the spec's
	// slo entries, without overhead ones).
	SLO []string `json:"slo"`
	// MaxErrors is the highest fraction of failed requests a passing
	// trial may have.
	MaxErrors float64  `json:"maxErrors"`
	Start     float64  `json:"start"`             // first rate, req/s
	MaxRate   float64  `json:"maxRate,omitempty"` // highest rate tried; 0 = no bound but maxTrials
	Bracket   float64  `json:"bracket"`           // stop when (fail-pass)/pass is below it
	MaxTrials int      `json:"maxTrials"`
	Repeats   int      `json:"repeats"` // times a pass must hold near the boundary
	Deadline  Duration `json:"deadline"`
	Cooldown  Duration `json:"cooldown"` // pause between trials
	// Confirm is the window of a confirmation run at the answer (stepping
	// down on a fail); 0 = none.
	Confirm Duration `json:"confirm,omitempty"`
}

// Defaults of load.capacity.
const (
	DefaultCapacityMaxErrors = 0.001
	DefaultCapacityStart     = 100
	DefaultCapacityBracket   = 0.02
	DefaultCapacityMaxTrials = 20
	DefaultCapacityRepeats   = 2
	DefaultCapacityDeadline  = Duration(10 * time.Minute)
	DefaultCapacityCooldown  = Duration(time.Second)
)
