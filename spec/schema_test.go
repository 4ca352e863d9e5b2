package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// compileSchema compiles Schema() with a draft 2020-12 validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema()))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema.json: %v", err)
	}
	return s
}

// yamlToJSON converts a YAML document to the JSON value the schema sees.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSchemaValid checks that every valid spec in testdata validates
// against the schema, and so do the JSON forms of Default and the parsed
// specs (what reports echo).
func TestSchemaValid(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/valid-*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/valid-*.yaml")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(yamlToJSON(t, data)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		parsed, err := Parse(data, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(yamlToJSON(t, mustJSON(t, parsed))); err != nil {
			t.Errorf("%s, parsed and marshalled: %v", f, err)
		}
	}
	d := Default()
	d.Metadata.Name = "default"
	if err := s.Validate(yamlToJSON(t, mustJSON(t, d))); err != nil {
		t.Errorf("Default(): %v", err)
	}
}

// TestSchemaInvalid checks that the schema refuses what Parse refuses
// where a schema can tell.
func TestSchemaInvalid(t *testing.T) {
	const head = "apiVersion: smp/v1alpha1\nkind: Test\nmetadata: {name: x}\n"
	tests := []struct{ name, yaml string }{
		{"unknown top-level field", head + "speed: fast\n"},
		{"unknown nested field", head + "load: {request: {heders: {}}}\n"},
		{"string for integer", head + "load: {connections: eight}\n"},
		{"mapping for list", head + "meshes: {name: a, type: none}\n"},
		{"bare number duration", head + "load: {duration: 10}\n"},
		{"decimal size unit", head + "workload: {responseSize: 1KB}\n"},
		{"app and url", head + "workload: {app: builtin, url: 'http://h/'}\n"},
		{"unsupported mesh type", head + "meshes: [{name: a, type: osm}]\n"},
		{"unknown platform", head + "environment: {platform: nomad}\n"},
		{"clients 0", head + "load: {clients: 0}\n"},
		{"negative rate", head + "load: {rate: -5}\n"},
		{"percentile 100", head + "metrics: {percentiles: [100]}\n"},
		{"lower-case method", head + "load: {request: {method: get}}\n"},
		{"missing name", "apiVersion: smp/v1alpha1\nkind: Test\nmetadata: {}\n"},
		{"wrong apiVersion", "apiVersion: v1\nkind: Test\nmetadata: {name: x}\n"},
		{"unknown arrival field", head + "load: {arrival: {type: constant, rate: 1}}\n"},
		{"tls cert without key", head + "workload: {url: 'https://h/'}\nload: {tls: {cert: c.pem}}\n"},
		{"unknown tls field", head + "workload: {url: 'https://h/'}\nload: {tls: {ca: c.pem}}\n"},
		{"streams over 1000", head + "load: {protocol: h2c, streams: 1001}\n"},
	}
	// Invalid specs in testdata whose problems a schema can see too.
	for _, f := range []string{
		"invalid-unknown-field.yaml", "invalid-wrong-type.yaml", "invalid-negative-rate.yaml",
		"invalid-zero-connections.yaml", "invalid-size-kb.yaml", "invalid-unsupported-mesh.yaml",
		"invalid-url-and-app.yaml", "invalid-bad-duration.yaml",
		"invalid-missing-required.yaml", "invalid-multiple-problems.yaml", "invalid-request.yaml",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, yaml string }{f, string(data)})
	}
	s := compileSchema(t)
	for _, tt := range tests {
		if err := s.Validate(yamlToJSON(t, []byte(tt.yaml))); err == nil {
			t.Errorf("%s: schema accepts it", tt.name)
		}
		if _, err := Parse([]byte(tt.yaml), "x.yaml"); err == nil {
			t.Errorf("%s: Parse accepts it", tt.name)
		}
	}
}

// TestSchemaGenerated checks that the committed spec/schema.json is the
// schema the field tables describe, byte for byte.
func TestSchemaGenerated(t *testing.T) {
	committed, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := Schema(); !bytes.Equal(committed, got) {
		line := 1 + bytes.Count(committed[:commonPrefix(committed, got)], []byte("\n"))
		t.Errorf("spec/schema.json differs from the schema the field tables describe (first at line %d): run go generate ./spec", line)
	}
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestSchemaFromTables checks that the schema follows the field tables:
// every field the walker reads has a property, and only those.
func TestSchemaFromTables(t *testing.T) {
	var doc struct {
		Properties map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	w := newWalker("")
	var tt Test
	top := w.test(&tt)
	if len(doc.Properties) != len(top.fields) {
		t.Errorf("schema has %d top-level properties, the table %d fields", len(doc.Properties), len(top.fields))
	}
	load := w.load(&tt.Load)
	for _, f := range load.fields {
		if _, ok := doc.Properties["load"].Properties[f.name]; !ok {
			t.Errorf("load.%s is in the table but not in the schema", f.name)
		}
	}
	if len(doc.Properties["load"].Properties) != len(load.fields) {
		t.Errorf("schema has %d load properties, the table %d fields", len(doc.Properties["load"].Properties), len(load.fields))
	}
}

// TestSchemaIsACopy checks that callers cannot change the schema.
func TestSchemaIsACopy(t *testing.T) {
	a := Schema()
	a[0] = 'x'
	if Schema()[0] != '{' {
		t.Error("Schema() returns the embedded bytes themselves")
	}
}
