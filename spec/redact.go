package spec

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// redactedValue replaces a secret in Test.Redacted.
const redactedValue = "REDACTED"

// Clone returns a deep copy of t: no map or slice is shared with it.
func (t *Test) Clone() *Test {
	c := *t
	c.Metadata.Labels = maps.Clone(t.Metadata.Labels)
	c.Load.Request.Headers = maps.Clone(t.Load.Request.Headers)
	c.Load.Arrival.Steps = slices.Clone(t.Load.Arrival.Steps)
	c.Load.Requests = slices.Clone(t.Load.Requests)
	for i := range c.Load.Requests {
		r := &c.Load.Requests[i]
		r.Headers = maps.Clone(r.Headers)
		if r.BodySizeDist != nil {
			d := *r.BodySizeDist
			r.BodySizeDist = &d
		}
	}
	c.Meshes = slices.Clone(t.Meshes)
	c.Metrics.Percentiles = slices.Clone(t.Metrics.Percentiles)
	c.Metrics.Buckets = slices.Clone(t.Metrics.Buckets)
	c.SLO = slices.Clone(t.SLO)
	c.Environment.Labels = maps.Clone(t.Environment.Labels)
	if r := t.Workload.Resources; r != nil {
		cr := *r
		c.Workload.Resources = &cr
	}
	if p := t.Environment.Placement; p != nil {
		cp := *p
		c.Environment.Placement = &cp
	}
	if k := t.Environment.Kubernetes; k != nil {
		ck := *k
		if k.Prometheus != nil {
			pr := *k.Prometheus
			ck.Prometheus = &pr
		}
		c.Environment.Kubernetes = &ck
	}
	return &c
}

// Redacted returns a deep copy of t that is safe to write into a report:
// the values of the Authorization, Proxy-Authorization and Cookie request
// headers (in any case; in load.request and in every load.requests entry)
// and the passwords of the workload URL and of the Prometheus URL read
// "REDACTED". t is not changed.
func (t *Test) Redacted() *Test {
	c := t.Clone()
	redactHeaders(c.Load.Request.Headers)
	for i := range c.Load.Requests {
		redactHeaders(c.Load.Requests[i].Headers)
	}
	redactURL(&c.Workload.URL)
	if k := c.Environment.Kubernetes; k != nil && k.Prometheus != nil {
		redactURL(&k.Prometheus.URL)
	}
	return c
}

// redactURL replaces the password of the URL at *s.
func redactURL(s *string) {
	if u, err := url.Parse(*s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redactedValue)
			*s = u.String()
		}
	}
}

// redactHeaders replaces the values of secret headers in h.
func redactHeaders(h map[string]string) {
	for name := range h {
		if isSecretHeader(name) {
			h[name] = redactedValue
		}
	}
}

func isSecretHeader(name string) bool {
	return strings.EqualFold(name, "Authorization") ||
		strings.EqualFold(name, "Proxy-Authorization") ||
		strings.EqualFold(name, "Cookie")
}
