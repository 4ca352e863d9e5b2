package spec

import (
	"go.yaml.in/yaml/v3"

	"github.com/smp-dev/smp/load/protocol"
)

// Schema patterns of request fields (Validate checks them in code).
const (
	methodPattern      = "^[!#$%&'*+.^_`|~0-9A-Z-]+$"
	pathPattern        = `^/[^\s\x00-\x1f\x7f]*$`
	headerNamePattern  = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
	headerValuePattern = `^[^\r\n\x00]*$`
)

func (w *walker) load(l *Load) object {
	return object{
		expected:  expMapping,
		exclusive: []string{"request", "requests"},
		fields: []field{
			{"generator", w.word(&l.Generator, expGenerator()), shape{
				desc: "Load generator. builtin (the default) is smp's own open-loop engine: latency timed from each request's intended send time, its own send lag recorded, event loops. fortio, wrk2, nighthawk, vegeta, wrk and hey run that tool (found on PATH or at generatorPath) with the same plan and normalize its output; a plan the tool cannot express is refused before the run, and the report's client.generator says what the tool measures (latency clock, resolution, native or reconstructed histogram).",
				enum: Generators(),
			}},
			{"generatorPath", w.str(&l.GeneratorPath, expFile), shape{
				desc: "Path of the external generator's binary. Default: its name on PATH (wrk2, nighthawk_client, or the generator's name).",
				typ:  "string",
			}},
			{"mode", w.word(&l.Mode, expMode), shape{
				desc: "fixed (the default): load at load.rate for load.duration. capacity: search the highest rate each scenario sustains under load.capacity.slo (an exponential ramp from load.capacity.start, then bisection), each trial load.duration long with load.warmup excluded; the report's summary gets capacity with every trial, and the comparison its delta against the baseline.",
				enum: []string{ModeFixed, ModeCapacity},
			}},
			w.sub("capacity", "The search of mode capacity (required with it, refused without).", func() object {
				l.Capacity = &Capacity{}
				return w.capacity(l.Capacity)
			}),
			{"protocol", w.word(&l.Protocol, ProtocolHTTP1), shape{
				desc: "Protocol of the requests. http1 (the default): HTTP/1.1, over TLS with an https URL. h2c: HTTP/2 over cleartext with prior knowledge (http URLs). http2: HTTP/2 over TLS, negotiated by ALPN (https URLs). tcp: TCP echo, a payload of load.tcp.payloadSize written and its echo read (tcp://host:port URLs, or the built-in target's echo server). grpc: unary gRPC calls, load.grpc (grpc:// or grpcs:// URLs, or the built-in target's gRPC server).",
				enum: protocols(),
			}},
			{"connections", w.integer(&l.Connections, expConnections), shape{
				desc: "Connections kept open to the target, 1 to 10000. Default 8.",
				typ:  "integer", min: "1", max: num(maxConnections),
			}},
			{"rate", w.float(&l.Rate, expRate), shape{
				desc: "Requests per second over all connections, 0 to 10000000. 0 is closed loop: each connection sends as soon as its previous response arrives. Default 1000.",
				typ:  "number", min: "0", max: num(maxRate),
			}},
			{"arrival", w.arrival(&l.Arrival), shape{
				desc: "Schedule of the intended send times in open loop (load.rate > 0), written as a type (arrival: poisson) or as a mapping with the type's fields. constant (the default): evenly spaced at load.rate. poisson: exponential gaps of mean 1/load.rate, drawn from the seed. ramp: the rate goes linearly from `from` to `to` over the run. step: `steps` one after the other, the last rate holding until the run ends. sine: load.rate ± amplitude over period. burst: load.rate for `on`, nothing for `off`, repeating. Fields of another type are problems.",
				anyOf: []shape{
					{ref: "arrivalType"},
					{obj: func() object { return w.arrivalFields(&Arrival{}) }},
				},
			}},
			{"duration", w.duration(&l.Duration), ref("duration", "How long the load runs, warmup included; more than 0 and at most 24h. Default 10s.")},
			{"warmup", w.duration(&l.Warmup), ref("duration", "Time at the start of the run excluded from the results; less than duration. Default 1s.")},
			{"timeout", w.duration(&l.Timeout), ref("duration", "Timeout of each request; more than 0 and at most 10m. Default 5s.")},
			{"maxBacklog", w.integer(&l.MaxBacklog, expMaxBacklog), shape{
				desc: "Open loop: most sends that may be overdue at once; later ones are counted as dropped. 0 (the default) lets the engine choose.",
				typ:  "integer", min: "0",
			}},
			{"sendTolerance", w.duration(&l.SendTolerance), ref("duration", "Open loop, event loop driver: how early a send may leave so that it goes with an earlier one. When the event loop wakes to send, it also sends, back to back, every send intended within the next sendTolerance: one wake-up of the generator and of the target for several requests instead of one each, cheaper per request, with arrivals that much less even. 0s (the default) sends each request at its time; at most 10ms. An early send's latency is timed from when it left (never shortened by leaving early) and its send lag counts as 0; the report's client gives the tolerance and the sends that left early or batched (client.sendToleranceMs, earlySends, batchedSends).")},
			w.sub("request", "What every request carries. Exclusive with requests.", func() object { return w.request(&l.Request) }),
			{"requests", w.requests(&l.Requests), shape{
				desc:     "A weighted mix of requests, 1 to 100: each send picks one, by weight, from a sequence drawn from load.arrival.seed. Exclusive with request.",
				typ:      "array",
				minItems: 1,
				maxItems: maxRequests,
				items:    &shape{desc: "One request of the mix.", obj: func() object { return w.mixRequest(&MixRequest{}) }},
			}},
			{"streams", w.integer(&l.Streams, expStreams), shape{
				desc: "Requests each connection carries at once, 1 to 1000; more than 1 only with protocol h2c or http2 (HTTP/2 streams) and not with newConnection. Default 1.",
				typ:  "integer", min: "0", max: num(maxStreams),
			}},
			{"clients", w.integer(&l.Clients, expClients), shape{
				desc: "Load generator instances sharing the connections and the rate, 1 to 100; their results are merged. More than 1 only on platform kubernetes (one pod each). Default 1.",
				typ:  "integer", min: "1", max: num(maxClients),
			}},
			{"newConnection", w.boolean(&l.NewConnection), shape{
				desc: "Open a connection for every request (and close it after the response), timing its TCP connect, its TLS handshake and the request's time to first byte: the report gets connectTime, tlsHandshake and firstByte, and latency includes the set-up. Every protocol; with grpc, each call gets a channel of its own. Default false (connections kept alive).",
				typ:  "boolean",
			}},
			{"driver", w.word(&l.Driver, expDriver()), shape{
				desc: "How the generator drives its connections: eventloop (event loops, one thread each serving many non-blocking connections: plain-text HTTP/1.1 and TCP echo, connections kept alive), uring (the same event loops on io_uring instead of epoll: the sends due together and the receives go to the kernel in one system call per wake-up; linux-only, and where io_uring is unavailable the loops run on epoll and client.driver says \"eventloop (io_uring unavailable: ...)\") or goroutines (a goroutine per connection, every protocol). Default: the event loop where there is one, goroutines elsewhere and with the built-in target. The report says which ran (client.driver).",
				enum: protocol.Drivers(),
			}},
			w.sub("tls", "The client's TLS settings, with an https workload.url (protocol http1 or http2) or a grpcs one (protocol grpc). Files are PEM and must exist when the run starts.",
				func() object {
					l.TLS = &TLS{}
					return w.tls(l.TLS)
				}),
			w.sub("grpc", "Settings of protocol grpc (only with it).", func() object {
				l.GRPC = &GRPC{}
				return object{
					expected: expMapping,
					fields: []field{
						{"method", w.word(&l.GRPC.Method, expGRPCMethod), shape{
							desc: "The unary call each request makes: health (the standard grpc.health.v1.Health/Check, the default) or ping (the built-in target's smp.target.v1.Target/Ping, which echoes its payload).",
							enum: []string{GRPCHealth, GRPCPing},
						}},
						{"payloadSize", w.size(&l.GRPC.PayloadSize), ref("size", "ping: payload bytes, echoed back; 0 to 4194240 (gRPC's 4MiB message limit). Default 0.")},
					},
				}
			}),
			w.sub("tcp", "Settings of protocol tcp (only with it).", func() object {
				l.TCP = &TCP{}
				return object{
					expected: expMapping,
					fields: []field{
						{"payloadSize", w.size(&l.TCP.PayloadSize), ref("size", "Bytes each request writes and reads back, 1B to 64MiB, such as 1KiB. Default 64B.")},
					},
				}
			}),
		},
	}
}

func (w *walker) tls(t *TLS) object {
	return object{
		expected: expMapping,
		together: []string{"cert", "key"},
		fields: []field{
			{"caCert", w.str(&t.CACert, expFile), shape{desc: "CA certificates that verify the server. Default: the system's roots.", typ: "string"}},
			{"cert", w.str(&t.Cert, expFile), shape{desc: "Client certificate presented to the server (mTLS); with key.", typ: "string"}},
			{"key", w.str(&t.Key, expFile), shape{desc: "Key of the client certificate; with cert.", typ: "string"}},
			{"insecure", w.boolean(&t.Insecure), shape{desc: "Skip verification of the server certificate. Default false.", typ: "boolean"}},
			{"sessionReuse", w.boolean(&t.SessionReuse), shape{desc: "Resume TLS sessions across connections (a shared session cache). Default false: every connection makes a full handshake, what a new client pays.", typ: "boolean"}},
		},
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
		w.object(func() object { return w.arrivalFields(a) })(n, path)
	}
}

// arrivalFields are the fields of the mapping form of load.arrival.
func (w *walker) arrivalFields(a *Arrival) object {
	rate := func(desc string) shape { return shape{desc: desc, typ: "number", min: "0", max: num(maxRate)} }
	return object{
		expected: expArrival,
		fields: []field{
			{"type", w.word(&a.Type, expArrivalType), ref("arrivalType", "Arrival schedule: constant, poisson, ramp, step, sine or burst. Default constant.")},
			{"seed", w.unsigned(&a.Seed, expSeed), shape{
				desc: "Seed of poisson arrivals and of the request mix (load.requests): the same seed gives the same schedule and the same choices. 0 or left out: a seed is picked when the run starts and recorded in the report's copy of the spec. Only for type poisson or with load.requests.",
				typ:  "integer", min: "0", max: num(uint64(1<<64 - 1)),
			}},
			{"from", w.float(&a.From, expArrivalRate), rate("ramp: rate at the start of the run, requests/s, 0 to 10000000. from and to are not both 0.")},
			{"to", w.float(&a.To, expArrivalRate), rate("ramp: rate at the end of the run, requests/s, 0 to 10000000.")},
			{"steps", func(n *yaml.Node, path string) {
				a.Steps = []Step{}
				w.list(n, path, expSteps, func(n *yaml.Node, path string) {
					var st Step
					w.object(func() object { return w.step(&st) })(n, path)
					a.Steps = append(a.Steps, st)
				})
			}, shape{
				desc:     "step: the stages, in order, 1 to 1000, lasting at most load.duration in all; the last rate holds until the run ends. At least one rate > 0.",
				typ:      "array",
				minItems: 1,
				maxItems: maxSteps,
				items:    &shape{desc: "One stage: a rate for a duration.", obj: func() object { return w.step(&Step{}) }},
			}},
			{"amplitude", w.float(&a.Amplitude, expAmplitude), shape{
				desc: "sine: how far the rate swings above and below load.rate, requests/s; more than 0 and at most load.rate.",
				typ:  "number", xmin: "0",
			}},
			{"period", w.duration(&a.Period), ref("duration", "sine: length of one cycle, more than 0 and at most 24h, such as 30s.")},
			{"on", w.duration(&a.On), ref("duration", "burst: how long each burst at load.rate lasts, more than 0 and at most 24h, such as 200ms.")},
			{"off", w.duration(&a.Off), ref("duration", "burst: the pause after each burst, more than 0 and at most 24h, such as 800ms.")},
		},
	}
}

func (w *walker) step(st *Step) object {
	return object{
		expected: expStep,
		required: []string{"rate", "duration"},
		fields: []field{
			{"rate", w.float(&st.Rate, expArrivalRate), shape{desc: "Rate of the stage, requests/s, 0 to 10000000 (0 pauses).", typ: "number", min: "0", max: num(maxRate)}},
			{"duration", w.duration(&st.Duration), ref("duration", "How long the stage lasts, more than 0, such as 10s.")},
		},
	}
}

// requests reads load.requests, a weighted mix.
func (w *walker) requests(rs *[]MixRequest) reader {
	return func(n *yaml.Node, path string) {
		*rs = []MixRequest{}
		w.list(n, path, expRequests, func(n *yaml.Node, path string) {
			var r MixRequest
			w.object(func() object { return w.mixRequest(&r) })(n, path)
			*rs = append(*rs, r)
		})
	}
}

// requestFields are the fields of load.request and of each request of a
// mix; pathDesc and bodyExcl say where they differ.
func (w *walker) requestFields(r *Request, pathDesc, bodyExcl string) []field {
	return []field{
		{"method", w.word(&r.Method, expMethod), shape{desc: "HTTP method, upper case. Default GET.", typ: "string", pattern: methodPattern}},
		{"path", w.str(&r.Path, expPath), shape{desc: pathDesc, typ: "string", pattern: pathPattern}},
		{"headers", w.stringMap(&r.Headers, expHeaderValue), shape{
			desc:   "Request headers, name to value. Authorization, Proxy-Authorization and Cookie values are redacted in reports.",
			typ:    "object",
			keys:   &shape{desc: "Header name: an HTTP token.", pattern: headerNamePattern},
			values: &shape{desc: "Header value, without CR, LF or NUL.", typ: "string", pattern: headerValuePattern},
		}},
		{"body", w.str(&r.Body, expString), shape{desc: "Request body. Exclusive with bodySize" + bodyExcl + ".", typ: "string"}},
		{"bodySize", w.size(&r.BodySize), ref("size", "Send a body of this many bytes (filled with 'x'), 0 to 64MiB: bytes, or a string such as 512B or 1KiB. Exclusive with body"+bodyExcl+".")},
	}
}

func (w *walker) request(r *Request) object {
	return object{
		expected:  expMapping,
		exclusive: []string{"body", "bodySize"},
		fields:    w.requestFields(r, "Request path, starting with /, with an optional query; used when the target URL has no path of its own. Default /.", ""),
	}
}

func (w *walker) mixRequest(r *MixRequest) object {
	fields := []field{{"weight", w.float(&r.Weight, expWeight), shape{
		desc: "The request's share of the sends, relative to the other requests' weights; more than 0. Default 1.",
		typ:  "number", xmin: "0",
	}}}
	fields = append(fields, w.requestFields(&r.Request,
		"Request path, starting with /, with an optional query; replaces the workload URL's path. Default /.",
		" and with a uniform or lognormal bodySizeDist")...)
	fields = append(fields, w.sub("bodySizeDist", "Draw body sizes from a distribution: a table of 1024 sizes is drawn from the seed before the run, and each send picks one. fixed: bodySize every time. uniform: from min to max. lognormal: median and sigma, clamped to min and max.",
		func() object {
			r.BodySizeDist = &SizeDist{}
			return w.sizeDist(r.BodySizeDist)
		}))
	return object{expected: expMixItem, exclusive: []string{"body", "bodySize"}, fields: fields}
}

func (w *walker) sizeDist(d *SizeDist) object {
	return object{
		expected: expMapping,
		required: []string{"type"},
		fields: []field{
			{"type", w.word(&d.Type, expSizeDist), shape{desc: "Distribution: fixed, uniform or lognormal.", enum: []string{SizeFixed, SizeUniform, SizeLognormal}}},
			{"min", w.size(&d.Min), ref("size", "uniform, lognormal: smallest size. Default 0.")},
			{"max", w.size(&d.Max), ref("size", "uniform: largest size (at least min, more than 0). lognormal: largest size; 0 or left out means 64MiB.")},
			{"median", w.size(&d.Median), ref("size", "lognormal: median size, more than 0, such as 1KiB.")},
			{"sigma", w.float(&d.Sigma, expSigma), shape{
				desc: "lognormal: standard deviation of ln(size), more than 0 and at most 4; 1 spreads sizes over about a factor of 2.7 each way.",
				typ:  "number", xmin: "0", max: num(maxSigma),
			}},
		},
	}
}

func (w *walker) capacity(c *Capacity) object {
	return object{
		expected: expMapping,
		fields: []field{
			{"slo", w.strings(&c.SLO, expStrings, expSLO), shape{
				desc:     `Objectives every passing trial meets, such as "p99 < 10ms" (at least one; overhead objectives do not apply to a trial).`,
				typ:      "array",
				minItems: 1,
				items:    &shape{desc: "One objective.", typ: "string", pattern: `\S`},
			}},
			{"maxErrors", w.float(&c.MaxErrors, expFraction), shape{desc: "Highest fraction of failed requests a passing trial may have, 0 to 1. Default 0.001.", typ: "number", min: "0", max: "1"}},
			{"start", w.float(&c.Start, expCapacityRate), shape{desc: "First rate tried, req/s, > 0. Default 100.", typ: "number", min: "0"}},
			{"maxRate", w.float(&c.MaxRate, expCapacityRate), shape{desc: "Highest rate tried, req/s; 0 (the default) = no bound but maxTrials.", typ: "number", min: "0"}},
			{"bracket", w.float(&c.Bracket, expFraction), shape{desc: "Stop when (lowest fail - highest pass) / highest pass is below it, > 0 and < 1. Default 0.02.", typ: "number", min: "0", max: "1"}},
			{"maxTrials", w.integer(&c.MaxTrials, expTrials), shape{desc: "Most trials, 1 to 1000. Default 20.", typ: "integer", min: "1", max: "1000"}},
			{"repeats", w.integer(&c.Repeats, expRepeats), shape{desc: "Times a pass must hold near the boundary, 1 to 10. Default 2.", typ: "integer", min: "1", max: "10"}},
			{"deadline", w.duration(&c.Deadline), ref("duration", "No trial starts after it (per scenario); 0 = none. Default 10m.")},
			{"cooldown", w.duration(&c.Cooldown), ref("duration", "Pause before every trial but the first, for the target to drain. Default 1s.")},
			{"confirm", w.duration(&c.Confirm), ref("duration", "Window of a confirmation run at the answer, re-checked (stepping down on a fail); 0 (the default) = none.")},
		},
	}
}
