package kubernetes

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/smp-dev/smp/internal/proxy"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

func TestNamespaceName(t *testing.T) {
	short := NamespaceName("smp", "quick_start", "ref.mtls", "ab12cd34")
	if short != "smp-quick-start-ref-mtls-ab12cd34" {
		t.Errorf("short name = %q", short)
	}
	long1 := NamespaceName("smp", strings.Repeat("a", 63), strings.Repeat("b", 63)+"x", "ab12cd34")
	long2 := NamespaceName("smp", strings.Repeat("a", 63), strings.Repeat("b", 63)+"y", "ab12cd34")
	for _, n := range []string{short, long1, long2} {
		if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
			t.Errorf("%q: not a DNS-1123 label: %v", n, errs)
		}
		if !strings.HasPrefix(n, "smp-") || !strings.HasSuffix(n, "-ab12cd34") {
			t.Errorf("%q: prefix or run id lost", n)
		}
	}
	if long1 == long2 {
		t.Errorf("two long names collide: %q", long1)
	}
}

func TestNamespaceInjection(t *testing.T) {
	test := &spec.Test{Metadata: spec.Metadata{Name: "t"}}
	cases := []struct {
		mesh        string
		labels      map[string]string
		annotations map[string]string
	}{
		{spec.MeshIstio, map[string]string{"istio-injection": "enabled"}, nil},
		{spec.MeshLinkerd, nil, map[string]string{"linkerd.io/inject": "enabled"}},
		{spec.MeshConsul, nil, map[string]string{"consul.hashicorp.com/connect-inject": "true"}},
		{spec.MeshKuma, map[string]string{"kuma.io/sidecar-injection": "enabled"}, nil},
		{spec.MeshNone, map[string]string{"istio-injection": "disabled", "kuma.io/sidecar-injection": "disabled"},
			map[string]string{"linkerd.io/inject": "disabled", "consul.hashicorp.com/connect-inject": "false"}},
		{spec.MeshReference, map[string]string{"istio-injection": "disabled"}, map[string]string{"linkerd.io/inject": "disabled"}},
	}
	for _, c := range cases {
		ns := namespaceFor("n", "run1", test, spec.Mesh{Name: "m", Type: c.mesh})
		if ns.Labels[LabelManagedBy] != "smp" || ns.Labels[LabelRun] != "run1" {
			t.Errorf("%s: labels %v lack managed-by or run", c.mesh, ns.Labels)
		}
		for k, v := range c.labels {
			if ns.Labels[k] != v {
				t.Errorf("%s: label %s = %q, want %q", c.mesh, k, ns.Labels[k], v)
			}
		}
		for k, v := range c.annotations {
			if ns.Annotations[k] != v {
				t.Errorf("%s: annotation %s = %q, want %q", c.mesh, k, ns.Annotations[k], v)
			}
		}
	}
	if ns := namespaceFor("n", "r", test, spec.Mesh{Type: spec.MeshIstio}); ns.Annotations["linkerd.io/inject"] != "" {
		t.Errorf("istio namespace carries linkerd's annotation: %v", ns.Annotations)
	}
}

// TestRBACMatchesPermissions holds deploy/rbac.yaml to Permissions: the
// ClusterRole grants exactly what preflight checks.
func TestRBACMatchesPermissions(t *testing.T) {
	role := rbacRole(t)
	var granted []string
	for _, r := range role.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					granted = append(granted, Permission{Group: g, Resource: res, Verb: v}.String())
				}
			}
		}
	}
	var want []string
	for _, p := range Permissions() {
		want = append(want, p.String())
	}
	slices.Sort(granted)
	slices.Sort(want)
	if !slices.Equal(granted, want) {
		t.Errorf("deploy/rbac.yaml grants\n%s\nPermissions() lists\n%s", strings.Join(granted, "\n"), strings.Join(want, "\n"))
	}
}

// rbacObjects decodes deploy/rbac.yaml.
func rbacObjects(t *testing.T) []runtime.Object {
	t.Helper()
	data, err := os.ReadFile("../../deploy/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var objs []runtime.Object
	for _, doc := range strings.Split(string(data), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("deploy/rbac.yaml: %v", err)
		}
		objs = append(objs, obj)
	}
	return objs
}

func rbacRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	for _, o := range rbacObjects(t) {
		if r, ok := o.(*rbacv1.ClusterRole); ok {
			return r
		}
	}
	t.Fatal("deploy/rbac.yaml has no ClusterRole")
	return nil
}

// fakeClient is a client of a fake clientset that allows every access
// review except those deny names (as Permission.String()).
func fakeClient(deny []string, objs ...runtime.Object) *Client {
	set := fake.NewClientset(objs...)
	set.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		ra := r.Spec.ResourceAttributes
		p := Permission{Group: ra.Group, Resource: ra.Resource, Verb: ra.Verb}
		r.Status.Allowed = !slices.Contains(deny, p.String())
		return true, r, nil
	})
	return &Client{Set: set, Config: &rest.Config{Host: "https://fake:6443"}, Context: "fake"}
}

func meshTest(types ...string) *spec.Test {
	t := &spec.Test{Metadata: spec.Metadata{Name: "t"}, Workload: spec.Workload{App: spec.AppSample, Services: 2}}
	for _, typ := range types {
		t.Meshes = append(t.Meshes, spec.Mesh{Name: typ, Type: typ})
	}
	return t
}

func TestPreflightMissingMesh(t *testing.T) {
	c := fakeClient(nil)
	_, err := preflight(context.Background(), c, meshTest(spec.MeshNone, spec.MeshIstio, spec.MeshConsul))
	if !errors.Is(err, spec.ErrInvalid) {
		t.Fatalf("err = %v, want one wrapping spec.ErrInvalid", err)
	}
	for _, want := range []string{"scenario istio", "deployment istio-system/istiod", "scenario consul", "app=consul,component=connect-injector in any namespace"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

func TestPreflightDetectsMeshes(t *testing.T) {
	istiod := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "istiod", Namespace: "istio-system"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "discovery", Image: "docker.io/istio/pilot:1.27.1"}},
		}}},
	}
	consul := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "consul-connect-injector", Namespace: "hashi",
		Labels: map[string]string{"app": "consul", "component": "connect-injector", "app.kubernetes.io/version": "1.21.0"}}}
	cilium := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "cilium", Namespace: "kube-system"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "cilium-agent", Image: "quay.io/cilium/cilium:v1.18.2@sha256:abc"}},
		}}},
	}
	c := fakeClient(nil, istiod, consul, cilium)
	pf, err := preflight(context.Background(), c, meshTest(spec.MeshNone, spec.MeshIstio, spec.MeshConsul, spec.MeshCilium, spec.MeshReference))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		spec.MeshIstio:  "deployment istio-system/istiod 1.27.1",
		spec.MeshConsul: "deployment hashi/consul-connect-injector 1.21.0",
		spec.MeshCilium: "daemonset kube-system/cilium v1.18.2",
	}
	for name, w := range want {
		mi := pf.Meshes[name]
		if got := mi.ControlPlane + " " + mi.Version; got != w {
			t.Errorf("%s: got %q, want %q", name, got, w)
		}
	}
}

func TestPreflightMissingPermissions(t *testing.T) {
	deny := []string{"delete namespaces (core) in all namespaces", "watch pods (core) in all namespaces"}
	_, err := preflight(context.Background(), fakeClient(deny), meshTest(spec.MeshNone))
	var pe *PermissionError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a PermissionError", err)
	}
	for _, d := range deny {
		if !strings.Contains(err.Error(), d) {
			t.Errorf("error does not name %q:\n%v", d, err)
		}
	}
	if len(pe.Missing) != len(deny) {
		t.Errorf("missing %v, want exactly %v", pe.Missing, deny)
	}
}

func TestSidecarConfig(t *testing.T) {
	svcs := layout(spec.Workload{Services: 3, Topology: spec.TopologyFanout})
	for i := range svcs {
		svcs[i].ip = "10.0.0." + string(rune('1'+i))
	}
	c, downs := sidecarConfig(svcs, 0, true, 0)
	// inbound (mTLS), two outbound; metrics on their own listener.
	if len(c.Routes) != 3 || c.Concurrency != 1 || c.Metrics != "0.0.0.0:15020" {
		t.Fatalf("config %+v", c)
	}
	if c.Routes[0].Mode != proxy.TerminateMTLS || c.Routes[0].Listen != "0.0.0.0:15006" {
		t.Errorf("inbound route %+v", c.Routes[0])
	}
	out := c.Routes[2]
	if out.Mode != proxy.OriginateMTLS || out.Upstream != "10.0.0.3:80" || out.TLS.ServerName != "svc-2.smp.local" || out.Listen != "127.0.0.1:16002" {
		t.Errorf("outbound route %+v", out)
	}
	if !slices.Equal(downs, []string{"http://127.0.0.1:16001/", "http://127.0.0.1:16002/"}) {
		t.Errorf("downstreams %v", downs)
	}
	c, downs = sidecarConfig(svcs, 1, false, 2)
	if len(c.Routes) != 1 || c.Routes[0].Mode != proxy.Plain || len(downs) != 0 || c.Concurrency != 2 {
		t.Errorf("leaf service: %+v %v", c, downs)
	}
}

// The load clients' sidecar carries the load to the entry service's
// sidecar, with the clients' own identity under mTLS; the pod gets it as
// a native sidecar, so the pod completes when the load does.
func TestClientSidecar(t *testing.T) {
	entry := service{name: "svc-0", ip: "10.96.0.9"}
	c := clientSidecarConfig(entry, true, 0)
	if len(c.Routes) != 1 {
		t.Fatalf("routes %+v", c.Routes)
	}
	r := c.Routes[0]
	if r.Listen != "0.0.0.0:15001" || r.Upstream != "10.96.0.9:80" || r.Mode != proxy.OriginateMTLS ||
		r.TLS.ServerName != "svc-0.smp.local" || !strings.HasSuffix(r.TLS.Cert, "/client-client.pem") {
		t.Errorf("route %+v tls %+v", r, r.TLS)
	}
	if got := clientTarget("http://10.96.0.9:80/", true); got != "http://127.0.0.1:15001/" {
		t.Errorf("client target %s", got)
	}
	var pt corev1.PodTemplateSpec
	withClientSidecar("smp:dev", true)(&pt)
	ps := pt.Spec
	if len(ps.InitContainers) != 1 || ps.InitContainers[0].RestartPolicy == nil ||
		*ps.InitContainers[0].RestartPolicy != corev1.ContainerRestartPolicyAlways || ps.InitContainers[0].StartupProbe == nil {
		t.Errorf("init containers %+v", ps.InitContainers)
	}
	if len(ps.Volumes) != 2 {
		t.Errorf("volumes %+v", ps.Volumes)
	}
	comps := clientComponents("ns", 2, true, false)
	if len(comps) != 4 || comps[0].Ref.Pod != "smp-load-0-*" || comps[0].Role != platform.RoleClient || comps[3].Ref.Container != sidecarName {
		t.Errorf("client components %+v", comps)
	}
	comps = clientComponents("ns", 1, false, true)
	if len(comps) != 2 || comps[1].Ref.Container != agentContainer || comps[1].Role != platform.RoleProxy {
		t.Errorf("proxyless client components %+v", comps)
	}
}
