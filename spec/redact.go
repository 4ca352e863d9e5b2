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
	c.Meshes = slices.Clone(t.Meshes)
	c.Metrics.Percentiles = slices.Clone(t.Metrics.Percentiles)
	c.Metrics.Buckets = slices.Clone(t.Metrics.Buckets)
	c.SLO = slices.Clone(t.SLO)
	c.Environment.Labels = maps.Clone(t.Environment.Labels)
	return &c
}

// Redacted returns a deep copy of t that is safe to write into a report:
// the values of the Authorization, Proxy-Authorization and Cookie request
// headers (in any case) and the password of the workload URL read
// "REDACTED". t is not changed.
func (t *Test) Redacted() *Test {
	c := t.Clone()
	for name := range c.Load.Request.Headers {
		if isSecretHeader(name) {
			c.Load.Request.Headers[name] = redactedValue
		}
	}
	if u, err := url.Parse(c.Workload.URL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), redactedValue)
			c.Workload.URL = u.String()
		}
	}
	return c
}

func isSecretHeader(name string) bool {
	return strings.EqualFold(name, "Authorization") ||
		strings.EqualFold(name, "Proxy-Authorization") ||
		strings.EqualFold(name, "Cookie")
}
