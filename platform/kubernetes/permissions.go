package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Permission is one verb on one resource smp needs. Namespaced resources
// are needed in every namespace: smp creates its namespaces as it runs,
// so their names are not known beforehand.
type Permission struct {
	Group    string // "" is the core group
	Resource string
	Verb     string
}

func (p Permission) String() string {
	g := p.Group
	if g == "" {
		g = "core"
	}
	return fmt.Sprintf("%s %s (%s) in all namespaces", p.Verb, p.Resource, g)
}

// Permissions is every permission smp needs, the one list that preflight
// checks and deploy/rbac.yaml grants (a test holds them together).
func Permissions() []Permission {
	var ps []Permission
	add := func(group, resource string, verbs ...string) {
		for _, v := range verbs {
			ps = append(ps, Permission{Group: group, Resource: resource, Verb: v})
		}
	}
	// The namespaces of a run: created, watched until gone, listed by
	// smp cleanup.
	add("", "namespaces", "create", "get", "list", "delete")
	// The sample app, its sidecar configuration and mTLS certificates;
	// with proxyless Istio, a Service created and deleted to time
	// configuration propagation.
	add("", "services", "create", "get", "delete")
	add("", "configmaps", "create", "delete", "get")
	add("", "secrets", "create")
	add("apps", "deployments", "create", "get", "list")
	// Rollout: pods watched until ready; their events explain a failure.
	add("", "pods", "get", "list", "watch")
	add("", "events", "list")
	// Mesh detection: control planes are Deployments (listed above) or,
	// for Cilium, a DaemonSet.
	add("apps", "daemonsets", "get")
	// The load: an indexed Job of client pods, their results read from
	// their logs; the proxies' own metrics read through the pod proxy.
	add("batch", "jobs", "create", "get", "delete")
	add("", "pods/log", "get")
	add("", "pods/proxy", "get")
	// Resources without Prometheus: metrics-server's pod metrics.
	add("metrics.k8s.io", "pods", "get")
	// Istio mTLS scenarios: mutual TLS required in the scenario's namespace.
	add("security.istio.io", "peerauthentications", "create")
	add("networking.istio.io", "destinationrules", "create")
	return ps
}

// checkPermissions asks the API server, for each permission, whether the
// caller has it (SelfSubjectAccessReview), and returns the missing ones.
func (c *Client) checkPermissions(ctx context.Context, ps []Permission) ([]Permission, error) {
	var missing []Permission
	for _, p := range ps {
		r := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authv1.ResourceAttributes{Group: p.Group, Resource: p.Resource, Verb: p.Verb},
		}}
		got, err := c.Set.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("access review of %s: %w", p, err)
		}
		if !got.Status.Allowed {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// PermissionError lists the permissions the caller lacks.
type PermissionError struct {
	User    string
	Missing []Permission
}

func (e *PermissionError) Error() string {
	lines := make([]string, len(e.Missing))
	for i, p := range e.Missing {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("missing %d permission(s) (grant them with deploy/rbac.yaml):\n%s", len(e.Missing), strings.Join(lines, "\n"))
}

// parseVersion reads gitVersion from the API server's /version.
func parseVersion(body []byte) (string, error) {
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return "", err
	}
	if v.GitVersion == "" {
		return "", fmt.Errorf("no gitVersion in %q", body)
	}
	return v.GitVersion, nil
}
