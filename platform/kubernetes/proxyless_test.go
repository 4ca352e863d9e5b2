package kubernetes

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/platform/kubernetes/loadjob"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// proxylessPod asks for the grpc-agent template and holds the app until
// the agent is up; only with mTLS does the pod say it serves Istio mTLS.
func TestProxylessPod(t *testing.T) {
	for _, mtls := range []bool{false, true} {
		var pt corev1.PodTemplateSpec
		proxylessPod(mtls)(&pt)
		if got := pt.Annotations["inject.istio.io/templates"]; got != "grpc-agent" {
			t.Errorf("mtls %v: templates annotation %q, want grpc-agent", mtls, got)
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(pt.Annotations["proxy.istio.io/config"]), &cfg); err != nil {
			t.Fatalf("mtls %v: proxy config %q: %v", mtls, pt.Annotations["proxy.istio.io/config"], err)
		}
		if cfg["holdApplicationUntilProxyStarts"] != true {
			t.Errorf("mtls %v: proxy config %v: holdApplicationUntilProxyStarts not true", mtls, cfg)
		}
		mode, ok := pt.Labels["security.istio.io/tlsMode"]
		if mtls && mode != "istio" {
			t.Errorf("mtls: tlsMode label %q, want istio", mode)
		}
		if !mtls && ok {
			t.Errorf("plaintext: tlsMode label %q set", mode)
		}
	}
	// Existing labels and annotations are kept.
	pt := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{
		Labels: map[string]string{LabelService: "svc-0"}, Annotations: map[string]string{"a": "b"}}}
	proxylessPod(true)(&pt)
	if pt.Labels[LabelService] != "svc-0" || pt.Annotations["a"] != "b" || len(pt.Labels) != 2 || len(pt.Annotations) != 3 {
		t.Errorf("labels %v annotations %v", pt.Labels, pt.Annotations)
	}
}

func TestXDSName(t *testing.T) {
	if got := xdsName("svc-1", "smp-t-ab12"); got != "svc-1.smp-t-ab12.svc.cluster.local:80" {
		t.Errorf("xdsName %q", got)
	}
}

// How one service calls another and where the load goes, per mode.
func TestDownstreamAndEntry(t *testing.T) {
	sv := service{name: "svc-1", ip: "10.96.0.7"}
	tests := []struct {
		name        string
		mode        appMode
		down, entry string
	}{
		{"http", appMode{}, "http://10.96.0.7:80/", "http://10.96.0.7:80/"},
		{"grpc", appMode{grpc: true}, "10.96.0.7:80", "grpc://10.96.0.7:80"},
		{"xds", appMode{grpc: true, xds: true}, "xds:///svc-1.ns.svc.cluster.local:80", "xds:///svc-1.ns.svc.cluster.local:80"},
	}
	for _, tt := range tests {
		if got := downstream(tt.mode, sv, "ns"); got != tt.down {
			t.Errorf("%s: downstream %q, want %q", tt.name, got, tt.down)
		}
		if got := entryTarget(tt.mode, sv, "ns"); got != tt.entry {
			t.Errorf("%s: entry %q, want %q", tt.name, got, tt.entry)
		}
	}
	// The mode follows the protocol and the mesh.
	grpcTest := &spec.Test{Load: spec.Load{Protocol: spec.ProtocolGRPC}}
	httpTest := &spec.Test{Load: spec.Load{Protocol: spec.ProtocolHTTP1}}
	proxyless := spec.Mesh{Type: spec.MeshIstioProxyless}
	none := spec.Mesh{Type: spec.MeshNone}
	if m := modeOf(grpcTest, proxyless); !m.grpc || !m.xds {
		t.Errorf("grpc + proxyless: %+v", m)
	}
	if m := modeOf(grpcTest, none); !m.grpc || m.xds {
		t.Errorf("grpc baseline: %+v", m)
	}
	if m := modeOf(httpTest, none); m.grpc || m.xds {
		t.Errorf("http baseline: %+v", m)
	}
	if (appMode{grpc: true}).portName() != "grpc" || (appMode{}).portName() != "http" {
		t.Error("port names")
	}
}

func TestAppContainerModes(t *testing.T) {
	w := spec.Workload{ResponseSize: 512, ServiceTime: spec.Duration(2 * time.Millisecond)}
	downs := []string{"xds:///svc-1.ns.svc.cluster.local:80"}
	c, err := appContainer("smp:dev", w, appMode{grpc: true, xds: true}, downs)
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"service --addr 0.0.0.0:8080 ", "--downstream xds:///svc-1.ns.svc.cluster.local:80",
		"--protocol grpc", "--admin-addr 0.0.0.0:8081", "--xds"} {
		if !strings.Contains(args, want) {
			t.Errorf("grpc+xds args %q lack %q", args, want)
		}
	}
	rp := c.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Port != intstr.FromInt32(adminPort) || rp.HTTPGet.Path != target.HealthPath || target.HealthPath != "/healthz" {
		t.Errorf("grpc readiness probe %+v", rp)
	}
	var ports []string
	for _, p := range c.Ports {
		ports = append(ports, p.Name+":"+itoa(p.ContainerPort))
	}
	if !slices.Equal(ports, []string{"grpc:8080", "admin:8081"}) {
		t.Errorf("grpc ports %v", ports)
	}

	// gRPC without xDS: no --xds.
	c, err = appContainer("smp:dev", w, appMode{grpc: true}, []string{"10.96.0.7:80"})
	if err != nil {
		t.Fatal(err)
	}
	if args := strings.Join(c.Args, " "); strings.Contains(args, "--xds") || !strings.Contains(args, "--protocol grpc") {
		t.Errorf("grpc baseline args %q", args)
	}

	// HTTP: as before.
	c, err = appContainer("smp:dev", w, appMode{}, []string{"http://10.96.0.7:80/"})
	if err != nil {
		t.Fatal(err)
	}
	args = strings.Join(c.Args, " ")
	if args != "service --addr 0.0.0.0:8080 --size 512 --delay 2ms --downstream http://10.96.0.7:80/" {
		t.Errorf("http args %q", args)
	}
	rp = c.ReadinessProbe
	if rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Port != intstr.FromInt32(appPort) || len(c.Ports) != 1 || c.Ports[0].ContainerPort != appPort {
		t.Errorf("http probe %+v ports %+v", rp, c.Ports)
	}
}

func itoa(n int32) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestCheckInjected(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	pod := func(name string, containers, inits []corev1.Container) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
			Spec: corev1.PodSpec{Containers: containers, InitContainers: inits}}
	}
	app := corev1.Container{Name: appName}
	agent := corev1.Container{Name: agentContainer}
	native := corev1.Container{Name: agentContainer, RestartPolicy: &always}
	if err := checkInjected(spec.MeshIstioProxyless, []*corev1.Pod{pod("a", []corev1.Container{app, agent}, nil)}); err != nil {
		t.Errorf("agent container: %v", err)
	}
	if err := checkInjected(spec.MeshIstioProxyless, []*corev1.Pod{pod("a", []corev1.Container{app}, []corev1.Container{native})}); err != nil {
		t.Errorf("agent as native sidecar: %v", err)
	}
	err := checkInjected(spec.MeshIstioProxyless, []*corev1.Pod{pod("a", []corev1.Container{app, agent}, nil), pod("b", []corev1.Container{app}, nil)})
	if err == nil || !strings.Contains(err.Error(), "ns/b") || strings.Contains(err.Error(), "ns/a ") || !strings.Contains(err.Error(), "istio-proxy") {
		t.Errorf("pod b without agent: %v", err)
	}
	if err := checkInjected(spec.MeshIstioProxyless, nil); err != nil {
		t.Errorf("no pods: %v", err)
	}
	// Every injecting mesh: its own container; Cilium has none to check.
	linkerd := corev1.Container{Name: "linkerd-proxy"}
	if err := checkInjected(spec.MeshLinkerd, []*corev1.Pod{pod("a", []corev1.Container{app, linkerd}, nil)}); err != nil {
		t.Errorf("linkerd-proxy: %v", err)
	}
	if err := checkInjected(spec.MeshLinkerd, []*corev1.Pod{pod("a", []corev1.Container{app, agent}, nil)}); err == nil || !strings.Contains(err.Error(), "linkerd-proxy") {
		t.Errorf("linkerd pod without linkerd-proxy: %v", err)
	}
	if err := checkInjected(spec.MeshIstio, []*corev1.Pod{pod("a", []corev1.Container{app}, nil)}); err == nil {
		t.Error("istio pod without istio-proxy passed")
	}
	for _, typ := range []string{spec.MeshCilium, spec.MeshNone, spec.MeshReference} {
		if err := checkInjected(typ, []*corev1.Pod{pod("a", []corev1.Container{app}, nil)}); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
}

// clusterIPs makes the fake clientset assign ClusterIPs, as the API
// server does.
func clusterIPs(set *fake.Clientset) {
	var mu sync.Mutex
	n := 0
	set.PrependReactor("create", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		svc := a.(k8stesting.CreateAction).GetObject().(*corev1.Service).DeepCopy()
		mu.Lock()
		n++
		svc.Spec.ClusterIP = "10.96.0." + itoa(int32(n))
		mu.Unlock()
		if err := set.Tracker().Create(corev1.SchemeGroupVersion.WithResource("services"), svc, svc.Namespace); err != nil {
			return true, nil, err
		}
		return true, svc, nil
	})
}

func TestCreateServicesGRPC(t *testing.T) {
	for _, mode := range []appMode{{grpc: true, xds: true}, {}} {
		c := fakeClient(nil)
		clusterIPs(c.Set.(*fake.Clientset))
		svcs := layout(spec.Workload{Services: 2})
		if err := c.createServices(context.Background(), "ns", "r1", svcs, mode, func(i int) int { return appPort + i }); err != nil {
			t.Fatal(err)
		}
		for i, sv := range svcs {
			if sv.ip != "10.96.0."+itoa(int32(i+1)) {
				t.Errorf("%+v: service %d ip %q", mode, i, sv.ip)
			}
			got, err := c.Set.CoreV1().Services("ns").Get(context.Background(), sv.name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p := got.Spec.Ports
			want := mode.portName()
			if len(p) != 1 || p[0].Name != want || p[0].AppProtocol == nil || *p[0].AppProtocol != want ||
				p[0].Port != servicePort || p[0].TargetPort.IntValue() != appPort+i {
				t.Errorf("%+v: service %s ports %+v", mode, sv.name, p)
			}
		}
	}
	// Without a ClusterIP (a headless answer) it fails.
	c := fakeClient(nil)
	err := c.createServices(context.Background(), "ns", "r1", layout(spec.Workload{Services: 1}), appMode{grpc: true}, func(int) int { return appPort })
	if err == nil || !strings.Contains(err.Error(), "no ClusterIP") {
		t.Errorf("no ClusterIP: %v", err)
	}
}

// apiServer is a fake API server over HTTP: it records each request and
// answers with answer (or echoes the body with 201 to a POST).
type apiServer struct {
	mu     sync.Mutex
	reqs   []string
	bodies map[string][]byte
	answer func(w http.ResponseWriter, r *http.Request) bool
}

func (s *apiServer) start(t *testing.T) *rest.Config {
	t.Helper()
	s.bodies = map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, r.Method+" "+r.URL.Path)
		s.bodies[r.URL.Path] = b
		s.mu.Unlock()
		if s.answer != nil && s.answer(w, r) {
			return
		}
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL}
}

func TestCreateIstioMTLS(t *testing.T) {
	api := &apiServer{}
	cfg := api.start(t)
	c := &Client{Set: fake.NewClientset(), Config: cfg}
	if err := c.createIstioMTLS(context.Background(), "smp-t-r1", "r1"); err != nil {
		t.Fatal(err)
	}
	pa := "/apis/security.istio.io/v1/namespaces/smp-t-r1/peerauthentications"
	dr := "/apis/networking.istio.io/v1/namespaces/smp-t-r1/destinationrules"
	if !slices.Equal(api.reqs, []string{"POST " + pa, "POST " + dr}) {
		t.Fatalf("requests %v", api.reqs)
	}
	var obj struct {
		Kind     string
		Metadata struct {
			Name, Namespace string
			Labels          map[string]string
		}
		Spec struct {
			MTLS struct{ Mode string } `json:"mtls"`
			Host string
			// DestinationRule
			TrafficPolicy struct {
				TLS struct{ Mode string } `json:"tls"`
			} `json:"trafficPolicy"`
		}
	}
	if err := json.Unmarshal(api.bodies[pa], &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Kind != "PeerAuthentication" || obj.Spec.MTLS.Mode != "STRICT" || obj.Metadata.Namespace != "smp-t-r1" ||
		obj.Metadata.Labels[LabelRun] != "r1" || obj.Metadata.Labels[LabelManagedBy] != ManagedBy {
		t.Errorf("peer authentication %s", api.bodies[pa])
	}
	obj.Spec.MTLS.Mode = ""
	if err := json.Unmarshal(api.bodies[dr], &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Kind != "DestinationRule" || obj.Spec.Host != "*.smp-t-r1.svc.cluster.local" || obj.Spec.TrafficPolicy.TLS.Mode != "ISTIO_MUTUAL" {
		t.Errorf("destination rule %s", api.bodies[dr])
	}

	// Refused: the error names the kind and the namespace.
	api = &apiServer{answer: func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403}`, http.StatusForbidden)
		return true
	}}
	c = &Client{Set: fake.NewClientset(), Config: api.start(t)}
	err := c.createIstioMTLS(context.Background(), "ns", "r1")
	if err == nil || !strings.Contains(err.Error(), "PeerAuthentication ns/smp-mtls") {
		t.Errorf("forbidden: %v", err)
	}
}

// probeFromPod asks the pod's admin /probe through the API server's pod
// proxy, and reads its answer.
func TestProbeFromPod(t *testing.T) {
	var query string
	ok := true
	api := &apiServer{answer: func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/proxy/probe") {
			return false
		}
		query = r.URL.Path + "?" + r.URL.RawQuery
		if ok {
			_, _ = io.WriteString(w, `{"ok":true,"attempts":3}`)
		} else {
			_, _ = io.WriteString(w, `{"ok":false,"attempts":7,"error":"no listener"}`)
		}
		return true
	}}
	cfg := api.start(t)
	set, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{Set: set, Config: cfg}
	before := time.Now()
	at, err := c.probeFromPod(context.Background(), "ns", "svc-0-abc", "xds:///svc-0.ns.svc.cluster.local:80", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(before) {
		t.Errorf("at %v before the call %v", at, before)
	}
	if !strings.HasPrefix(query, "/api/v1/namespaces/ns/pods/http:svc-0-abc:8081/proxy/probe?") ||
		!strings.Contains(query, "target=xds%3A%2F%2F%2Fsvc-0.ns.svc.cluster.local%3A80") || !strings.Contains(query, "timeout=5s") {
		t.Errorf("probe request %s", query)
	}
	ok = false
	_, err = c.probeFromPod(context.Background(), "ns", "svc-0-abc", "10.0.0.1:80", 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "no listener") || !strings.Contains(err.Error(), "7 attempts") {
		t.Errorf("failed probe: %v", err)
	}
}

func TestFirstCall(t *testing.T) {
	comps := []platform.Component{{Name: "a", Role: platform.RoleApp}, {Name: "p", Role: platform.RoleProxy},
		{Name: "c", Role: platform.RoleClient}, {Name: "cp", Role: platform.RoleControlPlane}}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	firstCall(comps, at)
	for _, c := range comps {
		got := len(c.Steps) == 1 && c.Steps[0].Name == "first call" && c.Steps[0].At.Equal(at)
		want := c.Role == platform.RoleApp || c.Role == platform.RoleProxy
		if got != want {
			t.Errorf("%s (%s): steps %+v", c.Name, c.Role, c.Steps)
		}
	}
}

func TestProxylessClients(t *testing.T) {
	comps := clientComponents("ns", 2, false, true)
	var got []string
	for _, c := range comps {
		got = append(got, c.Name+" "+c.Role+" "+c.Ref.Namespace+"/"+c.Ref.Pod+"/"+c.Ref.Container)
	}
	want := []string{
		"load-client-0 client ns/smp-load-0-*/" + loadjob.Container,
		"load-client-0-istio-proxy proxy ns/smp-load-0-*/istio-proxy",
		"load-client-1 client ns/smp-load-1-*/" + loadjob.Container,
		"load-client-1-istio-proxy proxy ns/smp-load-1-*/istio-proxy",
	}
	if !slices.Equal(got, want) {
		t.Errorf("components\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The loader's client pods ask for the agent.
	p := &Provider{}
	tt := &spec.Test{Load: spec.Load{Protocol: spec.ProtocolGRPC, Clients: 2}}
	r := p.loader(fakeClient(nil), "ns", "r1", tt, spec.Mesh{Type: spec.MeshIstioProxyless, MTLS: true})
	if r.PodMutator == nil {
		t.Fatal("no pod mutator for proxyless clients")
	}
	var pt corev1.PodTemplateSpec
	r.PodMutator(&pt)
	if pt.Annotations["inject.istio.io/templates"] != "grpc-agent" || pt.Labels["security.istio.io/tlsMode"] != "istio" || len(pt.Spec.InitContainers) != 0 {
		t.Errorf("client pod template %+v", pt)
	}
	if r := p.loader(fakeClient(nil), "ns", "r1", tt, spec.Mesh{Type: spec.MeshNone}); r.PodMutator != nil {
		t.Error("pod mutator without a mesh")
	}
}

func TestPermissionsProxyless(t *testing.T) {
	var got []string
	for _, p := range Permissions() {
		got = append(got, p.String())
	}
	for _, want := range []Permission{
		{"security.istio.io", "peerauthentications", "create"},
		{"networking.istio.io", "destinationrules", "create"},
		{"", "services", "delete"},
		{"", "pods/proxy", "get"},
		{"", "configmaps", "create"},
	} {
		if !slices.Contains(got, want.String()) {
			t.Errorf("Permissions() lacks %s", want)
		}
	}
}

// istiod is found among istio-system's pods: a running one, by name.
func TestIstioControlPlane(t *testing.T) {
	pod := func(name string, phase corev1.PodPhase, deleting bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: istiodNamespace, Labels: map[string]string{"app": "istiod"}},
			Status: corev1.PodStatus{Phase: phase}}
		if deleting {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	c := fakeClient(nil, pod("istiod-a", corev1.PodRunning, true), pod("istiod-b", corev1.PodPending, false),
		pod("istiod-d", corev1.PodRunning, false), pod("istiod-c", corev1.PodRunning, false))
	cp, note := c.controlPlaneFor(context.Background(), spec.Mesh{Type: spec.MeshIstioProxyless}, nil)
	if cp == nil {
		t.Fatalf("no control plane: %s", note)
	}
	ref := cp.Component.Ref
	if cp.Component.Role != platform.RoleControlPlane || ref.Namespace != "istio-system" || ref.Pod != "istiod-c" || ref.Container != "discovery" ||
		cp.Metrics == nil || cp.Propagate != nil {
		t.Errorf("control plane %+v", cp)
	}
	if cp, note := c.controlPlaneFor(context.Background(), spec.Mesh{Type: spec.MeshNone}, nil); cp != nil || note != "" {
		t.Errorf("mesh none: %+v %q", cp, note)
	}
	c = fakeClient(nil, pod("istiod-a", corev1.PodPending, false))
	if cp, note := c.controlPlaneFor(context.Background(), spec.Mesh{Type: spec.MeshIstio}, nil); cp != nil || !strings.Contains(note, "no running istiod") {
		t.Errorf("no running istiod: %+v %q", cp, note)
	}
}

// The propagator's probes start before the Service exists; each pod's
// time is from the Service's creation to its answer; a pod whose probe
// never succeeds counts as failed, with its error a problem. The Service
// selects the last service's pods on the gRPC port, and is deleted after.
func TestPropagate(t *testing.T) {
	created := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var targets []string
	api := &apiServer{answer: func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/namespaces/ns/services":
			once.Do(func() { close(created) })
			return false // echoed
		case r.Method == http.MethodDelete:
			_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Success"}`)
			return true
		case strings.HasSuffix(r.URL.Path, "/proxy/probe"):
			mu.Lock()
			targets = append(targets, r.URL.Query().Get("target"))
			mu.Unlock()
			select {
			case <-created:
			case <-time.After(10 * time.Second):
				_, _ = io.WriteString(w, `{"ok":false,"error":"never created"}`)
				return true
			}
			if strings.Contains(r.URL.Path, "svc-1-b") {
				_, _ = io.WriteString(w, `{"ok":false,"attempts":40,"error":"no listener"}`)
				return true
			}
			time.Sleep(20 * time.Millisecond)
			_, _ = io.WriteString(w, `{"ok":true,"attempts":12,"elapsedMs":1020}`)
			return true
		}
		return false
	}}
	cfg := api.start(t)
	cfg.ContentType = runtime.ContentTypeJSON // the server echoes what it gets
	set, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{Set: set, Config: cfg}
	p := &propagator{c: c, ns: "ns", runID: "r1", svc: service{name: "svc-1"}, grpcPort: appPort, pods: []string{"svc-0-a", "svc-1-b", "svc-1-c"}}
	out, err := p.propagate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Ms) != 2 || out.Failed != 1 || len(out.Problems) != 1 || !strings.Contains(out.Problems[0], "svc-1-b: no listener") {
		t.Fatalf("propagation %+v", out)
	}
	// Each answer came at least 20 ms after the create, and well within
	// the probe's 1 s head start.
	for _, ms := range out.Ms {
		if ms < 20 || ms > 5000 {
			t.Errorf("time %v ms; want from 20 ms (the probe's answer) to a few seconds", ms)
		}
	}
	if !strings.Contains(out.Change, "smp-propagation-1") || !strings.Contains(out.Change, "svc-1") || out.Source == "" {
		t.Errorf("change %q source %q", out.Change, out.Source)
	}
	mu.Lock()
	if len(targets) != 3 || targets[0] != "xds:///smp-propagation-1.ns.svc.cluster.local:80" {
		t.Errorf("probe targets %q", targets)
	}
	mu.Unlock()
	var svc corev1.Service
	if err := json.Unmarshal(api.bodies["/api/v1/namespaces/ns/services"], &svc); err != nil {
		t.Fatal(err)
	}
	sp := svc.Spec.Ports
	if svc.Name != "smp-propagation-1" || svc.Spec.Selector[LabelService] != "svc-1" || len(sp) != 1 || sp[0].Name != "grpc" ||
		sp[0].AppProtocol == nil || *sp[0].AppProtocol != "grpc" || sp[0].Port != servicePort || sp[0].TargetPort.IntValue() != appPort || svc.Labels[LabelRun] != "r1" {
		t.Errorf("service %+v", svc)
	}
	api.mu.Lock()
	deleted := slices.Contains(api.reqs, "DELETE /api/v1/namespaces/ns/services/smp-propagation-1")
	api.mu.Unlock()
	if !deleted {
		t.Errorf("the Service was not deleted: %v", api.reqs)
	}
}
