package kubernetes

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/smp-dev/smp/collect/metricsapi"
	"github.com/smp-dev/smp/collect/prometheus"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// state is the provider's own behind a platform.Deployment.
type state struct {
	c         *Client
	namespace string
	runID     string
}

// Deploy implements platform.Provider. Each iteration gets a fresh
// namespace, <prefix>-<test>-<scenario>-<run id>; Teardown deletes it and
// waits until it is gone, so the next iteration reuses the name. A fresh
// namespace per iteration means every iteration starts its pods cold (its
// startup is measured) and nothing of one iteration (warm connections,
// a crashed pod) leaks into the next.
func (p *Provider) Deploy(ctx context.Context, s *platform.Scenario) (_ *platform.Deployment, err error) {
	c, err := p.client()
	if err != nil {
		return nil, err
	}
	t, m := s.Test, s.Mesh
	if t.Workload.App != spec.AppSample {
		return nil, fmt.Errorf("kubernetes platform: workload.app %q: expected %q", t.Workload.App, spec.AppSample)
	}
	name := NamespaceName(p.prefix(), t.Metadata.Name, m.Name, p.RunID)
	st := &state{c: c, namespace: name, runID: p.RunID}
	if err := c.createNamespace(ctx, namespaceFor(name, p.RunID, t, m)); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			// Clean up what was created, even when ctx is done.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if derr := c.deleteNamespace(cctx, name, p.RunID); derr != nil {
				err = errors.Join(err, fmt.Errorf("clean up: %w", derr))
			}
		}
	}()

	reference := m.Type == spec.MeshReference
	mode := modeOf(t, m)
	proxyless := m.Type == spec.MeshIstioProxyless
	if reference && mode.grpc {
		return nil, fmt.Errorf("%w: meshes: mesh %s: type reference with load.protocol grpc: smp's reference sidecar carries HTTP; use istio-proxyless, or protocol http1", spec.ErrInvalid, m.Name)
	}
	svcs := layout(t.Workload)
	port := func(int) int {
		if reference {
			return inboundPort
		}
		return appPort
	}
	if err := c.createServices(ctx, name, p.RunID, svcs, mode, port); err != nil {
		return nil, err
	}
	if proxyless {
		if err := c.waitRootCert(ctx, name, 30*time.Second); err != nil {
			return nil, err
		}
		if m.MTLS {
			if err := c.createIstioMTLS(ctx, name, p.RunID); err != nil {
				return nil, err
			}
		}
	}
	var probeTLS *tls.Config
	if reference && m.MTLS {
		if probeTLS, err = c.createCertificates(ctx, name, p.RunID, svcs); err != nil {
			return nil, err
		}
	}
	if reference {
		cc := clientSidecarConfig(svcs[0], m.MTLS, m.Concurrency)
		if err := c.createSidecarConfig(ctx, name, p.RunID, clientName, cc); err != nil {
			return nil, err
		}
	}

	replicas := max(t.Workload.Replicas, 1)
	want := replicas * len(svcs)
	watching := make(chan struct{})
	type result struct {
		tr  *tracker
		err error
	}
	done := make(chan result, 1)
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		tr, err := c.waitPods(wctx, name, want, p.timeout(), watching)
		done <- result{tr, err}
	}()
	select {
	case <-watching:
	case r := <-done:
		return nil, r.err
	}
	for i, sv := range svcs {
		var downstreams []string
		var containers []corev1.Container
		var volumes []corev1.Volume
		if reference {
			pc, urls := sidecarConfig(svcs, i, m.MTLS, m.Concurrency)
			if err := c.createSidecarConfig(ctx, name, p.RunID, sv.name, pc); err != nil {
				return nil, err
			}
			downstreams = urls
			containers = append(containers, sidecarContainer(p.image(), m.MTLS))
			volumes = sidecarVolumes(sv.name, m.MTLS)
		} else {
			for _, j := range sv.calls {
				downstreams = append(downstreams, downstream(mode, svcs[j], name))
			}
		}
		app, err := appContainer(p.image(), t.Workload, mode, downstreams)
		if err != nil {
			return nil, err
		}
		containers = append([]corev1.Container{app}, containers...)
		dep := deployment(name, p.RunID, sv, replicas, containers, volumes)
		if proxyless {
			proxylessPod(m.MTLS)(&dep.Spec.Template)
		}
		if _, err := c.Set.AppsV1().Deployments(name).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create deployment %s/%s: %w", name, sv.name, err)
		}
	}
	r := <-done
	if r.err != nil {
		return nil, r.err
	}
	pods := sortedPods(r.tr)
	var ps []*corev1.Pod
	for _, pt := range pods {
		ps = append(ps, pt.pod)
	}
	if err := checkInjected(m.Type, ps); err != nil {
		return nil, err
	}
	entry := entryTarget(mode, svcs[0], name)
	d := &platform.Deployment{Target: clientTarget(entry, reference), State: st}
	d.Components = components(name, r.tr)
	if !proxyless {
		// Istio's agent without Envoy counts no requests.
		c.withProxyMetrics(d.Components)
	}
	d.Components = append(d.Components, clientComponents(name, t.Load.Clients, reference, proxyless)...)
	if m.MTLS && !reference && !proxyless {
		d.Notes = append(d.Notes, fmt.Sprintf("mtls: true is recorded, but smp does not set mutual TLS up for mesh type %s: the mesh's own policy in the cluster applies", m.Type))
	}
	d.Loader = p.loader(c, name, p.RunID, t, m)
	var prop *propagator
	if proxyless {
		prop = &propagator{c: c, ns: name, runID: p.RunID, svc: svcs[len(svcs)-1], grpcPort: appPort}
		for _, pt := range pods {
			prop.pods = append(prop.pods, pt.name)
		}
		d.Check = c.peersCheck(name, prop.pods, m.MTLS)
	}
	cp, note := c.controlPlaneFor(ctx, m, prop)
	d.ControlPlane = cp
	if note != "" {
		d.Notes = append(d.Notes, note)
	}
	d.Notes = append(d.Notes, startupNotes(r.tr)...)
	via := ""
	if reference {
		via = " through their own reference sidecar"
	}
	d.Notes = append(d.Notes, fmt.Sprintf("namespace %s; the load runs in the cluster: %d client pod(s) of Job %s sending to %s%s",
		name, max(t.Load.Clients, 1), loadJobName, entry, via))
	switch {
	case p.PrometheusURL == "" && c.servesMetricsAPI():
		d.Collector = &metricsapi.Collector{Config: c.Config}
		d.Notes = append(d.Notes, "resources from metrics.k8s.io (metrics-server): coarser than Prometheus (one reading per pod every 15 s or so); give a Prometheus URL for finer figures")
	case p.PrometheusURL == "":
		d.Notes = append(d.Notes, "resources not measured: no Prometheus URL (environment.kubernetes.prometheus.url or --prometheus-url) and no metrics.k8s.io API in the cluster")
	default:
		d.Collector = &prometheus.Collector{URL: p.PrometheusURL}
	}
	// Pods are ready before kube-proxy has programmed every Service (or
	// istiod has pushed every route): a request through the whole app must
	// succeed before the load starts.
	if mode.grpc {
		// From the entry service's own pod, as the load clients will call.
		at, err := c.probeFromPod(ctx, name, pods[0].name, strings.TrimPrefix(entry, "grpc://"), 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("every pod is ready but a call through the entry service does not succeed from pod %s: %w", pods[0].name, err)
		}
		firstCall(d.Components, at)
		return d, nil
	}
	if err := probe(ctx, entry, probeTLS, 30*time.Second); err != nil {
		return nil, fmt.Errorf("every pod is ready but a request through the entry service does not succeed from this machine: %w", err)
	}
	firstCall(d.Components, time.Now())
	return d, nil
}

// downstream is how a service calls service sv: its ClusterIP (there may
// be no cluster DNS), or its xDS name.
func downstream(mode appMode, sv service, ns string) string {
	switch {
	case mode.xds:
		return "xds:///" + xdsName(sv.name, ns)
	case mode.grpc:
		return net.JoinHostPort(sv.ip, strconv.Itoa(servicePort))
	default:
		return "http://" + net.JoinHostPort(sv.ip, strconv.Itoa(servicePort)) + "/"
	}
}

// entryTarget is where the load goes: the entry service as a URL of the
// load's protocol.
func entryTarget(mode appMode, entry service, ns string) string {
	switch {
	case mode.xds:
		return "xds:///" + xdsName(entry.name, ns)
	case mode.grpc:
		return "grpc://" + net.JoinHostPort(entry.ip, strconv.Itoa(servicePort))
	default:
		return "http://" + net.JoinHostPort(entry.ip, strconv.Itoa(servicePort)) + "/"
	}
}

// firstCall adds the first call that went through the whole app to the
// app's and proxies' startup steps.
func firstCall(comps []platform.Component, at time.Time) {
	for i := range comps {
		if comps[i].Role == platform.RoleApp || comps[i].Role == platform.RoleProxy {
			comps[i].Steps = append(comps[i].Steps, platform.Step{Name: "first call", At: at})
		}
	}
}

// probeFromPod asks a gRPC app pod's admin port (through the API server's
// pod proxy) to call target until a call succeeds, within limit, and
// returns when one did.
func (c *Client) probeFromPod(ctx context.Context, ns, pod, target string, limit time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, limit+10*time.Second)
	defer cancel()
	b, err := c.Set.CoreV1().Pods(ns).ProxyGet("http", pod, strconv.Itoa(adminPort), "/probe",
		map[string]string{"target": target, "timeout": limit.String()}).DoRaw(ctx)
	at := time.Now()
	if err != nil {
		return at, fmt.Errorf("GET %s:%d/probe through the API server: %w", pod, adminPort, err)
	}
	var r struct {
		OK       bool   `json:"ok"`
		Attempts int    `json:"attempts"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return at, fmt.Errorf("probe answer %q: %w", b, err)
	}
	if !r.OK {
		return at, fmt.Errorf("no call to %s succeeded in %v (%d attempts): %s", target, limit, r.Attempts, r.Error)
	}
	return at, nil
}

// probe waits until url answers 200 (the request went through every
// service, so every Service routes), within limit. With tlsConf (the
// entry's sidecar requires mutual TLS) it speaks HTTPS, presenting smp's
// own client identity of the scenario's CA.
func probe(ctx context.Context, url string, tlsConf *tls.Config, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	// A new connection each try: a connection made while the Services
	// were still being programmed may have reached a pod that is not the
	// Service's (an address a deleted pod had), and would stay there.
	tr := &http.Transport{DisableKeepAlives: true, TLSClientConfig: tlsConf}
	client := &http.Client{Timeout: 2 * time.Second, Transport: tr}
	if tlsConf != nil {
		url = "https://" + strings.TrimPrefix(url, "http://")
	}
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			// Who answered helps: a stale route reaches another server.
			err = fmt.Errorf("GET %s: %s (server %q, body %q)", req.URL, resp.Status, resp.Header.Get("Server"), strings.TrimSpace(string(body)))
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (for %s)", last, limit)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
