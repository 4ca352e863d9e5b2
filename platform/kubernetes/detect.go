package kubernetes

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// controlPlane says where a mesh's control plane is looked for.
type controlPlane struct {
	kind      string // "deployment" or "daemonset"
	namespace string // "" = any namespace (found by selector)
	name      string // "" = found by selector
	selector  string
	container string // whose image tag is the version
}

// controlPlanes are where each cluster mesh is detected.
func controlPlanes() map[string]controlPlane {
	return map[string]controlPlane{
		spec.MeshIstio: {kind: "deployment", namespace: "istio-system", name: "istiod", container: "discovery"},
		// The same istiod; its injector adds the agent (template grpc-agent).
		spec.MeshIstioProxyless: {kind: "deployment", namespace: "istio-system", name: "istiod", container: "discovery"},
		spec.MeshLinkerd:        {kind: "deployment", namespace: "linkerd", name: "linkerd-destination", container: "destination"},
		spec.MeshConsul:         {kind: "deployment", selector: "app=consul,component=connect-injector", container: "sidecar-injector"},
		spec.MeshKuma:           {kind: "deployment", namespace: "kuma-system", name: "kuma-control-plane", container: "control-plane"},
		spec.MeshCilium:         {kind: "daemonset", namespace: "kube-system", name: "cilium", container: "cilium-agent"},
	}
}

func (cp controlPlane) String() string {
	switch {
	case cp.name != "":
		return fmt.Sprintf("%s %s/%s", cp.kind, cp.namespace, cp.name)
	default:
		return fmt.Sprintf("a %s labelled %s in any namespace", cp.kind, cp.selector)
	}
}

// versionLabels are labels that carry a control plane's version, most
// specific first.
func versionLabels() []string {
	return []string{"app.kubernetes.io/version", "operator.istio.io/version", "linkerd.io/control-plane-version", "version"}
}

// detect finds meshType's control plane. A missing one is an error
// wrapping spec.ErrInvalid, naming what was looked for and where.
func (c *Client) detect(ctx context.Context, meshType string) (platform.MeshInfo, error) {
	cp, ok := controlPlanes()[meshType]
	if !ok {
		return platform.MeshInfo{}, fmt.Errorf("mesh type %q: expected one of istio, istio-proxyless, linkerd, consul, kuma, cilium", meshType)
	}
	var meta metav1.ObjectMeta
	var pod corev1.PodSpec
	switch {
	case cp.kind == "daemonset":
		ds, err := c.Set.AppsV1().DaemonSets(cp.namespace).Get(ctx, cp.name, metav1.GetOptions{})
		if err != nil {
			return platform.MeshInfo{}, missingMesh(meshType, cp, err)
		}
		meta, pod = ds.ObjectMeta, ds.Spec.Template.Spec
	case cp.name != "":
		d, err := c.Set.AppsV1().Deployments(cp.namespace).Get(ctx, cp.name, metav1.GetOptions{})
		if err != nil {
			return platform.MeshInfo{}, missingMesh(meshType, cp, err)
		}
		meta, pod = d.ObjectMeta, d.Spec.Template.Spec
	default:
		list, err := c.Set.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: cp.selector})
		if err != nil {
			return platform.MeshInfo{}, missingMesh(meshType, cp, err)
		}
		if len(list.Items) == 0 {
			return platform.MeshInfo{}, missingMesh(meshType, cp, nil)
		}
		d := list.Items[0]
		meta, pod = d.ObjectMeta, d.Spec.Template.Spec
		cp.namespace, cp.name = d.Namespace, d.Name
	}
	return platform.MeshInfo{
		ControlPlane: fmt.Sprintf("%s %s/%s", cp.kind, cp.namespace, cp.name),
		Version:      version(meta, pod, cp.container),
	}, nil
}

// missingMesh explains that a mesh's control plane was not found.
func missingMesh(meshType string, cp controlPlane, err error) error {
	why := "not found"
	if err != nil && !apierrors.IsNotFound(err) {
		why = err.Error()
	}
	return fmt.Errorf("%w: mesh %s: looked for %s: %s (smp detects meshes, it does not install them: install %s, or remove the scenario)",
		spec.ErrInvalid, meshType, cp, why, meshType)
}

// version is a control plane's version: a version label, else the image
// tag of its main container (or of its first).
func version(meta metav1.ObjectMeta, pod corev1.PodSpec, container string) string {
	for _, l := range versionLabels() {
		if v := meta.Labels[l]; v != "" {
			return v
		}
	}
	img := ""
	for i, ctr := range pod.Containers {
		if ctr.Name == container || (i == 0 && img == "") {
			img = ctr.Image
		}
	}
	return imageTag(img)
}

// imageTag is the tag of an image reference ("" without one).
func imageTag(img string) string {
	img, _, _ = strings.Cut(img, "@")
	slash := strings.LastIndex(img, "/")
	if i := strings.LastIndex(img, ":"); i > slash {
		return img[i+1:]
	}
	return ""
}
