package kubernetes

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/smp-dev/smp/collect/metricsapi"
	"github.com/smp-dev/smp/collect/proxystats"
	"github.com/smp-dev/smp/internal/proxy"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/platform/kubernetes/loadjob"
	"github.com/smp-dev/smp/spec"
)

// The load runs in the cluster as an indexed Job of client pods (package
// loadjob). In a reference-mesh scenario each client pod gets smp's
// sidecar too, as a native sidecar (an init container that keeps running,
// so the pod completes when the load does): the client sends plaintext to
// it on localhost, and it carries the request to the entry service's
// sidecar, with mutual TLS when the scenario says.
const (
	loadJobName   = "smp-load"
	clientName    = "client" // the load clients' workload identity
	clientOutPort = 15001    // the client sidecar's outbound listener
	metricsPort   = 15020    // every reference sidecar's /metrics
)

// clientTarget is where the client pods send their load: the entry
// Service, or their own sidecar in a reference-mesh scenario.
func clientTarget(entry string, reference bool) string {
	if reference {
		return "http://127.0.0.1:" + strconv.Itoa(clientOutPort) + "/"
	}
	return entry
}

// clientSidecarConfig is the client sidecar's configuration: one outbound
// route to the entry service (its sidecar's inbound port, behind the
// Service).
func clientSidecarConfig(entry service, mtls bool, concurrency int) proxy.Config {
	c := proxy.Config{Name: clientName, Concurrency: max(concurrency, 1), Metrics: "0.0.0.0:" + strconv.Itoa(metricsPort)}
	out := proxy.Route{Name: clientName + "_out_" + entry.name, Listen: "0.0.0.0:" + strconv.Itoa(clientOutPort),
		Upstream: entry.ip + ":" + strconv.Itoa(servicePort)}
	if mtls {
		out.Mode = proxy.OriginateMTLS
		out.TLS = &proxy.TLS{CA: tlsDir + "/ca.pem", Cert: tlsDir + "/" + clientName + "-client.pem",
			Key: tlsDir + "/" + clientName + "-client-key.pem", ServerName: identity(entry.name)}
	}
	c.Routes = []proxy.Route{out}
	return c
}

// withClientSidecar adds the reference sidecar to a client pod as a native
// sidecar: the load container starts once the sidecar listens.
func withClientSidecar(image string, mtls bool) func(*corev1.PodTemplateSpec) {
	return func(pt *corev1.PodTemplateSpec) {
		ps := &pt.Spec
		sc := sidecarContainer(image, mtls)
		always := corev1.ContainerRestartPolicyAlways
		sc.RestartPolicy = &always
		sc.Ports = []corev1.ContainerPort{{Name: "client-out", ContainerPort: clientOutPort}}
		sc.ReadinessProbe = nil
		sc.StartupProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(clientOutPort)}},
			PeriodSeconds: 1, FailureThreshold: 30,
		}
		ps.InitContainers = append(ps.InitContainers, sc)
		ps.Volumes = append(ps.Volumes, sidecarVolumes(clientName, mtls)...)
	}
}

// clientComponents are the load clients (and their sidecars, or Istio's
// agent) as components: their pods do not exist yet when the collector
// starts, so each is named by its Job index (a pod-name prefix).
func clientComponents(ns string, clients int, reference, agent bool) []platform.Component {
	var out []platform.Component
	for i := range max(clients, 1) {
		pod := fmt.Sprintf("%s-%d-*", loadJobName, i)
		out = append(out, platform.Component{Name: fmt.Sprintf("load-client-%d", i), Role: platform.RoleClient,
			Ref: platform.Ref{Namespace: ns, Pod: pod, Container: loadjob.Container}})
		switch {
		case reference:
			out = append(out, platform.Component{Name: fmt.Sprintf("load-client-%d-proxy", i), Role: platform.RoleProxy,
				Ref: platform.Ref{Namespace: ns, Pod: pod, Container: sidecarName}})
		case agent:
			out = append(out, platform.Component{Name: fmt.Sprintf("load-client-%d-%s", i, agentContainer), Role: platform.RoleProxy,
				Ref: platform.Ref{Namespace: ns, Pod: pod, Container: agentContainer}})
		}
	}
	return out
}

// loader drives the load from the cluster.
func (p *Provider) loader(c *Client, ns, runID string, t *spec.Test, m spec.Mesh) *loadjob.Runner {
	r := &loadjob.Runner{
		Client: c.Set, Namespace: ns, Image: p.image(), Labels: objLabels(runID, "load"),
		Clients: t.Load.Clients, JobName: loadJobName,
	}
	switch m.Type {
	case spec.MeshReference:
		r.PodMutator = withClientSidecar(p.image(), m.MTLS)
	case spec.MeshIstioProxyless:
		// Istio's agent is an ordinary container (its grpc-agent template
		// has no native-sidecar form, and its /quitquitquit fails without
		// Envoy): the Runner reads each client once its worker exits.
		r.PodMutator = proxylessPod(m.MTLS)
	}
	return r
}

// proxyMetrics says where each proxy container serves its own metrics and
// in which format: smp's reference sidecar, and the sidecars the meshes
// inject (REFERENCE: Istio's Envoy on 15090, Linkerd's proxy on 4191).
var proxyMetrics = map[string]struct {
	port, path string
	schema     func() proxystats.Schema
}{
	sidecarName:     {strconv.Itoa(metricsPort), "/metrics", proxystats.Reference},
	"istio-proxy":   {"15090", "/stats/prometheus", proxystats.EnvoyDownstream},
	"linkerd-proxy": {"4191", "/metrics", proxystats.Linkerd},
}

// servesMetricsAPI says whether the cluster serves metrics.k8s.io.
func (c *Client) servesMetricsAPI() bool {
	_, err := c.Set.Discovery().ServerResourcesForGroupVersion(metricsapi.GroupVersion)
	return err == nil
}

// podMetrics reads a proxy's metrics page through the API server's pod
// proxy (no route from smp to the pod is needed).
func (c *Client) podMetrics(ns, pod, port, path string) func(context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		b, err := c.Set.CoreV1().Pods(ns).ProxyGet("http", pod, port, path, nil).DoRaw(ctx)
		if err != nil {
			return nil, fmt.Errorf("pod %s/%s :%s%s through the API server: %w", ns, pod, port, path, err)
		}
		return b, nil
	}
}

// withProxyMetrics lets run read each sidecar's own metrics, where smp
// knows the proxy.
func (c *Client) withProxyMetrics(comps []platform.Component) {
	for i := range comps {
		pm, ok := proxyMetrics[comps[i].Ref.Container]
		if comps[i].Role != platform.RoleProxy || !ok {
			continue
		}
		comps[i].Metrics = c.podMetrics(comps[i].Ref.Namespace, comps[i].Ref.Pod, pm.port, pm.path)
		comps[i].MetricsSchema = pm.schema()
	}
}
