package spec

import (
	_ "embed"
	"slices"
)

//go:embed schema.json
var schema []byte

// Schema returns the JSON Schema (draft 2020-12) of test specs, for editors
// and linters. It checks shapes, enums, ranges and the syntax of durations
// and sizes; rules across fields (unique mesh names, warmup less than
// duration, ascending buckets) are Validate's alone. The caller may keep
// or change the slice.
func Schema() []byte { return slices.Clone(schema) }
