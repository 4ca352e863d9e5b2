package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// istiod, as Istio's chart deploys it.
const (
	istiodNamespace   = "istio-system"
	istiodSelector    = "app=istiod"
	istiodContainer   = "discovery"
	istiodMonitorPort = "15014"
)

// propagationLimit bounds how long a client may take to observe a change.
const propagationLimit = 30 * time.Second

// istioControlPlane finds istiod's running pod: its container is measured
// beside the scenario and its monitoring page read before and after the
// load. propagate, when set, is the scenario's change to time.
func (c *Client) istioControlPlane(ctx context.Context, propagate func(context.Context) (platform.Propagation, error)) (*platform.ControlPlane, error) {
	pods, err := c.Set.CoreV1().Pods(istiodNamespace).List(ctx, metav1.ListOptions{LabelSelector: istiodSelector})
	if err != nil {
		return nil, fmt.Errorf("istiod pods (%s in %s): %w", istiodSelector, istiodNamespace, err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no running istiod pod (%s in namespace %s)", istiodSelector, istiodNamespace)
	}
	sort.Strings(names)
	pod := names[0]
	return &platform.ControlPlane{
		Component: platform.Component{Name: "istiod", Role: platform.RoleControlPlane,
			Ref: platform.Ref{Namespace: istiodNamespace, Pod: pod, Container: istiodContainer}},
		Metrics:   c.podMetrics(istiodNamespace, pod, istiodMonitorPort, "/metrics"),
		Propagate: propagate,
	}, nil
}

// propagator times a new Service reaching every xDS client of the app:
// each app pod is asked (through its admin port, via the API server's pod
// proxy) to call the new name until a call succeeds, then smp creates a
// Service of that name in front of the last service's pods. A client has
// observed the change when its first call through the new name succeeds:
// istiod saw the Service, pushed it, and the client's gRPC resolved it
// (listener, route, cluster, endpoints) and connected, with mTLS when the
// scenario requires it. Each time is from just before the create to the
// client's answer reaching smp, so it includes one trip back through the
// API server (a few ms).
type propagator struct {
	c        *Client
	ns       string
	runID    string
	svc      service // whose pods the new Service selects
	grpcPort int
	pods     []string // the app's pods: every one is an xDS client
	mu       sync.Mutex
	n        int
}

func (p *propagator) propagate(ctx context.Context) (platform.Propagation, error) {
	p.mu.Lock()
	p.n++
	name := fmt.Sprintf("smp-propagation-%d", p.n)
	p.mu.Unlock()
	target := "xds:///" + xdsName(name, p.ns)
	out := platform.Propagation{
		Change: fmt.Sprintf("created Service %s (in front of %s's pods)", name, p.svc.name),
		Source: fmt.Sprintf("each app pod's admin /probe calls %s until a call succeeds; time from just before the Service's creation to its answer reaching smp through the API server's pod proxy", target),
	}
	type answer struct {
		pod string
		at  time.Time
		ok  bool
		err string
	}
	answers := make(chan answer, len(p.pods))
	pctx, cancel := context.WithTimeout(ctx, propagationLimit+10*time.Second)
	defer cancel()
	params := map[string]string{"target": target, "timeout": propagationLimit.String()}
	for _, pod := range p.pods {
		go func() {
			b, err := p.c.Set.CoreV1().Pods(p.ns).ProxyGet("http", pod, strconv.Itoa(adminPort), "/probe", params).DoRaw(pctx)
			a := answer{pod: pod, at: time.Now()}
			var r struct {
				OK       bool    `json:"ok"`
				Attempts int     `json:"attempts"`
				Elapsed  float64 `json:"elapsedMs"`
				Error    string  `json:"error"`
			}
			switch {
			case err != nil:
				a.err = err.Error()
			case json.Unmarshal(b, &r) != nil:
				a.err = fmt.Sprintf("answer %q is not the probe's JSON", b)
			default:
				a.ok, a.err = r.OK, r.Error
			}
			answers <- a
		}()
	}
	// The probes start failing first (the name is unknown), so that the
	// first success is the change arriving, not a probe starting late.
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return out, ctx.Err()
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: p.ns, Labels: objLabels(p.runID, name)},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: map[string]string{LabelService: p.svc.name},
			Ports: []corev1.ServicePort{{Name: "grpc", Port: servicePort, Protocol: corev1.ProtocolTCP,
				AppProtocol: new("grpc"), TargetPort: intstr.FromInt32(int32(p.grpcPort))}},
		},
	}
	t0 := time.Now()
	if _, err := p.c.Set.CoreV1().Services(p.ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return out, fmt.Errorf("propagation: create service %s/%s: %w", p.ns, name, err)
	}
	defer func() {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer dcancel()
		_ = p.c.Set.CoreV1().Services(p.ns).Delete(dctx, name, metav1.DeleteOptions{})
	}()
	for range p.pods {
		a := <-answers
		if a.ok && a.at.Before(t0) {
			a.ok, a.err = false, "a call succeeded before the change was made (the name already resolved): not a propagation"
		}
		if !a.ok {
			out.Failed++
			out.Problems = append(out.Problems, fmt.Sprintf("pod %s: %s", a.pod, a.err))
			continue
		}
		out.Ms = append(out.Ms, float64(a.at.Sub(t0).Microseconds())/1000)
	}
	sort.Float64s(out.Ms)
	return out, nil
}

// controlPlaneFor is the scenario's control plane where smp knows how to
// read it (Istio's istiod), with the propagation it can time; nil and a
// note otherwise.
func (c *Client) controlPlaneFor(ctx context.Context, m spec.Mesh, prop *propagator) (*platform.ControlPlane, string) {
	if m.Type != spec.MeshIstio && m.Type != spec.MeshIstioProxyless {
		return nil, ""
	}
	var propagate func(context.Context) (platform.Propagation, error)
	if prop != nil {
		propagate = prop.propagate
	}
	cp, err := c.istioControlPlane(ctx, propagate)
	if err != nil {
		return nil, "control plane not measured: " + err.Error()
	}
	return cp, ""
}
