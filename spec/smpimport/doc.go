// Package smpimport converts a Service Mesh Performance (SMP)
// PerformanceTestConfig — the test configuration of the SMP specification
// (protos/service_mesh_performance.proto), which Meshery's performance
// profiles and `mesheryctl perf apply -f` take — into an smp spec.
//
// Decode reads the configuration from YAML or JSON, with the proto's
// snake_case field names or protobuf JSON's lowerCamel ones; Convert maps
// it; Import does both. The written spec starts with a comment naming every
// field that was not mapped or whose value was changed (Result.Notes holds
// the same lines), and is checked with spec.Parse before it is returned.
//
// The mapping:
//
//	name                         metadata.name, fitted to smp's name pattern (noted when changed; "imported" if empty)
//	labels                       metadata.labels
//	duration ("30s", "1m")       load.duration (load.warmup 0s when it is 1s or less)
//	clients[0].endpoint_urls[0]  workload.url (none: workload.app builtin); further URLs are noted;
//	                             for tcp and grpc, http(s)://host:port becomes tcp:// or grpc(s)://host:port
//	clients[0].protocol          load.protocol: PROTOCOL_HTTP/HTTP/1 -> http1, PROTOCOL_TCP/TCP/2 -> tcp,
//	                             PROTOCOL_GRPC/GRPC/4 -> grpc, unset/0 -> http1 (noted), UDP -> error
//	clients[].connections        load.connections, summed over clients (0: smp's default, 8)
//	clients[].rps                load.rate, summed over clients (0: closed loop)
//	clients[0].headers           load.request.headers (http1 only)
//	clients[0].content_type      a Content-Type header in load.request.headers
//	clients[0].body              load.request.body, with method POST
//	clients[0].load_generator    load.generator (fortio, wrk2, nighthawk, …; others noted)
//
// Not mapped, each named in a note: smp_version, id, clients[1:].load_generator
// (clients[0]'s becomes load.generator when smp drives that tool),
// clients[].internal, clients[].cookies, clients[].ssl_certificate,
// clients[].additional_options, the headers and body of clients after the
// first, and any key the message does not have (services, mesh settings:
// an smp spec chooses its meshes itself). The spec gets one mesh,
// {name: baseline, type: none}, and a comment telling the user to add the
// meshes to compare.
//
// Bad input (a value of the wrong type, a duration such as "fast", a
// negative count, an unknown protocol) is an *Error naming the field, the
// value and what was expected; it wraps ErrInvalid.
package smpimport
