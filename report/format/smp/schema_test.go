package smp

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	_ "google.golang.org/protobuf/types/known/timestamppb" // registers google/protobuf/timestamp.proto
)

// The SMP messages as the specification publishes them, written out by
// hand from github.com/service-mesh-performance/service-mesh-performance
// at commit 6ecbce7985dddb5577509f25a1ab67959da8ca68 (protos unchanged
// since tag v0.6.1, commit 25a6a9601b4da8576214d0f27ce17d444243d2f7):
// protos/service_mesh_performance.proto, protos/service_mesh.proto and
// protos/metadata.proto (package smp). No Go module with the generated
// types is served by the Go module proxy (github.com/layer5io/
// service-mesh-performance and github.com/service-mesh-performance/
// service-mesh-performance both answer 403), so the test builds the
// descriptors itself and decodes with protojson, which then checks what a
// generated type would: field names (json_name or the proto name), enum
// value names, int32 ranges, int64 as numbers or strings, Timestamps as
// RFC 3339, nested messages as objects and repeated fields as arrays, and
// rejects unknown fields.
//
// Field spellings: "string", "bool", "int32", "int64", "double",
// "map" (map<string,string>), "enum:NAME" and "msg:NAME" (NAME fully
// qualified), with a leading "[]" for repeated.
var smpSchema = []schemaMsg{
	{name: "ServiceMesh", enums: []schemaEnum{{"Type", []string{"INVALID_MESH", "APP_MESH", "CONSUL", "ISTIO", "KUMA", "LINKERD",
		"TRAEFIK_MESH", "OCTARINE", "NETWORK_SERVICE_MESH", "TANZU", "OPEN_SERVICE_MESH", "NGINX_SERVICE_MESH", "CILIUM_SERVICE_MESH"}}},
		fields: []string{"type enum:.smp.ServiceMesh.Type", "version string", "labels map", "annotations map"}},
	{name: "ApplicationMetadata", enums: []schemaEnum{{"ApplicationProtocol", []string{"PROTOCOL_INVALID", "PROTOCOL_HTTP", "PROTOCOL_HTTPS"}}},
		fields: []string{"application_name string", "application_version string", "helmchart_name string", "helmchart_version string",
			"cnabspec_version string", "compose_version string", "cluster_name string", "k8s_version_supported string",
			"application_protocol enum:.smp.ApplicationMetadata.ApplicationProtocol"}},
	{name: "TrafficMetadata", fields: []string{"load_balance_name string", "load_balance_ip string", "host_endpoint string",
		"prometheus_url string", "http_headers string", "user_agent string", "ping_health_endpoint string"}},
	{name: "PerformanceTestConfig",
		nested: []schemaMsg{{name: "Client",
			enums: []schemaEnum{{"Protocol", []string{"PROTOCOL_INVALID", "PROTOCOL_HTTP", "PROTOCOL_TCP", "PROTOCOL_UDP", "PROTOCOL_GRPC"}}},
			fields: []string{"internal bool", "load_generator string", "protocol enum:.smp.PerformanceTestConfig.Client.Protocol",
				"connections int32", "rps int64", "headers map", "cookies map", "body string", "content_type string",
				"endpoint_urls []string", "ssl_certificate string", "additional_options string"}}},
		fields: []string{"smp_version string", "id string", "name string", "labels map", "clients []msg:.smp.PerformanceTestConfig.Client",
			"duration string"}},
	{name: "PerformanceTestResult",
		nested: []schemaMsg{
			{name: "Latency", fields: []string{"min double", "average double", "p50 double", "p90 double", "p99 double", "max double"}},
			{name: "CPU", fields: []string{"cpu_mcores int32", "user double", "nice double", "system double", "idle double", "iowait double",
				"hardware_interrupt double", "software_interrupt double", "steal double"}},
			{name: "Memory", fields: []string{"mem_total_mb double", "mem_free_mb double", "mem_used_mb double"}},
			{name: "Swap", fields: []string{"swap_total_mb double", "swap_free_mb double", "swap_used_mb double"}},
		},
		fields: []string{"smp_version string", "id string", "labels map", "start_time msg:.google.protobuf.Timestamp",
			"end_time msg:.google.protobuf.Timestamp", "latencies_ms msg:.smp.PerformanceTestResult.Latency", "actual_qps double",
			"details_uri string", "test_id string", "mesh_config_id string", "env_id string"}},
	{name: "ServiceMeshConfig",
		nested: []schemaMsg{
			{name: "IngressGateway", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "rps int32", "bps int32"}},
			{name: "EgressGateway", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "rps int32", "bps int32"}},
			{name: "Sidecar", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "rps int32", "bps int32"}},
			{name: "MeshTelemetry", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "rps int32"}},
			{name: "MeshPolicy", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "rps int32", "cache_hit_rate int32"}},
			{name: "MeshControlPlane", fields: []string{"count int32", "cpu_mcores int32", "mem_mb int32", "endpoints int32", "services int32",
				"sidecars int32", "virtual_services int32", "destination_rules int32", "lds_latency_ms int32", "cds_latency_ms int32"}},
		},
		fields: []string{"smp_version string", "id string", "labels map", "ingress_gateway msg:.smp.ServiceMeshConfig.IngressGateway",
			"sidecar msg:.smp.ServiceMeshConfig.Sidecar", "mesh_telemetry msg:.smp.ServiceMeshConfig.MeshTelemetry",
			"mesh_policy msg:.smp.ServiceMeshConfig.MeshPolicy", "mesh_control_plane msg:.smp.ServiceMeshConfig.MeshControlPlane",
			"mesh_policy_enabled bool", "mesh_telemetry_enabled bool", "mtls_enabled bool", "proxy_concurrency int32",
			"mesh_build string", "proxy_build string", "exp_group_uuid string", "exp_uuid string", "profile string",
			"mesh_type msg:.smp.ServiceMesh", "application_metadata msg:.smp.ApplicationMetadata"}},
	{name: "EnvironmentConfig",
		nested: []schemaMsg{
			{name: "Node", fields: []string{"type string", "cores int32", "mem_mb int64"}},
			{name: "IndividualWorkload", fields: []string{"name string", "count int32", "cpu_mcores int32", "mem_mb int32"}},
		},
		fields: []string{"smp_version string", "id string", "labels map", "kubernetes_version string",
			"nodes []msg:.smp.EnvironmentConfig.Node", "individual_workloads []msg:.smp.EnvironmentConfig.IndividualWorkload",
			"traffic_metadata msg:.smp.TrafficMetadata"}},
}

type schemaMsg struct {
	name   string
	fields []string // "name type", numbered from 1 in order, as in the protos
	nested []schemaMsg
	enums  []schemaEnum
}

type schemaEnum struct {
	name   string
	values []string // numbered from 0 in order, as in the protos
}

func (m schemaMsg) descriptor() *descriptorpb.DescriptorProto {
	d := &descriptorpb.DescriptorProto{Name: proto.String(m.name)}
	for _, n := range m.nested {
		d.NestedType = append(d.NestedType, n.descriptor())
	}
	for _, e := range m.enums {
		ed := &descriptorpb.EnumDescriptorProto{Name: proto.String(e.name)}
		for i, v := range e.values {
			ed.Value = append(ed.Value, &descriptorpb.EnumValueDescriptorProto{Name: proto.String(v), Number: proto.Int32(int32(i))})
		}
		d.EnumType = append(d.EnumType, ed)
	}
	scalars := map[string]descriptorpb.FieldDescriptorProto_Type{
		"string": descriptorpb.FieldDescriptorProto_TYPE_STRING, "bool": descriptorpb.FieldDescriptorProto_TYPE_BOOL,
		"int32": descriptorpb.FieldDescriptorProto_TYPE_INT32, "int64": descriptorpb.FieldDescriptorProto_TYPE_INT64,
		"double": descriptorpb.FieldDescriptorProto_TYPE_DOUBLE,
	}
	for i, f := range m.fields {
		name, typ, _ := strings.Cut(f, " ")
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(int32(i + 1)),
			JsonName: proto.String(lowerCamel(name)), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
		if t, ok := strings.CutPrefix(typ, "[]"); ok {
			typ, fd.Label = t, descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}
		switch {
		case typ == "map":
			entry := lowerCamel("x_" + name)[1:] + "Entry" // labels -> LabelsEntry
			d.NestedType = append(d.NestedType, &descriptorpb.DescriptorProto{Name: proto.String(entry),
				Field: []*descriptorpb.FieldDescriptorProto{
					{Name: proto.String("key"), Number: proto.Int32(1), JsonName: proto.String("key"), Type: scalars["string"].Enum(),
						Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
					{Name: proto.String("value"), Number: proto.Int32(2), JsonName: proto.String("value"), Type: scalars["string"].Enum(),
						Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				},
				Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)}})
			fd.Label, fd.Type, fd.TypeName = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(),
				descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), proto.String(entry)
		case strings.HasPrefix(typ, "enum:"):
			fd.Type, fd.TypeName = descriptorpb.FieldDescriptorProto_TYPE_ENUM.Enum(), proto.String(typ[len("enum:"):])
		case strings.HasPrefix(typ, "msg:"):
			fd.Type, fd.TypeName = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(), proto.String(typ[len("msg:"):])
		default:
			t, ok := scalars[typ]
			if !ok {
				panic("schema: unknown type " + typ)
			}
			fd.Type = t.Enum()
		}
		d.Field = append(d.Field, fd)
	}
	// Map entry type names are relative; protodesc resolves them in d.
	return d
}

// lowerCamel is protoc's json_name: underscores dropped, the letter after
// one upper-cased.
func lowerCamel(s string) string {
	var b strings.Builder
	up := false
	for _, c := range s {
		switch {
		case c == '_':
			up = true
		case up && c >= 'a' && c <= 'z':
			b.WriteRune(c - 32)
			up = false
		default:
			b.WriteRune(c)
			up = false
		}
	}
	return b.String()
}

// smpFiles builds the schema's descriptors once per test.
func smpFiles(t testing.TB) *protoregistry.Files {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{Name: proto.String("smp_schema_test.proto"), Package: proto.String("smp"),
		Syntax: proto.String("proto3"), Dependency: []string{"google/protobuf/timestamp.proto"}}
	for _, m := range smpSchema {
		fdp.MessageType = append(fdp.MessageType, m.descriptor())
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	files := new(protoregistry.Files)
	if err := files.RegisterFile(fd); err != nil {
		t.Fatal(err)
	}
	return files
}

// strictSMP decodes data, a Document as Write writes it, strictly: the
// envelope must hold exactly smp's keys, and each member must decode into
// its SMP message with protojson, unknown fields rejected. It returns the
// decoded messages by path ("test", "environment", "results[1].mesh").
func strictSMP(files *protoregistry.Files, data []byte) (map[string]*dynamicpb.Message, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	if err := onlyKeys(env, "test", "environment", "results"); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	out := map[string]*dynamicpb.Message{}
	decode := func(path, message string, raw json.RawMessage) error {
		d, err := files.FindDescriptorByName(protoreflect.FullName("smp." + message))
		if err != nil {
			return err
		}
		m := dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
		if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(raw, m); err != nil {
			return fmt.Errorf("%s as smp.%s: %w", path, message, err)
		}
		out[path] = m
		return nil
	}
	if err := decode("test", "PerformanceTestConfig", env["test"]); err != nil {
		return nil, err
	}
	if err := decode("environment", "EnvironmentConfig", env["environment"]); err != nil {
		return nil, err
	}
	var results []map[string]json.RawMessage
	if err := json.Unmarshal(env["results"], &results); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	for i, r := range results {
		p := fmt.Sprintf("results[%d]", i)
		if err := onlyKeys(r, "mesh", "result"); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := decode(p+".mesh", "ServiceMeshConfig", r["mesh"]); err != nil {
			return nil, err
		}
		if err := decode(p+".result", "PerformanceTestResult", r["result"]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func onlyKeys(m map[string]json.RawMessage, keys ...string) error {
	for k := range m {
		if !strings.Contains(" "+strings.Join(keys, " ")+" ", " "+k+" ") {
			return fmt.Errorf("unknown key %q (expected %s)", k, strings.Join(keys, ", "))
		}
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("key %q missing", k)
		}
	}
	return nil
}

// get reads the field at a dotted path of m ("mesh_type.type"), by proto
// name.
func get(m protoreflect.Message, path string) protoreflect.Value {
	names := strings.Split(path, ".")
	for _, n := range names[:len(names)-1] {
		m = m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(n))).Message()
	}
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(names[len(names)-1]))
	if fd == nil {
		panic("no field " + path)
	}
	return m.Get(fd)
}

func enumName(m protoreflect.Message, path string) string {
	names := strings.Split(path, ".")
	mm := m
	for _, n := range names[:len(names)-1] {
		mm = mm.Get(mm.Descriptor().Fields().ByName(protoreflect.Name(n))).Message()
	}
	fd := mm.Descriptor().Fields().ByName(protoreflect.Name(names[len(names)-1]))
	return string(fd.Enum().Values().ByNumber(get(m, path).Enum()).Name())
}
