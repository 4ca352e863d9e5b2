package spec

// Schema returns the JSON Schema (draft 2020-12) of test specs, for editors
// and linters. It checks shapes, enums, ranges and the syntax of durations
// and sizes; rules across fields (unique mesh names, warmup less than
// duration, ascending buckets) are Validate's alone. It is generated from
// the same field tables Parse reads by, and spec/schema.json is a copy of
// it (go generate ./spec). The caller may keep or change the slice.
func Schema() []byte { return schemaOf() }
