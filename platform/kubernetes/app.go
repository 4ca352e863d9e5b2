package kubernetes

import (
	"context"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// Ports of the sample app.
const (
	appPort     = 8080 // the app container's listener
	adminPort   = 8081 // a gRPC app's plain-HTTP admin port: /healthz, /probe
	servicePort = 80   // every Service's port
	appName     = "app"
)

// appMode is how the sample app's services talk: HTTP, or gRPC (with
// load.protocol grpc), configured by istiod over xDS in a proxyless Istio
// scenario.
type appMode struct {
	grpc, xds bool
}

func modeOf(t *spec.Test, m spec.Mesh) appMode {
	g := t.Load.Protocol == spec.ProtocolGRPC
	return appMode{grpc: g, xds: g && m.Type == spec.MeshIstioProxyless}
}

// portName is the Service port's name (Istio picks the protocol by it).
func (a appMode) portName() string {
	if a.grpc {
		return "grpc"
	}
	return "http"
}

// service is one sample-app service: its name, the services it calls and,
// once its Service exists, its ClusterIP.
type service struct {
	name  string
	calls []int
	ip    string
}

// layout lists the sample app's services and who calls whom.
func layout(w spec.Workload) []service {
	n := max(w.Services, 1)
	svcs := make([]service, n)
	for i := range svcs {
		svcs[i].name = "svc-" + strconv.Itoa(i)
		switch w.Topology {
		case spec.TopologyFanout:
			if i == 0 {
				for j := 1; j < n; j++ {
					svcs[i].calls = append(svcs[i].calls, j)
				}
			}
		default:
			if i+1 < n {
				svcs[i].calls = []int{i + 1}
			}
		}
	}
	return svcs
}

// objLabels are those of every object of a service.
func objLabels(runID, svc string) map[string]string {
	return map[string]string{LabelManagedBy: ManagedBy, LabelRun: runID, LabelService: svc}
}

// createServices creates one ClusterIP Service per sample-app service,
// port 80 to targetPort(i), and records their ClusterIPs: there may be no
// cluster DNS, so callers are given addresses.
func (c *Client) createServices(ctx context.Context, ns, runID string, svcs []service, mode appMode, targetPort func(i int) int) error {
	for i := range svcs {
		s := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: svcs[i].name, Namespace: ns, Labels: objLabels(runID, svcs[i].name)},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeClusterIP,
				Selector: map[string]string{LabelService: svcs[i].name},
				Ports: []corev1.ServicePort{{
					Name: mode.portName(), AppProtocol: new(mode.portName()), Port: servicePort, Protocol: corev1.ProtocolTCP,
					TargetPort: intstr.FromInt32(int32(targetPort(i))),
				}},
			},
		}
		got, err := c.Set.CoreV1().Services(ns).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create service %s/%s: %w", ns, s.Name, err)
		}
		if got.Spec.ClusterIP == "" || got.Spec.ClusterIP == corev1.ClusterIPNone {
			return fmt.Errorf("service %s/%s: no ClusterIP assigned", ns, s.Name)
		}
		svcs[i].ip = got.Spec.ClusterIP
	}
	return nil
}

// appContainer runs the smp image's service role. downstreams are what
// it calls for each request: URLs, or gRPC targets in gRPC mode.
func appContainer(image string, w spec.Workload, mode appMode, downstreams []string) (corev1.Container, error) {
	args := []string{"service", "--addr", "0.0.0.0:" + strconv.Itoa(appPort),
		"--size", strconv.FormatInt(int64(w.ResponseSize), 10), "--delay", w.ServiceTime.D().String()}
	for _, d := range downstreams {
		args = append(args, "--downstream", d)
	}
	ports := []corev1.ContainerPort{{Name: "http", ContainerPort: appPort}}
	ready := corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: target.HealthPath, Port: intstr.FromInt32(appPort)}}
	if mode.grpc {
		args = append(args, "--protocol", "grpc", "--admin-addr", "0.0.0.0:"+strconv.Itoa(adminPort))
		if mode.xds {
			args = append(args, "--xds")
		}
		ports = []corev1.ContainerPort{{Name: "grpc", ContainerPort: appPort}, {Name: "admin", ContainerPort: adminPort}}
		// Ready once the gRPC server serves (an xDS server: once istiod
		// has sent its listener).
		ready = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: target.HealthPath, Port: intstr.FromInt32(adminPort)}}
	}
	res, err := requirements(w.Resources)
	if err != nil {
		return corev1.Container{}, err
	}
	return corev1.Container{
		Name: appName, Image: image, Args: args,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Ports:           ports,
		Resources:       res,
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  ready,
			PeriodSeconds: 1, FailureThreshold: 3,
		},
	}, nil
}

// requirements turns the spec's resources into the container's.
func requirements(r *spec.Resources) (corev1.ResourceRequirements, error) {
	var out corev1.ResourceRequirements
	if r == nil {
		return out, nil
	}
	list := func(field string, l spec.ResourceList) (corev1.ResourceList, error) {
		rl := corev1.ResourceList{}
		for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: l.CPU, corev1.ResourceMemory: l.Memory} {
			if v == "" {
				continue
			}
			q, err := resource.ParseQuantity(v)
			if err != nil {
				return nil, fmt.Errorf("%w: workload.resources.%s.%s: got %q, expected a Kubernetes quantity: %v", spec.ErrInvalid, field, name, v, err)
			}
			rl[name] = q
		}
		if len(rl) == 0 {
			return nil, nil
		}
		return rl, nil
	}
	var err error
	if out.Requests, err = list("requests", r.Requests); err != nil {
		return out, err
	}
	out.Limits, err = list("limits", r.Limits)
	return out, err
}

// deployment is a service's Deployment: replicas pods of containers,
// with the configuration volumes they mount.
func deployment(ns, runID string, sv service, replicas int, containers []corev1.Container, volumes []corev1.Volume) *appsv1.Deployment {
	l := objLabels(runID, sv.name)
	n := int32(max(replicas, 1))
	grace := int64(2)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: sv.name, Namespace: ns, Labels: l},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelService: sv.name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: l},
				Spec: corev1.PodSpec{
					Containers:                    containers,
					Volumes:                       volumes,
					TerminationGracePeriodSeconds: &grace,
					EnableServiceLinks:            new(bool),
				},
			},
		},
	}
}
