package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// shape is what a field's value looks like, as the JSON Schema says it.
// Every field of the walker's tables (fields.go) carries one, and Schema
// is generated from them, so the format is written down once. Zero members
// are left out of the schema.
type shape struct {
	desc    string
	ref     string // a name in defs: the value is that definition
	typ     string // JSON type: string, integer, number, boolean, array, object
	konst   any    // the one value allowed (nil: no such rule)
	enum    []string
	pattern string
	minLen  int
	maxLen  int
	// min, max, xmin and xmax are inclusive and exclusive bounds of
	// numbers, written as JSON numbers ("" = none).
	min, max, xmin, xmax string
	minItems, maxItems   int
	items                *shape
	anyOf                []shape
	// obj returns the table of a mapping's fields. The walker calls it
	// when it meets the mapping (it may allocate the destination); the
	// schema generator calls it on a throwaway Test.
	obj func() object
	// keys and values shape the entries of a free mapping (labels,
	// headers).
	keys, values *shape
}

// object is a mapping of known fields: the walker reads it, and the schema
// describes it (additionalProperties: false).
type object struct {
	expected string // what the walker says a value of the wrong shape should be
	fields   []field
	required []string
	// exclusive fields may not be given together.
	exclusive []string
	// together are fields that need each other (dependentRequired).
	together []string
}

// num writes an integer bound.
func num[T ~int | ~int64 | ~uint64](v T) string { return fmt.Sprintf("%d", v) }

// def is a named shape under $defs, used by ref.
type def struct {
	name string
	s    shape
}

// schemaOf generates the JSON Schema (draft 2020-12) of test specs from the
// field tables, indented as spec/schema.json.
func schemaOf() []byte {
	w := newWalker("")
	root := shape{
		desc: "One smp benchmark: the workload, the load to drive through it, the meshes to compare, and what to measure. " +
			"Fields left out take the defaults named in their descriptions. `smp spec validate` checks a spec fully; this schema covers what a schema can say.",
		obj: func() object { return w.test(&Test{}) },
	}
	doc := ordered{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", "https://github.com/smp-dev/smp/spec/schema.json"},
		{"title", "smp test spec (" + APIVersion + ")"},
	}
	doc = append(doc, root.schema()...)
	var defs ordered
	for _, d := range schemaDefs() {
		defs = append(defs, kv{d.name, d.s.schema()})
	}
	doc = append(doc, kv{"$defs", defs})
	var compact bytes.Buffer
	encode(&compact, doc)
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		panic(fmt.Sprintf("spec: generated schema is not JSON: %v", err)) // encode writes only JSON
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// schema returns the JSON Schema keywords of s, in a fixed order.
func (s shape) schema() ordered {
	var o ordered
	add := func(k string, v any) { o = append(o, kv{k, v}) }
	if s.desc != "" {
		add("description", s.desc)
	}
	if s.ref != "" {
		add("$ref", "#/$defs/"+s.ref)
	}
	if s.konst != nil {
		add("const", s.konst)
	}
	if s.typ != "" {
		add("type", s.typ)
	}
	if s.enum != nil {
		add("enum", s.enum)
	}
	if s.pattern != "" {
		add("pattern", s.pattern)
	}
	if s.minLen > 0 {
		add("minLength", s.minLen)
	}
	if s.maxLen > 0 {
		add("maxLength", s.maxLen)
	}
	for _, b := range []struct{ k, v string }{{"minimum", s.min}, {"exclusiveMinimum", s.xmin}, {"maximum", s.max}, {"exclusiveMaximum", s.xmax}} {
		if b.v != "" {
			add(b.k, json.Number(b.v))
		}
	}
	if s.minItems > 0 {
		add("minItems", s.minItems)
	}
	if s.maxItems > 0 {
		add("maxItems", s.maxItems)
	}
	if s.items != nil {
		add("items", s.items.schema())
	}
	if s.anyOf != nil {
		var alts []any
		for _, a := range s.anyOf {
			alts = append(alts, a.schema())
		}
		add("anyOf", alts)
	}
	if s.keys != nil {
		add("propertyNames", s.keys.schema())
	}
	if s.values != nil {
		add("additionalProperties", s.values.schema())
	}
	if s.obj != nil {
		o = append(o, objectSchema(s.obj())...)
	}
	return o
}

// objectSchema returns the keywords of a mapping of known fields.
func objectSchema(ob object) ordered {
	o := ordered{{"type", "object"}, {"additionalProperties", false}}
	if ob.required != nil {
		o = append(o, kv{"required", ob.required})
	}
	if ob.exclusive != nil {
		o = append(o, kv{"not", ordered{{"required", ob.exclusive}}})
	}
	if ob.together != nil {
		var dep ordered
		for _, f := range ob.together {
			others := slices.DeleteFunc(slices.Clone(ob.together), func(g string) bool { return g == f })
			dep = append(dep, kv{f, others})
		}
		o = append(o, kv{"dependentRequired", dep})
	}
	var props ordered
	for _, f := range ob.fields {
		props = append(props, kv{f.name, f.s.schema()})
	}
	return append(o, kv{"properties", props})
}

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// ordered is a JSON object that keeps its members' order.
type ordered []kv

// encode writes v as compact JSON, without escaping <, > and &
// (descriptions are read by people).
func encode(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case ordered:
		b.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, m.k)
			b.WriteByte(':')
			encode(b, m.v)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e)
		}
		b.WriteByte(']')
	case string:
		e := json.NewEncoder(b)
		e.SetEscapeHTML(false)
		_ = e.Encode(v)         // a string always encodes
		b.Truncate(b.Len() - 1) // Encode's newline
	case json.Number:
		b.WriteString(string(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		panic(fmt.Sprintf("spec: schema value of type %T", v))
	}
}
