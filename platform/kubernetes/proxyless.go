package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// Istio without a proxy (mesh type istio-proxyless): the namespace is
// labelled for injection and every pod (the app's and the load clients')
// asks for Istio's grpc-agent template. istiod's webhook then adds
// pilot-agent as container istio-proxy: it fetches the pod's certificate
// from istiod's CA, writes grpc-go's xDS bootstrap (GRPC_XDS_BOOTSTRAP) and
// proxies xDS to istiod. There is no Envoy: the app's gRPC servers and
// clients (xds:/// targets) are configured by istiod directly.
const (
	agentContainer = "istio-proxy" // pilot-agent, as Istio's template names it
	istioRootCert  = "istio-ca-root-cert"
	clusterDomain  = "cluster.local"
)

// proxylessPod asks for Istio's proxyless gRPC injection on a pod
// template. The app container starts after the agent is ready (its xDS
// bootstrap exists then). With mTLS the pod says it serves Istio mTLS
// (grpc-go cannot say so itself; Istio's template leaves it to the user).
func proxylessPod(mtls bool) func(*corev1.PodTemplateSpec) {
	return func(pt *corev1.PodTemplateSpec) {
		if pt.Annotations == nil {
			pt.Annotations = map[string]string{}
		}
		if pt.Labels == nil {
			pt.Labels = map[string]string{}
		}
		pt.Annotations["inject.istio.io/templates"] = "grpc-agent"
		pt.Annotations["proxy.istio.io/config"] = `{"holdApplicationUntilProxyStarts": true}`
		if mtls {
			pt.Labels["security.istio.io/tlsMode"] = "istio"
		}
	}
}

// xdsName is the name a gRPC client asks istiod for: the Service's
// cluster-local host and port (no DNS is involved).
func xdsName(svc, ns string) string {
	return svc + "." + ns + ".svc." + clusterDomain + ":" + strconv.Itoa(servicePort)
}

// waitRootCert waits until istiod has published its root certificate in
// ns: the injected pods mount it, and would wait for it otherwise (a
// new namespace's cost, not a pod's startup).
func (c *Client) waitRootCert(ctx context.Context, ns string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		_, err := c.Set.CoreV1().ConfigMaps(ns).Get(ctx, istioRootCert, metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("configmap %s/%s: %w", ns, istioRootCert, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("istiod did not publish ConfigMap %s in namespace %s within %v (is istiod running?)", istioRootCert, ns, limit)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Istio's resources smp creates for an mTLS scenario.
var (
	peerAuthentications = schema.GroupVersionResource{Group: "security.istio.io", Version: "v1", Resource: "peerauthentications"}
	destinationRules    = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
)

// createIstioMTLS requires mutual TLS in ns: a PeerAuthentication STRICT
// (servers refuse plaintext) and a DestinationRule ISTIO_MUTUAL for every
// host of the namespace (clients present Istio's certificates). Proxyless
// gRPC has no PERMISSIVE mode, so both sides are set.
func (c *Client) createIstioMTLS(ctx context.Context, ns, runID string) error {
	dc, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("istio mtls: %w", err)
	}
	labels := map[string]any{LabelManagedBy: ManagedBy, LabelRun: runID}
	objs := []struct {
		gvr schema.GroupVersionResource
		obj *unstructured.Unstructured
	}{
		{peerAuthentications, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
			"metadata": map[string]any{"name": "smp-mtls", "namespace": ns, "labels": labels},
			"spec":     map[string]any{"mtls": map[string]any{"mode": "STRICT"}},
		}}},
		{destinationRules, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
			"metadata": map[string]any{"name": "smp-mtls", "namespace": ns, "labels": labels},
			"spec": map[string]any{
				"host":          "*." + ns + ".svc." + clusterDomain,
				"trafficPolicy": map[string]any{"tls": map[string]any{"mode": "ISTIO_MUTUAL"}},
			},
		}}},
	}
	for _, o := range objs {
		if _, err := dc.Resource(o.gvr).Namespace(ns).Create(ctx, o.obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create %s %s/%s: %w", o.obj.GetKind(), ns, o.obj.GetName(), err)
		}
	}
	return nil
}

// injectedContainers are the containers a mesh's injector adds to every
// pod (any one of them); nil for meshes without a sidecar (Cilium) and
// the ones smp deploys itself.
func injectedContainers(meshType string) []string {
	switch meshType {
	case spec.MeshIstio, spec.MeshIstioProxyless:
		return []string{agentContainer}
	case spec.MeshLinkerd:
		return []string{"linkerd-proxy"}
	case spec.MeshConsul:
		return []string{"consul-dataplane", "envoy-sidecar"}
	case spec.MeshKuma:
		return []string{"kuma-sidecar"}
	}
	return nil
}

// checkInjected fails when a pod of the app has none of the containers
// the mesh's injector adds: the namespace asked for injection, but no
// webhook did it, and the numbers would be a baseline's under the mesh's
// name.
func checkInjected(meshType string, pods []*corev1.Pod) error {
	want := injectedContainers(meshType)
	if want == nil {
		return nil
	}
	for _, p := range pods {
		found := false
		for _, ctr := range podContainers(p) {
			found = found || slices.Contains(want, ctr.Name)
		}
		if !found {
			hint := ""
			if meshType == spec.MeshIstioProxyless {
				hint = ", with the grpc-agent template"
			}
			return fmt.Errorf("pod %s/%s has no %s container: the %s sidecar injector did not inject it (is its injection webhook installed%s?)",
				p.Namespace, p.Name, strings.Join(want, " or "), meshType, hint)
		}
	}
	return nil
}

// peersCheck reads, from every app pod's admin port, who its gRPC server
// answered: with mTLS every call must have come with a verified client
// certificate (an Istio SPIFFE identity), none in plaintext; without, the
// counts are noted. It proves what carried the load, from the servers'
// side.
func (c *Client) peersCheck(ns string, pods []string, mtls bool) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		var notes, bad []string
		var total uint64
		for _, pod := range pods {
			b, err := c.Set.CoreV1().Pods(ns).ProxyGet("http", pod, strconv.Itoa(adminPort), "/peers", nil).DoRaw(ctx)
			if err != nil {
				return notes, fmt.Errorf("peers of pod %s/%s: %w", ns, pod, err)
			}
			var pc target.PeerCounts
			if err := json.Unmarshal(b, &pc); err != nil {
				return notes, fmt.Errorf("peers of pod %s/%s: %q: %w", ns, pod, b, err)
			}
			var ids []string
			var n uint64
			for id, k := range pc.MTLS {
				ids = append(ids, fmt.Sprintf("%s ×%d", id, k))
				n += k
			}
			sort.Strings(ids)
			notes = append(notes, fmt.Sprintf("peers of pod %s: %d plaintext, %d TLS without client certificate, %d mutual TLS [%s]",
				pod, pc.Plaintext, pc.TLS, n, strings.Join(ids, ", ")))
			total += n
			if mtls && (pc.Plaintext > 0 || pc.TLS > 0) {
				bad = append(bad, pod)
			}
		}
		if mtls && total == 0 {
			return notes, fmt.Errorf("mutual TLS was asked for, but no app pod served a call with a client certificate: %s", strings.Join(notes, "; "))
		}
		if len(bad) > 0 {
			return notes, fmt.Errorf("mutual TLS was asked for, but pods %s served calls without a verified client certificate: %s",
				strings.Join(bad, ", "), strings.Join(notes, "; "))
		}
		if mtls {
			notes = append(notes, fmt.Sprintf("mutual TLS verified: every call the %d app pods served came with an Istio-issued client certificate", len(pods)))
		}
		return notes, nil
	}
}
