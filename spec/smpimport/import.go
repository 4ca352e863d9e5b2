package smpimport

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/spec"
)

// Result is an imported spec: its YAML (header comment included), the
// parsed test, and a note for every input field that was not mapped or
// whose value was changed.
type Result struct {
	YAML  []byte
	Test  *spec.Test
	Notes []string
}

// maxNameLen and the name pattern are those of spec's metadata.name.
const maxNameLen = 63

var nameBad = regexp.MustCompile(`[^a-z0-9_.-]+`)

// Import converts a PerformanceTestConfig (YAML or JSON) into an smp spec.
// Bad input is an *Error; a conversion that smp's own validation rejects
// (a header name smp refuses, say) is an error wrapping both ErrInvalid
// and spec.ErrInvalid. It never panics.
func Import(data []byte) (*Result, error) {
	c, err := Decode(data)
	if err != nil {
		return nil, err
	}
	return Convert(c)
}

// out is the written spec: only the fields the import sets, in the order
// docs/spec.md shows them.
type out struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   outMeta   `yaml:"metadata"`
	Workload   outWork   `yaml:"workload"`
	Load       outLoad   `yaml:"load"`
	Meshes     []outMesh `yaml:"meshes"`
}

type outMeta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels,omitempty"`
}

type outWork struct {
	App string `yaml:"app,omitempty"`
	URL string `yaml:"url,omitempty"`
}

type outLoad struct {
	Generator   string      `yaml:"generator,omitempty"`
	Protocol    string      `yaml:"protocol"`
	Connections int64       `yaml:"connections,omitempty"`
	Rate        int64       `yaml:"rate"`
	Duration    string      `yaml:"duration,omitempty"`
	Warmup      string      `yaml:"warmup,omitempty"`
	Request     *outRequest `yaml:"request,omitempty"`
}

type outRequest struct {
	Method  string            `yaml:"method,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Body    string            `yaml:"body,omitempty"`
}

type outMesh struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

// Convert maps a decoded PerformanceTestConfig onto an smp spec; see the
// package documentation for the mapping.
func Convert(c *Config) (*Result, error) {
	var notes []string
	note := func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }
	o := out{
		APIVersion: spec.APIVersion,
		Kind:       spec.KindTest,
		Meshes:     []outMesh{{Name: "baseline", Type: spec.MeshNone}},
	}

	if c.SMPVersion != "" {
		note("smp_version %s: not kept", strconv.Quote(c.SMPVersion))
	}
	if c.ID != "" {
		note("id %s: not kept (smp names runs itself)", strconv.Quote(c.ID))
	}
	o.Metadata.Name = sanitize(c.Name)
	if o.Metadata.Name != c.Name {
		note("name %s: written as metadata.name %q (lower case, digits, - _ .; at most %d characters)", strconv.Quote(c.Name), o.Metadata.Name, maxNameLen)
	}
	if len(c.Labels) > 0 {
		o.Metadata.Labels = c.Labels
	}

	if c.Duration == "" {
		note("duration: not given; smp's default (10s) is used")
	} else {
		d, err := spec.ParseDuration(strings.TrimSpace(c.Duration))
		if err != nil || d <= 0 {
			return nil, &Error{Field: "duration", Value: strconv.Quote(c.Duration), Expected: "a duration above 0 such as 30s, 1m or 1h30m"}
		}
		o.Load.Duration = d.String()
		if d.D() <= time.Second {
			o.Load.Warmup = "0s"
			note("duration %s: load.warmup set to 0s (smp's default warmup, 1s, must be shorter than the run)", strconv.Quote(c.Duration))
		}
	}

	for _, k := range c.Unknown {
		note("%s: not a PerformanceTestConfig field; not mapped (meshes and services are chosen in the smp spec: meshes, workload)", strconv.Quote(k))
	}

	if len(c.Clients) == 0 {
		note("clients: none; the spec targets smp's built-in echo target with smp's default load")
		o.Workload.App = spec.AppBuiltin
		o.Load.Protocol = spec.ProtocolHTTP1
		o.Load.Rate = 1000
		return finish(&o, notes)
	}

	var conns, rps int64
	for i, cl := range c.Clients {
		f := fmt.Sprintf("clients[%d]", i)
		if cl.Connections < 0 {
			return nil, &Error{Field: f + ".connections", Value: strconv.FormatInt(cl.Connections, 10), Expected: "0 or more (0: smp's default, 8)"}
		}
		if cl.RPS < 0 {
			return nil, &Error{Field: f + ".rps", Value: strconv.FormatInt(cl.RPS, 10), Expected: "0 (as fast as possible) or more"}
		}
		if cl.Protocol == ProtocolUDP {
			return nil, &Error{Field: f + ".protocol", Value: cl.Protocol.String(), Expected: "PROTOCOL_HTTP, PROTOCOL_TCP or PROTOCOL_GRPC (smp drives no UDP load)"}
		}
		if conns > maxSum-cl.Connections || rps > maxSum-cl.RPS {
			return nil, &Error{Field: f, Value: "connections or rps that overflow their sum", Expected: "smaller numbers"}
		}
		conns += cl.Connections
		rps += cl.RPS
		clientNotes(f, cl, note)
		if i > 0 {
			if cl.Protocol != c.Clients[0].Protocol {
				note("%s.protocol %s: differs from clients[0]'s; clients[0]'s is used", f, cl.Protocol)
			}
			if !slices.Equal(cl.EndpointURLs, c.Clients[0].EndpointURLs) {
				note("%s.endpoint_urls: differ from clients[0]'s; only clients[0]'s first URL is used", f)
			}
			if len(cl.Headers) > 0 || cl.Body != "" || cl.ContentType != "" {
				note("%s: headers, body and content_type are taken from clients[0] only", f)
			}
		}
	}
	if len(c.Clients) > 1 {
		note("clients: %d clients; their connections (%d) and rps (%d) are summed into load (smp's load.clients splits load across pods on platform kubernetes only)", len(c.Clients), conns, rps)
	}
	if conns > 0 {
		o.Load.Connections = conns
	} else {
		note("connections: 0 or not given; smp's default (8) is used")
	}
	o.Load.Rate = rps

	first := c.Clients[0]
	if g := strings.ToLower(first.LoadGenerator); g != "" {
		if slices.Contains(loadgen.Names(), g) {
			o.Load.Generator = g
			note("clients[0].load_generator %s: load.generator %s (the tool must be installed; smp run --generator builtin runs smp's own engine instead)", strconv.Quote(first.LoadGenerator), g)
		} else {
			note("clients[0].load_generator %s: not mapped (smp drives %s); smp's own engine is used", strconv.Quote(first.LoadGenerator), strings.Join(loadgen.Names(), ", "))
		}
	}
	proto, err := mapProtocol(first.Protocol, note)
	if err != nil {
		return nil, err
	}
	o.Load.Protocol = proto
	if err := target(&o, first, note); err != nil {
		return nil, err
	}
	request(&o, first, note)
	return finish(&o, notes)
}

// maxSum bounds summed connections and rps, far above smp's own limits
// (which spec's validation reports) but below overflow.
const maxSum = 1 << 40

func clientNotes(f string, cl Client, note func(string, ...any)) {
	if g := strings.ToLower(cl.LoadGenerator); g != "" && f != "clients[0]" {
		note("%s.load_generator %s: not mapped; clients[0]'s generator drives the whole load", f, strconv.Quote(cl.LoadGenerator))
	}
	if cl.Internal {
		note("%s.internal true: not mapped (smp runs the generator in its own process, or as pods on platform kubernetes)", f)
	}
	if len(cl.Cookies) > 0 {
		note("%s.cookies (%d): not mapped; add a Cookie header under load.request.headers if the target needs them", f, len(cl.Cookies))
	}
	if cl.SSLCertificate != "" {
		note("%s.ssl_certificate: not mapped; set load.tls.caCert to a PEM file", f)
	}
	if cl.AdditionalOptions != "" {
		note("%s.additional_options %s: not mapped (generator-specific)", f, strconv.Quote(cl.AdditionalOptions))
	}
	for _, k := range cl.Unknown {
		note("%s.%s: not a PerformanceTestConfig.Client field; not mapped", f, strconv.Quote(k))
	}
}

func mapProtocol(p Protocol, note func(string, ...any)) (string, error) {
	switch p {
	case ProtocolHTTP:
		return spec.ProtocolHTTP1, nil
	case ProtocolTCP:
		return spec.ProtocolTCP, nil
	case ProtocolGRPC:
		return spec.ProtocolGRPC, nil
	case ProtocolInvalid:
		note("clients[0].protocol: not given (PROTOCOL_INVALID); http1 is used")
		return spec.ProtocolHTTP1, nil
	}
	return "", &Error{Field: "clients[0].protocol", Value: p.String(), Expected: expProtocol}
}

// target sets the workload from clients[0].endpoint_urls, fitting the URL's
// scheme to the protocol (smp reads tcp://, grpc:// and grpcs:// URLs).
func target(o *out, cl Client, note func(string, ...any)) error {
	if len(cl.EndpointURLs) == 0 || strings.TrimSpace(cl.EndpointURLs[0]) == "" {
		note("clients[0].endpoint_urls: none; the spec targets smp's built-in echo target")
		o.Workload.App = spec.AppBuiltin
		return nil
	}
	if len(cl.EndpointURLs) > 1 {
		note("clients[0].endpoint_urls: %d URLs; only the first is used (an smp spec has one target)", len(cl.EndpointURLs))
	}
	raw := strings.TrimSpace(cl.EndpointURLs[0])
	field := "clients[0].endpoint_urls[0]"
	if !strings.Contains(raw, "://") {
		note("%s %s: has no scheme; http:// assumed", field, strconv.Quote(raw))
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &Error{Field: field, Value: strconv.Quote(cl.EndpointURLs[0]), Expected: "a URL such as http://host:8080/path"}
	}
	scheme := map[string]map[string]string{
		spec.ProtocolTCP:  {"http": "tcp", "https": "tcp"},
		spec.ProtocolGRPC: {"http": "grpc", "https": "grpcs"},
	}[o.Load.Protocol][u.Scheme]
	if scheme != "" {
		note("%s %s: written as %s://%s (protocol %s takes host:port only)", field, strconv.Quote(raw), scheme, u.Host, o.Load.Protocol)
		u = &url.URL{Scheme: scheme, Host: u.Host}
	}
	o.Workload.URL = u.String()
	return nil
}

// request sets load.request from the headers, body and content type
// (HTTP only: tcp and grpc requests carry none).
func request(o *out, cl Client, note func(string, ...any)) {
	if o.Load.Protocol != spec.ProtocolHTTP1 {
		if len(cl.Headers) > 0 || cl.Body != "" || cl.ContentType != "" {
			note("clients[0] headers, body, content_type: not mapped (protocol %s sends none)", o.Load.Protocol)
		}
		return
	}
	r := &outRequest{}
	if len(cl.Headers) > 0 {
		r.Headers = map[string]string{}
		for k, v := range cl.Headers {
			r.Headers[k] = v
		}
	}
	if cl.ContentType != "" {
		if r.Headers == nil {
			r.Headers = map[string]string{}
		}
		for k := range r.Headers {
			if strings.EqualFold(k, "Content-Type") {
				note("clients[0].headers[%q]: replaced by content_type %s", k, strconv.Quote(cl.ContentType))
				delete(r.Headers, k)
			}
		}
		r.Headers["Content-Type"] = cl.ContentType
	}
	if cl.Body != "" {
		r.Body = cl.Body
		r.Method = "POST"
		note("clients[0].body: sent with method POST (as Meshery's generators do when a body is given)")
	}
	if r.Headers != nil || r.Body != "" {
		o.Load.Request = r
	}
}

// sanitize fits name to smp's metadata.name pattern.
func sanitize(name string) string {
	s := nameBad.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-")
	if len(s) > maxNameLen {
		s = s[:maxNameLen]
	}
	s = strings.TrimFunc(s, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') })
	if s == "" {
		return "imported"
	}
	return s
}

// finish writes the YAML with its header comment and checks it with
// spec.Parse.
func finish(o *out, notes []string) (*Result, error) {
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(o); err != nil {
		return nil, fmt.Errorf("writing the spec: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("writing the spec: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("# Imported from an SMP PerformanceTestConfig by smp spec import.\n")
	if len(notes) > 0 {
		b.WriteString("# Not mapped, or changed:\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "#   - %s\n", n)
		}
	}
	b.WriteString("# Meshes: only the no-mesh baseline is listed; add the meshes to compare under meshes\n")
	b.WriteString("# (see docs/spec.md).\n")
	b.Write(body.Bytes())
	t, err := spec.Parse(b.Bytes(), "imported.yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: the converted spec does not validate: %w", ErrInvalid, err)
	}
	return &Result{YAML: b.Bytes(), Test: t, Notes: notes}, nil
}
