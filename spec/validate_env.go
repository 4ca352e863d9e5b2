package spec

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rules of environment.platform and environment.kubernetes, and of the
// settings that only one platform takes.

// Limits and expectations of the platform settings.
const (
	maxPrefixLen  = 20
	maxReplicas   = 100
	maxClients    = 100
	maxK8sTimeout = Duration(time.Hour)
	expPlatform   = "local or kubernetes"
	expPrefix     = "a namespace prefix of lower-case letters, digits and '-', starting and ending with a letter or digit, at most 20 characters, such as smp"
	expImage      = "an image reference without spaces, such as smp:dev or registry.example/smp:v1"
	expPromURL    = "an http:// or https:// URL with a host, such as http://127.0.0.1:9090"
	expQuantity   = `a Kubernetes quantity such as "250m", "1" or "64Mi"`
	expReplicas   = "an integer from 1 to 100"
	expClients    = "an integer from 1 to 100"
	expK8sTimeout = "a duration > 0 and at most 1h, such as 2m"
)

var (
	prefixRE   = regexp.MustCompile(prefixPattern)
	quantityRE = regexp.MustCompile(quantityPattern)
)

// clusterMeshTypes are the meshes installed in a cluster, which smp
// detects on platform kubernetes (and never installs).
func clusterMeshTypes() []string {
	return []string{MeshIstio, MeshIstioProxyless, MeshLinkerd, MeshConsul, MeshKuma, MeshCilium}
}

// localMeshTypes are the sidecars that only platform local runs.
func localMeshTypes() []string { return []string{MeshHAProxy, MeshNginx, MeshEnvoy} }

// platform checks environment.platform, environment.kubernetes, and the
// settings each platform alone takes.
func (c *checker) platform(t *Test) {
	e := &t.Environment
	c.oneOf("environment.platform", e.Platform, []string{PlatformLocal, PlatformKubernetes}, nil, expPlatform, "platform")
	kube := e.Platform == PlatformKubernetes
	if kube {
		if t.Workload.App != AppSample {
			c.add("workload.app", quoteOrNothing(t.Workload.App), "sample with platform kubernetes (the cluster runs the sample app)")
		}
		if e.Placement != nil {
			c.add("environment.placement", "a mapping", "nothing with platform kubernetes (the scheduler places pods)")
		}
		if g := t.Load.GRPC; t.Workload.App == AppSample && t.Load.Protocol == ProtocolGRPC && g != nil && g.Method == GRPCHealth {
			c.add("load.grpc.method", quote(g.Method), "ping (or nothing) with the sample app: its services call their downstreams in Ping, a health check stops at the entry service")
		}
	}
	if t.Workload.App == AppSample && t.Load.Protocol == ProtocolGRPC && !kube {
		c.add("load.protocol", quote(t.Load.Protocol), "a protocol other than grpc with the sample app on platform local (its gRPC services run on platform kubernetes)")
	}
	l := &t.Load
	switch {
	case l.Clients < 1 || l.Clients > maxClients:
		c.add("load.clients", strconv.Itoa(l.Clients), expClients)
	case l.Clients > 1 && !kube:
		c.add("load.clients", strconv.Itoa(l.Clients), "1 unless environment.platform is kubernetes (more clients run as pods)")
	}
	c.workloadK8s(&t.Workload, kube)
	k := e.Kubernetes
	if k == nil {
		return
	}
	if !kube {
		c.add("environment.kubernetes", "a mapping", "nothing unless environment.platform is kubernetes")
		return
	}
	if !prefixRE.MatchString(k.NamespacePrefix) || len(k.NamespacePrefix) > maxPrefixLen {
		c.add("environment.kubernetes.namespacePrefix", quoteOrNothing(k.NamespacePrefix), expPrefix)
	}
	if k.Image == "" || strings.ContainsFunc(k.Image, isSpaceOrControl) {
		c.add("environment.kubernetes.image", quoteOrNothing(k.Image), expImage)
	}
	if p := k.Prometheus; p != nil {
		if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.add("environment.kubernetes.prometheus.url", quoteOrNothing(p.URL), expPromURL)
		}
	}
	if k.Timeout <= 0 || k.Timeout > maxK8sTimeout {
		c.add("environment.kubernetes.timeout", k.Timeout.String(), expK8sTimeout)
	}
}

// meshPlatform checks that a mesh type runs on the platform, and reports
// whether it added a problem.
func (c *checker) meshPlatform(field, typ, platform string) bool {
	switch {
	case platform == PlatformKubernetes && slices.Contains(localMeshTypes(), typ):
		c.add(field, quote(typ), "one of none, reference, "+strings.Join(clusterMeshTypes(), ", ")+" with platform kubernetes ("+typ+" sidecars run on platform local)")
	case platform != PlatformKubernetes && slices.Contains(clusterMeshTypes(), typ):
		c.add(field, quote(typ), "one of none, reference, "+strings.Join(localMeshTypes(), ", ")+" with platform local ("+typ+" is a mesh installed in a cluster, which smp detects: set environment.platform: kubernetes)")
	default:
		return false
	}
	return true
}

// workloadK8s checks the sample app's Kubernetes-only settings.
func (c *checker) workloadK8s(w *Workload, kube bool) {
	switch {
	case !kube && w.Replicas != 0:
		c.add("workload.replicas", strconv.Itoa(w.Replicas), "nothing unless environment.platform is kubernetes")
	case kube && w.App == AppSample && (w.Replicas < 1 || w.Replicas > maxReplicas):
		c.add("workload.replicas", strconv.Itoa(w.Replicas), expReplicas)
	}
	r := w.Resources
	if r == nil {
		return
	}
	if !kube {
		c.add("workload.resources", "a mapping", "nothing unless environment.platform is kubernetes")
		return
	}
	for _, q := range []struct{ field, v string }{
		{"requests.cpu", r.Requests.CPU}, {"requests.memory", r.Requests.Memory},
		{"limits.cpu", r.Limits.CPU}, {"limits.memory", r.Limits.Memory},
	} {
		if q.v != "" && !quantityRE.MatchString(q.v) {
			c.add("workload.resources."+q.field, quote(q.v), expQuantity)
		}
	}
}
