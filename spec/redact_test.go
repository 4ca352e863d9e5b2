package spec

import (
	"reflect"
	"testing"
	"time"
)

// TestRedacted checks that secret header values (any case) and URL
// passwords are replaced in the copy and untouched in the original.
func TestRedacted(t *testing.T) {
	orig := Default()
	orig.Workload = Workload{URL: "http://user:pa55@example.com/x"}
	orig.Load.Request.Headers = map[string]string{
		"authorization":       "Bearer abc",
		"Proxy-Authorization": "Basic xyz",
		"COOKIE":              "session=1",
		"X-Trace":             "keep",
	}
	orig.Metadata.Labels = map[string]string{"a": "b"}
	orig.Metrics.Buckets = []Duration{Duration(time.Millisecond)}
	before := orig.Clone()

	got := orig.Redacted()
	wantHeaders := map[string]string{
		"authorization":       "REDACTED",
		"Proxy-Authorization": "REDACTED",
		"COOKIE":              "REDACTED",
		"X-Trace":             "keep",
	}
	if !reflect.DeepEqual(got.Load.Request.Headers, wantHeaders) {
		t.Errorf("headers = %v, want %v", got.Load.Request.Headers, wantHeaders)
	}
	if got.Workload.URL != "http://user:REDACTED@example.com/x" {
		t.Errorf("url = %q", got.Workload.URL)
	}
	if !reflect.DeepEqual(orig, before) {
		t.Errorf("Redacted changed the original:\n%s", mustJSON(t, orig))
	}
	// The copy shares nothing: changing it leaves the original alone.
	got.Metadata.Labels["a"] = "changed"
	got.Meshes[0].Name = "changed"
	got.Metrics.Buckets[0] = 0
	if !reflect.DeepEqual(orig, before) {
		t.Error("Redacted's copy shares maps or slices with the original")
	}
}

// TestRedactedNothingSecret checks that a test without secrets comes back
// equal, and that a URL without a password is left as written.
func TestRedactedNothingSecret(t *testing.T) {
	orig := Default()
	orig.Workload = Workload{URL: "http://token@example.com/%7Ex"}
	if got := orig.Redacted(); !reflect.DeepEqual(got, orig) {
		t.Errorf("got\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, orig))
	}
}

// TestRedactedKubernetes checks the Prometheus URL's password, and that
// the copy shares none of the platform settings' pointers.
func TestRedactedKubernetes(t *testing.T) {
	orig := Default()
	orig.Environment.Platform = PlatformKubernetes
	orig.Environment.Kubernetes = &Kubernetes{Image: "smp:dev", Prometheus: &Prometheus{URL: "https://admin:s3cret@prom.example:9090"}}
	orig.Workload.Resources = &Resources{Requests: ResourceList{CPU: "100m"}}
	before := orig.Clone()
	got := orig.Redacted()
	if u := got.Environment.Kubernetes.Prometheus.URL; u != "https://admin:REDACTED@prom.example:9090" {
		t.Errorf("prometheus url = %q", u)
	}
	got.Environment.Kubernetes.Image = "changed"
	got.Workload.Resources.Requests.CPU = "1"
	if !reflect.DeepEqual(orig, before) {
		t.Errorf("Redacted changed or shares the original's settings:\n%s", mustJSON(t, orig))
	}
}
