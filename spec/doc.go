// Package spec defines smp's test spec: one YAML document that describes
// the workload, the load to drive through it, the scenarios (meshes) to
// compare, and what to measure.
//
// The types (Test and what it holds) are plain data with JSON tags; the
// JSON form is echoed, with secrets redacted (Test.Redacted), into every
// report.
//
// Parse reads a spec strictly: unknown fields, wrong types, duplicate keys
// and extra documents are problems, defaults fill only the fields that were
// absent, and Validate's rules run last. Every problem found is reported in
// one pass, with its line and column, as a Problems error that wraps
// ErrInvalid. Schema returns a JSON Schema of the same format for editors,
// generated from the same field tables the parser reads by (fields.go);
// spec/schema.json is its copy, rewritten by go generate ./spec.
//
// Which protocols exist and what each supports (event loops, streams, a
// connection per request, TLS) is package load/protocol's table; Validate
// asks it rather than naming protocols.
//
// Specs built in code (from command-line flags, say) start from Default and
// are checked with Validate; ParseDuration and ParseByteSize read the same
// duration and size syntax as the YAML.
package spec
