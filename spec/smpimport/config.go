package smpimport

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is an SMP PerformanceTestConfig (protos/service_mesh_performance.proto
// of the Service Mesh Performance project), as far as smp reads it.
type Config struct {
	SMPVersion string
	ID         string
	Name       string
	Labels     map[string]string
	Clients    []Client
	Duration   string
	// Unknown are top-level keys the message does not have, in input order.
	Unknown []string
}

// Client is one PerformanceTestConfig.Client: a load generator.
type Client struct {
	Internal          bool
	LoadGenerator     string
	Protocol          Protocol
	Connections       int64
	RPS               int64
	Headers           map[string]string
	Cookies           map[string]string
	Body              string
	ContentType       string
	EndpointURLs      []string
	SSLCertificate    string
	AdditionalOptions string
	// Unknown are keys the message does not have, in input order.
	Unknown []string
}

// Protocol is PerformanceTestConfig.Client.Protocol.
type Protocol int

// The values of PerformanceTestConfig.Client.Protocol.
const (
	ProtocolInvalid Protocol = 0
	ProtocolHTTP    Protocol = 1
	ProtocolTCP     Protocol = 2
	ProtocolUDP     Protocol = 3
	ProtocolGRPC    Protocol = 4
)

var protocolNames = []string{"PROTOCOL_INVALID", "PROTOCOL_HTTP", "PROTOCOL_TCP", "PROTOCOL_UDP", "PROTOCOL_GRPC"}

// String is the enum name, such as "PROTOCOL_HTTP".
func (p Protocol) String() string {
	if p >= 0 && int(p) < len(protocolNames) {
		return protocolNames[p]
	}
	return strconv.Itoa(int(p))
}

const expProtocol = "PROTOCOL_HTTP, PROTOCOL_TCP, PROTOCOL_UDP or PROTOCOL_GRPC (or HTTP, TCP, UDP, GRPC, or the numbers 1 to 4)"

// Error is a problem with the input: the field (in the input's own
// spelling, snake_case, with list indexes), the value found and what was
// expected. It wraps ErrInvalid.
type Error struct {
	Field, Value, Expected string
}

// ErrInvalid is wrapped by every Error.
var ErrInvalid = errors.New("invalid SMP performance test configuration")

func (e *Error) Error() string {
	return fmt.Sprintf("%s: got %s, expected %s", e.Field, e.Value, e.Expected)
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// snake turns the lowerCamel JSON names of protobuf's JSON mapping
// ("loadGenerator") into the proto field names ("load_generator"); both
// spellings are accepted.
func snake(k string) string {
	var b strings.Builder
	for _, r := range k {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decode reads a PerformanceTestConfig from YAML or JSON (JSON is read as
// YAML). Field names may be the proto's (snake_case) or protobuf JSON's
// (lowerCamel). Unknown keys are recorded, not rejected; values of the
// wrong type are an *Error. It never panics.
func Decode(data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Field: "(document)", Value: strconv.Quote(firstLine(err.Error())), Expected: "YAML or JSON"}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Field: "(document)", Value: "nothing", Expected: "a PerformanceTestConfig mapping"}
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Field: "(document)", Value: describe(root), Expected: "a PerformanceTestConfig mapping"}
	}
	var c Config
	err := fields("", root, func(k, key, f string, v *yaml.Node) (err error) {
		switch k {
		case "smp_version":
			c.SMPVersion, err = str(f, v)
		case "id":
			c.ID, err = str(f, v)
		case "name":
			c.Name, err = str(f, v)
		case "labels":
			c.Labels, err = strMap(f, v)
		case "duration":
			c.Duration, err = str(f, v)
		case "clients":
			c.Clients, err = list(f, v, "a list of clients", client)
		default:
			c.Unknown = append(c.Unknown, key)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// fields calls each for every key of mapping n (field names it in
// errors; "" at the top): k is the key in proto spelling, f the field's
// name for errors. A key given twice, in either spelling, is an error.
func fields(field string, n *yaml.Node, each func(k, key, f string, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, resolve(n.Content[i+1])
		k, f, fk := snake(key), snake(key), key
		if field != "" {
			f, fk = field+"."+k, field+"."+key
		}
		if seen[k] {
			return &Error{Field: fk, Value: "a second " + strconv.Quote(key), Expected: "each field once"}
		}
		seen[k] = true
		if err := each(k, key, f, v); err != nil {
			return err
		}
	}
	return nil
}

// list reads a sequence, each element with item; what names the list in
// errors ("a list of strings").
func list[T any](field string, n *yaml.Node, what string, item func(string, *yaml.Node) (T, error)) ([]T, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, &Error{Field: field, Value: describe(n), Expected: what}
	}
	out := make([]T, 0, len(n.Content))
	for i, e := range n.Content {
		v, err := item(fmt.Sprintf("%s[%d]", field, i), resolve(e))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func client(field string, n *yaml.Node) (Client, error) {
	var c Client
	if n.Kind != yaml.MappingNode {
		return c, &Error{Field: field, Value: describe(n), Expected: "a client mapping"}
	}
	err := fields(field, n, func(k, key, f string, v *yaml.Node) (err error) {
		switch k {
		case "internal":
			c.Internal, err = boolean(f, v)
		case "load_generator":
			c.LoadGenerator, err = str(f, v)
		case "protocol":
			c.Protocol, err = protocol(f, v)
		case "connections":
			c.Connections, err = integer(f, v, math.MinInt32, math.MaxInt32)
		case "rps":
			c.RPS, err = integer(f, v, math.MinInt64, math.MaxInt64)
		case "headers":
			c.Headers, err = strMap(f, v)
		case "cookies":
			c.Cookies, err = strMap(f, v)
		case "body":
			c.Body, err = str(f, v)
		case "content_type":
			c.ContentType, err = str(f, v)
		case "endpoint_urls":
			c.EndpointURLs, err = list(f, v, "a list of strings", str)
		case "ssl_certificate":
			c.SSLCertificate, err = str(f, v)
		case "additional_options":
			c.AdditionalOptions, err = str(f, v)
		default:
			c.Unknown = append(c.Unknown, key)
		}
		return err
	})
	return c, err
}

// resolve follows aliases (with a bound, against alias loops).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	if n == nil || n.Kind == yaml.AliasNode {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.DocumentNode:
		return "a document"
	}
	if isNull(n) {
		return "null"
	}
	return strconv.Quote(n.Value)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func str(field string, n *yaml.Node) (string, error) {
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", &Error{Field: field, Value: describe(n), Expected: "a string"}
	}
	return n.Value, nil
}

func boolean(field string, n *yaml.Node) (bool, error) {
	if isNull(n) {
		return false, nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		return false, &Error{Field: field, Value: describe(n), Expected: "true or false"}
	}
	return b, nil
}

// integer reads a whole number, written plainly or as a string (protobuf
// JSON writes 64-bit integers as strings), within [lo, hi].
func integer(field string, n *yaml.Node, lo, hi int64) (int64, error) {
	if isNull(n) {
		return 0, nil
	}
	exp := fmt.Sprintf("a whole number from %d to %d", lo, hi)
	if n.Kind != yaml.ScalarNode {
		return 0, &Error{Field: field, Value: describe(n), Expected: exp}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(n.Value), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, &Error{Field: field, Value: strconv.Quote(n.Value), Expected: exp}
	}
	return v, nil
}

func protocol(field string, n *yaml.Node) (Protocol, error) {
	if isNull(n) {
		return ProtocolInvalid, nil
	}
	if n.Kind == yaml.ScalarNode {
		s := strings.ToUpper(strings.TrimSpace(n.Value))
		if v, err := strconv.Atoi(s); err == nil && v >= 0 && v < len(protocolNames) {
			return Protocol(v), nil
		}
		if i := slices.Index(protocolNames, s); i >= 0 {
			return Protocol(i), nil
		}
		if i := slices.Index(protocolNames, "PROTOCOL_"+s); i > 0 {
			return Protocol(i), nil
		}
	}
	return 0, &Error{Field: field, Value: describe(n), Expected: expProtocol}
}

func strMap(field string, n *yaml.Node) (map[string]string, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, &Error{Field: field, Value: describe(n), Expected: "a mapping of strings to strings"}
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		f := field + "[" + strconv.Quote(k.Value) + "]"
		if k.Kind != yaml.ScalarNode {
			return nil, &Error{Field: field, Value: "a key that is " + describe(k), Expected: "string keys"}
		}
		if _, dup := m[k.Value]; dup {
			return nil, &Error{Field: f, Value: "a second " + strconv.Quote(k.Value), Expected: "each key once"}
		}
		s, err := str(f, v)
		if err != nil {
			return nil, err
		}
		m[k.Value] = s
	}
	return m, nil
}
