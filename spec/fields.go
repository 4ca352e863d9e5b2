package spec

import "go.yaml.in/yaml/v3"

// What the walker says was expected of a value of the wrong shape.
const (
	expTest      = "a test spec: a mapping with apiVersion, kind and metadata"
	expMapping   = "a mapping"
	expString    = "a string"
	expArrival   = `an arrival type such as constant, or a mapping such as {type: constant}`
	expSteps     = "a list of steps, such as [{rate: 100, duration: 10s}, {rate: 200, duration: 10s}]"
	expStep      = "a mapping such as {rate: 100, duration: 10s}"
	expRequests  = "a list of requests, such as [{weight: 3, path: /a}, {weight: 1, path: /b}]"
	expMixItem   = "a mapping such as {weight: 1, method: GET, path: /}"
	expSeed      = "an integer from 0 to 18446744073709551615 (0 = pick one when the run starts)"
	expMeshList  = "a list of meshes, such as [{name: baseline, type: none}]"
	expMesh      = "a mapping such as {name: baseline, type: none}"
	expNumbers   = "a list of numbers"
	expDurations = "a list of durations"
	expStrings   = "a list of strings"
)

// test reads the document's root mapping into t.
func (w *walker) test(n *yaml.Node, t *Test) {
	w.nodes[""] = n
	w.mapping(n, "", expTest, []field{
		{"apiVersion", w.word(&t.APIVersion, APIVersion)},
		{"kind", w.word(&t.Kind, KindTest)},
		{"metadata", w.metadata(&t.Metadata)},
		{"workload", w.workload(&t.Workload)},
		{"load", w.load(&t.Load)},
		{"meshes", w.meshes(&t.Meshes)},
		{"iterations", w.integer(&t.Iterations, expIterations)},
		{"metrics", w.metrics(&t.Metrics)},
		{"slo", w.strings(&t.SLO, expStrings, expSLO)},
		{"environment", w.environment(&t.Environment)},
	})
}

func (w *walker) metadata(m *Metadata) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"name", w.str(&m.Name, expName)},
			{"labels", w.stringMap(&m.Labels, expString)},
		})
	}
}

func (w *walker) workload(wl *Workload) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"app", w.word(&wl.App, expApp)},
			{"url", w.str(&wl.URL, expURL)},
			{"responseSize", w.size(&wl.ResponseSize)},
			{"serviceTime", w.duration(&wl.ServiceTime)},
			{"services", w.integer(&wl.Services, expServices)},
			{"topology", w.word(&wl.Topology, expTopology)},
		})
	}
}

func (w *walker) load(l *Load) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"generator", w.word(&l.Generator, GeneratorBuiltin)},
			{"protocol", w.word(&l.Protocol, ProtocolHTTP1)},
			{"connections", w.integer(&l.Connections, expConnections)},
			{"rate", w.float(&l.Rate, expRate)},
			{"arrival", w.arrival(&l.Arrival)},
			{"duration", w.duration(&l.Duration)},
			{"warmup", w.duration(&l.Warmup)},
			{"timeout", w.duration(&l.Timeout)},
			{"maxBacklog", w.integer(&l.MaxBacklog, expMaxBacklog)},
			{"request", w.request(&l.Request)},
			{"requests", w.requests(&l.Requests)},
			{"streams", w.integer(&l.Streams, expStreams)},
			{"newConnection", w.boolean(&l.NewConnection)},
			{"driver", w.word(&l.Driver, expDriver)},
			{"tls", func(n *yaml.Node, path string) {
				l.TLS = &TLS{}
				w.mapping(n, path, expMapping, []field{
					{"caCert", w.str(&l.TLS.CACert, expFile)},
					{"cert", w.str(&l.TLS.Cert, expFile)},
					{"key", w.str(&l.TLS.Key, expFile)},
					{"insecure", w.boolean(&l.TLS.Insecure)},
					{"sessionReuse", w.boolean(&l.TLS.SessionReuse)},
				})
			}},
			{"grpc", func(n *yaml.Node, path string) {
				l.GRPC = &GRPC{}
				w.mapping(n, path, expMapping, []field{
					{"method", w.word(&l.GRPC.Method, expGRPCMethod)},
					{"payloadSize", w.size(&l.GRPC.PayloadSize)},
				})
			}},
			{"tcp", func(n *yaml.Node, path string) {
				l.TCP = &TCP{}
				w.mapping(n, path, expMapping, []field{
					{"payloadSize", w.size(&l.TCP.PayloadSize)},
				})
			}},
		})
	}
}

// arrival reads either the short form (arrival: constant) or the mapping
// (arrival: {type: constant}).
func (w *walker) arrival(a *Arrival) reader {
	return func(n *yaml.Node, path string) {
		if s := resolve(n); s != nil && s.Kind == yaml.ScalarNode && s.ShortTag() == "!!str" {
			a.Type = s.Value
			w.nodes[path+".type"] = n
			return
		}
		if s := resolve(n); s == nil || s.Kind != yaml.MappingNode {
			w.wrongType(n, path, expArrival)
			return
		}
		w.mapping(n, path, expArrival, []field{
			{"type", w.word(&a.Type, expArrivalType)},
			{"seed", w.unsigned(&a.Seed, expSeed)},
			{"from", w.float(&a.From, expArrivalRate)},
			{"to", w.float(&a.To, expArrivalRate)},
			{"steps", func(n *yaml.Node, path string) {
				a.Steps = []Step{}
				w.list(n, path, expSteps, func(n *yaml.Node, path string) {
					var st Step
					w.mapping(n, path, expStep, []field{
						{"rate", w.float(&st.Rate, expArrivalRate)},
						{"duration", w.duration(&st.Duration)},
					})
					a.Steps = append(a.Steps, st)
				})
			}},
			{"amplitude", w.float(&a.Amplitude, expAmplitude)},
			{"period", w.duration(&a.Period)},
			{"on", w.duration(&a.On)},
			{"off", w.duration(&a.Off)},
		})
	}
}

// requests reads load.requests, a weighted mix.
func (w *walker) requests(rs *[]MixRequest) reader {
	return func(n *yaml.Node, path string) {
		*rs = []MixRequest{}
		w.list(n, path, expRequests, func(n *yaml.Node, path string) {
			var r MixRequest
			w.mapping(n, path, expMixItem, []field{
				{"weight", w.float(&r.Weight, expWeight)},
				{"method", w.word(&r.Method, expMethod)},
				{"path", w.str(&r.Path, expPath)},
				{"headers", w.stringMap(&r.Headers, expHeaderValue)},
				{"body", w.str(&r.Body, expString)},
				{"bodySize", w.size(&r.BodySize)},
				{"bodySizeDist", func(n *yaml.Node, path string) {
					r.BodySizeDist = &SizeDist{}
					d := r.BodySizeDist
					w.mapping(n, path, expMapping, []field{
						{"type", w.word(&d.Type, expSizeDist)},
						{"min", w.size(&d.Min)},
						{"max", w.size(&d.Max)},
						{"median", w.size(&d.Median)},
						{"sigma", w.float(&d.Sigma, expSigma)},
					})
				}},
			})
			*rs = append(*rs, r)
		})
	}
}

func (w *walker) request(r *Request) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"method", w.word(&r.Method, expMethod)},
			{"path", w.str(&r.Path, expPath)},
			{"headers", w.stringMap(&r.Headers, expHeaderValue)},
			{"body", w.str(&r.Body, expString)},
			{"bodySize", w.size(&r.BodySize)},
		})
	}
}

func (w *walker) meshes(ms *[]Mesh) reader {
	return func(n *yaml.Node, path string) {
		*ms = []Mesh{}
		w.list(n, path, expMeshList, func(n *yaml.Node, path string) {
			var m Mesh
			w.mapping(n, path, expMesh, []field{
				{"name", w.str(&m.Name, expName)},
				{"type", w.word(&m.Type, expMeshType)},
				{"mtls", w.boolean(&m.MTLS)},
				{"concurrency", w.integer(&m.Concurrency, expConcurrency)},
			})
			*ms = append(*ms, m)
		})
	}
}

func (w *walker) metrics(m *Metrics) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"percentiles", func(n *yaml.Node, path string) {
				w.list(n, path, expNumbers, func(n *yaml.Node, path string) {
					var p float64
					w.float(&p, expPercentile)(n, path)
					m.Percentiles = append(m.Percentiles, p)
				})
			}},
			{"buckets", func(n *yaml.Node, path string) {
				w.list(n, path, expDurations, func(n *yaml.Node, path string) {
					var d Duration
					w.duration(&d)(n, path)
					m.Buckets = append(m.Buckets, d)
				})
			}},
			{"sampleInterval", w.duration(&m.SampleInterval)},
		})
	}
}

// strings reads a list of strings.
func (w *walker) strings(dst *[]string, listExpected, itemExpected string) reader {
	return func(n *yaml.Node, path string) {
		w.list(n, path, listExpected, func(n *yaml.Node, path string) {
			var s string
			w.str(&s, itemExpected)(n, path)
			*dst = append(*dst, s)
		})
	}
}

func (w *walker) environment(e *Environment) reader {
	return func(n *yaml.Node, path string) {
		w.mapping(n, path, expMapping, []field{
			{"labels", w.stringMap(&e.Labels, expString)},
			{"placement", func(n *yaml.Node, path string) {
				e.Placement = &Placement{}
				w.mapping(n, path, expMapping, []field{
					{"client", w.str(&e.Placement.Client, expCPUList)},
					{"mesh", w.str(&e.Placement.Mesh, expCPUList)},
				})
			}},
		})
	}
}
