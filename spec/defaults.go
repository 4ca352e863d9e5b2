package spec

import (
	"fmt"
	"time"
)

// Defaults of the fields a spec may leave out.
const (
	defaultResponseSize = 1 * KiB
	defaultServices     = 3
	defaultConnections  = 8
	defaultRate         = 1000
	defaultDuration     = Duration(10 * time.Second)
	defaultWarmup       = Duration(1 * time.Second)
	defaultTimeout      = Duration(5 * time.Second)
	defaultMethod       = "GET"
	defaultPath         = "/"
	defaultMeshName     = "baseline"
	defaultIterations   = 1
	defaultWeight       = 1
	defaultClients      = 1
	defaultReplicas     = 1
	defaultPrefix       = "smp"
	defaultImage        = "smp:dev"
	defaultK8sTimeout   = Duration(2 * time.Minute)
)

// Default returns a test with every default filled in: the built-in target
// answering 1KiB, 8 connections at 1000 requests/s with constant arrivals
// for 10s (1s of it warmup), 5s timeouts, GET /, one no-mesh "baseline"
// scenario, one iteration. Only metadata.name is left for the caller.
func Default() *Test {
	t := &Test{APIVersion: APIVersion, Kind: KindTest}
	t.applyDefaults(func(string) bool { return false })
	return t
}

// ApplyDefaults fills the fields of t whose zero value is not a legal
// setting: an empty generator, protocol, arrival type, method or path, zero
// connections, duration, timeout or iterations, no meshes, and neither app
// nor URL (which means app: builtin). Fields whose zero value means
// something (rate 0 is closed loop, warmup 0 is none, responseSize 0 is an
// empty body) are left alone: start from Default to get theirs. With
// load.requests, each request of the mix gets weight 1, GET and / when it
// has none, and load.request is left empty. It is idempotent, and leaves apiVersion and kind as they are.
func (t *Test) ApplyDefaults() { t.applyDefaults(nil) }

// applyDefaults fills defaults. given reports whether the field at a path
// (as in Problem.Field) was present in the source; a field is defaulted
// only when it was not. A nil given judges by value instead, as
// ApplyDefaults documents.
func (t *Test) applyDefaults(given func(path string) bool) {
	// missing reports whether the field at path needs its default; zero is
	// whether it holds its zero value, zeroLegal whether that value is a
	// legal setting.
	missing := func(path string, zero, zeroLegal bool) bool {
		if given != nil {
			return !given(path)
		}
		return zero && !zeroLegal
	}
	w := &t.Workload
	if missing("workload.app", w.App == "", false) && missing("workload.url", w.URL == "", false) {
		w.App = AppBuiltin
	}
	if (w.App == AppBuiltin || w.App == AppSample) && missing("workload.responseSize", w.ResponseSize == 0, true) {
		w.ResponseSize = defaultResponseSize
	}
	if w.App == AppSample {
		if missing("workload.services", w.Services == 0, false) {
			w.Services = defaultServices
		}
		if missing("workload.topology", w.Topology == "", false) {
			w.Topology = TopologyChain
		}
	}

	l := &t.Load
	if missing("load.generator", l.Generator == "", false) {
		l.Generator = GeneratorBuiltin
	}
	if missing("load.protocol", l.Protocol == "", false) {
		l.Protocol = ProtocolHTTP1
	}
	if missing("load.connections", l.Connections == 0, false) {
		l.Connections = defaultConnections
	}
	if missing("load.rate", l.Rate == 0, true) {
		l.Rate = defaultRate
	}
	if missing("load.arrival.type", l.Arrival.Type == "", false) {
		l.Arrival.Type = ArrivalConstant
	}
	if missing("load.duration", l.Duration == 0, false) {
		l.Duration = defaultDuration
	}
	if missing("load.warmup", l.Warmup == 0, true) {
		l.Warmup = defaultWarmup
	}
	if missing("load.timeout", l.Timeout == 0, false) {
		l.Timeout = defaultTimeout
	}
	if missing("load.mode", l.Mode == "", false) {
		l.Mode = ModeFixed
	}
	if c := l.Capacity; c != nil {
		if missing("load.capacity.maxErrors", c.MaxErrors == 0, true) {
			c.MaxErrors = DefaultCapacityMaxErrors
		}
		if missing("load.capacity.start", c.Start == 0, false) {
			c.Start = DefaultCapacityStart
		}
		if missing("load.capacity.bracket", c.Bracket == 0, false) {
			c.Bracket = DefaultCapacityBracket
		}
		if missing("load.capacity.maxTrials", c.MaxTrials == 0, false) {
			c.MaxTrials = DefaultCapacityMaxTrials
		}
		if missing("load.capacity.repeats", c.Repeats == 0, false) {
			c.Repeats = DefaultCapacityRepeats
		}
		if missing("load.capacity.deadline", c.Deadline == 0, true) {
			c.Deadline = DefaultCapacityDeadline
		}
		if missing("load.capacity.cooldown", c.Cooldown == 0, true) {
			c.Cooldown = DefaultCapacityCooldown
		}
	}
	// With a request mix, load.request stays empty (they are exclusive)
	// and each request of the mix gets the defaults instead.
	if l.Requests == nil {
		r := &l.Request
		if missing("load.request.method", r.Method == "", false) {
			r.Method = defaultMethod
		}
		if missing("load.request.path", r.Path == "", false) {
			r.Path = defaultPath
		}
	}
	for i := range l.Requests {
		r := &l.Requests[i]
		f := fmt.Sprintf("load.requests[%d]", i)
		if missing(f+".weight", r.Weight == 0, false) {
			r.Weight = defaultWeight
		}
		if missing(f+".method", r.Method == "", false) {
			r.Method = defaultMethod
		}
		if missing(f+".path", r.Path == "", false) {
			r.Path = defaultPath
		}
	}

	if missing("meshes", len(t.Meshes) == 0, false) {
		t.Meshes = []Mesh{{Name: defaultMeshName, Type: MeshNone}}
	}
	if missing("iterations", t.Iterations == 0, false) {
		t.Iterations = defaultIterations
	}
	t.platformDefaults(missing)
}

// platformDefaults fills environment.platform, load.clients and, on
// platform kubernetes, environment.kubernetes and workload.replicas.
func (t *Test) platformDefaults(missing func(path string, zero, zeroLegal bool) bool) {
	e := &t.Environment
	if missing("environment.platform", e.Platform == "", false) {
		e.Platform = PlatformLocal
	}
	if missing("load.clients", t.Load.Clients == 0, false) {
		t.Load.Clients = defaultClients
	}
	if e.Platform != PlatformKubernetes {
		return
	}
	if t.Workload.App == AppSample && missing("workload.replicas", t.Workload.Replicas == 0, false) {
		t.Workload.Replicas = defaultReplicas
	}
	// The sample app's gRPC services call their downstreams in Ping; a
	// health check would stop at the entry service.
	if t.Workload.App == AppSample && t.Load.Protocol == ProtocolGRPC {
		if t.Load.GRPC == nil {
			t.Load.GRPC = &GRPC{}
		}
		if missing("load.grpc.method", t.Load.GRPC.Method == "", false) {
			t.Load.GRPC.Method = GRPCPing
		}
	}
	if e.Kubernetes == nil {
		e.Kubernetes = &Kubernetes{}
	}
	k := e.Kubernetes
	if missing("environment.kubernetes.namespacePrefix", k.NamespacePrefix == "", false) {
		k.NamespacePrefix = defaultPrefix
	}
	if missing("environment.kubernetes.image", k.Image == "", false) {
		k.Image = defaultImage
	}
	if missing("environment.kubernetes.timeout", k.Timeout == 0, false) {
		k.Timeout = defaultK8sTimeout
	}
}
