package kubernetes

// Tests against a real cluster. They run when SMP_KUBECONFIG (or
// KUBECONFIG) names a kubeconfig with cluster-admin rights and SMP_IMAGE
// names the smp image already on the node (scripts/image --load):
//
//	SMP_KUBECONFIG=/tmp/smp-cluster/kubeconfig SMP_IMAGE=smp:dev \
//	  go test -count=1 -run Cluster -v ./platform/kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/platform/kubernetes/loadjob"
	"github.com/smp-dev/smp/spec"
)

// clusterEnv returns the kubeconfig and image of the test cluster, or
// skips the test saying what is missing.
func clusterEnv(t *testing.T) (kubeconfig, image string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs on a real cluster for a while; runs without -short")
	}
	kubeconfig = os.Getenv("SMP_KUBECONFIG")
	if kubeconfig == "" {
		kubeconfig = os.Getenv("KUBECONFIG")
	}
	image = os.Getenv("SMP_IMAGE")
	if kubeconfig == "" || image == "" {
		t.Skip("needs a real cluster: set SMP_KUBECONFIG (or KUBECONFIG) to an admin kubeconfig and SMP_IMAGE to the smp image on its node (scripts/image --load)")
	}
	return kubeconfig, image
}

func adminClient(t *testing.T) (*Client, string) {
	t.Helper()
	kc, image := clusterEnv(t)
	c, err := Connect(kc, "")
	if err != nil {
		t.Fatal(err)
	}
	return c, image
}

func k8sTest(name string, services int, meshes ...spec.Mesh) *spec.Test {
	return &spec.Test{
		Metadata:    spec.Metadata{Name: name},
		Workload:    spec.Workload{App: spec.AppSample, Services: services, Topology: spec.TopologyChain, ResponseSize: 512, Replicas: 1},
		Meshes:      meshes,
		Environment: spec.Environment{Platform: spec.PlatformKubernetes},
	}
}

// (a) A scenario whose mesh is not installed fails preflight at once,
// naming what was looked for and where, as bad input.
func TestClusterPreflightMissingMesh(t *testing.T) {
	kc, image := clusterEnv(t)
	p := &Provider{Kubeconfig: kc, Image: image}
	start := time.Now()
	_, err := p.Preflight(context.Background(), k8sTest("pf", 2, spec.Mesh{Name: "baseline", Type: spec.MeshNone}, spec.Mesh{Name: "istio", Type: spec.MeshIstio}))
	took := time.Since(start)
	if !errors.Is(err, spec.ErrInvalid) || !strings.Contains(err.Error(), "deployment istio-system/istiod") || !strings.Contains(err.Error(), "scenario istio") {
		t.Fatalf("err = %v, want a spec.ErrInvalid naming deployment istio-system/istiod", err)
	}
	if took > 10*time.Second {
		t.Errorf("preflight took %s, want seconds", took)
	}
	t.Logf("preflight failed in %s: %v", took.Round(time.Millisecond), err)
}

// (b) A service account bound to exactly deploy/rbac.yaml passes
// preflight; with one verb removed, preflight names that one.
func TestClusterRBAC(t *testing.T) {
	admin, _ := adminClient(t)
	ctx := context.Background()
	suffix := NewRunID()
	nsName, name := "smp-rbac-"+suffix, "smp-test-"+suffix
	var role *rbacv1.ClusterRole
	for _, o := range rbacObjects(t) {
		var err error
		switch o := o.(type) {
		case *corev1.Namespace:
			o.Name = nsName
			_, err = admin.Set.CoreV1().Namespaces().Create(ctx, o, metav1.CreateOptions{})
			t.Cleanup(func() {
				_ = admin.Set.CoreV1().Namespaces().Delete(context.Background(), nsName, metav1.DeleteOptions{})
			})
		case *corev1.ServiceAccount:
			o.Namespace = nsName
			_, err = admin.Set.CoreV1().ServiceAccounts(nsName).Create(ctx, o, metav1.CreateOptions{})
		case *rbacv1.ClusterRole:
			o.Name = name
			role, err = admin.Set.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{})
			t.Cleanup(func() {
				_ = admin.Set.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
			})
		case *rbacv1.ClusterRoleBinding:
			o.Name, o.RoleRef.Name, o.Subjects[0].Namespace = name, name, nsName
			_, err = admin.Set.RbacV1().ClusterRoleBindings().Create(ctx, o, metav1.CreateOptions{})
			t.Cleanup(func() {
				_ = admin.Set.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
			})
		default:
			t.Fatalf("deploy/rbac.yaml: unexpected %T", o)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	exp := int64(600)
	tok, err := admin.Set.CoreV1().ServiceAccounts(nsName).CreateToken(ctx, "smp",
		&authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	cfg := rest.AnonymousClientConfig(admin.Config)
	cfg.BearerToken = tok.Status.Token
	sa, err := FromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	test := k8sTest("rbac", 2, spec.Mesh{Name: "baseline", Type: spec.MeshNone}, spec.Mesh{Name: "ref", Type: spec.MeshReference})
	// RBAC changes reach the authorizer within moments: poll briefly.
	try := func(ok func(error) bool) error {
		var err error
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if _, err = preflight(ctx, sa, test); ok(err) {
				return err
			}
		}
		return err
	}
	if err := try(func(err error) bool { return err == nil }); err != nil {
		t.Fatalf("preflight as system:serviceaccount:%s:smp with deploy/rbac.yaml: %v", nsName, err)
	}
	// With exactly those permissions a whole iteration runs: deploy (the
	// reference sidecar with mTLS), the load Job and its logs, the
	// sidecars' own metrics through the pod proxy, teardown.
	runAs(t, sa, test, spec.Mesh{Name: "ref", Type: spec.MeshReference, MTLS: true})
	// Remove one verb: "watch pods".
	for i, r := range role.Rules {
		if slices.Contains(r.Resources, "pods") {
			role.Rules[i].Verbs = slices.DeleteFunc(slices.Clone(r.Verbs), func(v string) bool { return v == "watch" })
		}
	}
	if _, err := admin.Set.RbacV1().ClusterRoles().Update(ctx, role, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = try(func(err error) bool { return err != nil })
	var pe *PermissionError
	if !errors.As(err, &pe) || len(pe.Missing) != 1 || pe.Missing[0].String() != "watch pods (core) in all namespaces" {
		t.Fatalf("without watch pods: err = %v, want exactly that permission missing", err)
	}
	t.Logf("with one verb removed: %v", err)
}

// (c) Baseline and reference-with-mTLS chains deploy, answer through the
// entry ClusterIP from this machine, report their components and
// startup, and leave nothing behind.
func TestClusterDeploy(t *testing.T) {
	kc, image := clusterEnv(t)
	admin, _ := adminClient(t)
	p := &Provider{Kubeconfig: kc, Image: image, Timeout: 2 * time.Minute, RunID: "t" + NewRunID()[:7]}
	ctx := context.Background()
	meshes := []spec.Mesh{{Name: "baseline", Type: spec.MeshNone}, {Name: "ref-mtls", Type: spec.MeshReference, MTLS: true}}
	test := k8sTest("deploy", 3, meshes...)
	pf, err := p.Preflight(ctx, test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("preflight: %v %v", pf.Notes, pf.Meshes)
	t.Cleanup(func() {
		left, err := admin.Leftovers(context.Background(), p.RunID)
		if err != nil || len(left) > 0 {
			t.Errorf("namespaces of run %s left after teardown: %v %v", p.RunID, left, err)
			_, _ = admin.Cleanup(context.Background(), p.RunID)
		}
	})
	for _, m := range meshes {
		t.Run(m.Name, func(t *testing.T) {
			start := time.Now()
			d, err := p.Deploy(ctx, &platform.Scenario{Test: test, Mesh: m})
			if err != nil {
				t.Fatal(err)
			}
			deployed := time.Since(start)
			defer func() {
				tstart := time.Now()
				tctx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				if err := p.Teardown(tctx, d); err != nil {
					t.Errorf("teardown: %v", err)
				}
				t.Logf("%s: deploy %s, teardown %s", m.Name, deployed.Round(time.Millisecond), time.Since(tstart).Round(time.Millisecond))
			}()
			// The load goes from client pods; the entry Service answers a
			// request from this machine too, unless it requires mTLS.
			if !m.MTLS {
				ns := d.Components[0].Ref.Namespace
				s0, err := admin.Set.CoreV1().Services(ns).Get(ctx, "svc-0", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if body := get(t, "http://"+s0.Spec.ClusterIP+"/"); len(body) != 512 {
					t.Errorf("GET svc-0: %d bytes, want 512", len(body))
				}
			}
			if _, ok := d.Loader.(*loadjob.Runner); !ok {
				t.Errorf("loader %T, want the in-cluster load Job", d.Loader)
			}
			want := map[string]int{platform.RoleApp: 3, platform.RoleClient: 1}
			if m.Type == spec.MeshReference {
				want[platform.RoleProxy] = 4 // three services' and the client's
			}
			got := map[string]int{}
			var ns string
			for _, c := range d.Components {
				got[c.Role]++
				if c.Role == platform.RoleClient || strings.HasSuffix(c.Ref.Pod, "*") {
					// Load clients: their pods come with the load.
					if c.Ref.Namespace == "" || c.Ref.Container == "" {
						t.Errorf("client component %+v", c)
					}
					continue
				}
				ns = c.Ref.Namespace
				if c.Ref.Pod == "" || c.Ref.Container == "" || c.Ref.Namespace == "" || c.Started.IsZero() || c.Ready.Before(c.Started) {
					t.Errorf("component %+v", c)
				}
				var names []string
				for i, s := range c.Steps {
					names = append(names, s.Name)
					if i > 0 && s.At.Before(c.Steps[i-1].At) {
						t.Errorf("%s: step %s before %s", c.Name, s.Name, c.Steps[i-1].Name)
					}
				}
				// The first call through the whole app ends every app and
				// proxy component's start.
				if strings.Join(names, ",") != "created,scheduled,initialized,started,ready,first call" {
					t.Errorf("%s: steps %v", c.Name, names)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("components by role %v, want %v", got, want)
			}
			startups := 0
			for _, n := range d.Notes {
				if strings.HasPrefix(n, "startup pod ") && strings.Contains(n, "scheduled +") && !strings.Contains(n, "?") {
					startups++
				}
			}
			if startups != 3 {
				t.Errorf("%d complete startup notes, want 3: %q", startups, d.Notes)
			}
			nsObj, err := admin.Set.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if err != nil || nsObj.Labels[LabelRun] != p.RunID || nsObj.Labels[LabelManagedBy] != "smp" || nsObj.Labels["istio-injection"] != "disabled" {
				t.Errorf("namespace %s labels %v (%v)", ns, nsObj.Labels, err)
			}
			if m.MTLS {
				// Every Service is its sidecar's mTLS listener: plaintext
				// from outside the mesh is refused.
				for _, svc := range []string{"svc-0", "svc-1"} {
					s1, err := admin.Set.CoreV1().Services(ns).Get(ctx, svc, metav1.GetOptions{})
					if err != nil {
						t.Fatal(err)
					}
					resp, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + s1.Spec.ClusterIP + "/")
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							t.Errorf("plaintext GET to %s (mTLS) answered 200", svc)
						}
					}
				}
			}
			for _, n := range d.Notes {
				t.Log(n)
			}
		})
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return body
}

// runAs runs one short iteration of test's mesh m with client c: what a
// run needs of the API, end to end.
func runAs(t *testing.T, c *Client, test *spec.Test, m spec.Mesh) {
	t.Helper()
	_, image := clusterEnv(t)
	tt := *spec.Default()
	tt.Metadata, tt.Workload, tt.Meshes, tt.Environment = test.Metadata, test.Workload, test.Meshes, test.Environment
	tt.Load.Rate, tt.Load.Connections, tt.Load.Duration, tt.Load.Warmup = 50, 2, spec.Duration(2*time.Second), 0
	if err := tt.Validate(); err != nil {
		t.Fatal(err)
	}
	p := &Provider{Client: c, Image: image, RunID: NewRunID()}
	ctx := context.Background()
	d, err := p.Deploy(ctx, &platform.Scenario{Test: &tt, Mesh: m})
	if err != nil {
		t.Fatalf("deploy with deploy/rbac.yaml's permissions: %v", err)
	}
	defer func() {
		if err := p.Teardown(ctx, d); err != nil {
			t.Errorf("teardown with deploy/rbac.yaml's permissions: %v", err)
		}
	}()
	res, err := d.Loader.Load(ctx, &tt, d.Target)
	if err != nil {
		t.Fatalf("load Job with deploy/rbac.yaml's permissions: %v", err)
	}
	if res.Requests == 0 || res.Errors != 0 {
		t.Errorf("load: %d requests, %d errors %v", res.Requests, res.Errors, res.ErrorKinds)
	}
	read := 0
	for _, comp := range d.Components {
		if comp.Metrics == nil {
			continue
		}
		if _, err := comp.Metrics(ctx); err != nil {
			t.Errorf("%s metrics with deploy/rbac.yaml's permissions: %v", comp.Name, err)
		}
		read++
	}
	if read != 2 {
		t.Errorf("read the metrics of %d sidecars, want 2", read)
	}
}
