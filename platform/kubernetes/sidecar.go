package kubernetes

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/smp-dev/smp/internal/certs"
	"github.com/smp-dev/smp/internal/proxy"
)

// Ports of smp's reference sidecar in a pod. Like a sidecar injected by
// istioctl kube-inject, but without iptables: the Service points at the
// sidecar's inbound port, and the app calls each downstream through an
// outbound listener of its sidecar on localhost.
const (
	sidecarName  = "smp-proxy"
	inboundPort  = 15006 // mesh traffic in (mTLS when the scenario says)
	outboundBase = 16001 // outbound listener of the k-th downstream: outboundBase+k
	configDir    = "/etc/smp"
	tlsDir       = "/etc/smp/tls"
	trustDomain  = "smp.local"
	secretName   = "smp-mtls"
)

// identity is the name in a service's certificate.
func identity(svc string) string { return svc + "." + trustDomain }

// sidecarConfig is the reference proxy's configuration for service i:
// an inbound route to the app and one outbound route per downstream (to
// the downstream's Service, that is its sidecar's inbound port), with its
// own metrics on metricsPort. It returns the URLs the app calls its
// downstreams by.
func sidecarConfig(svcs []service, i int, mtls bool, concurrency int) (proxy.Config, []string) {
	sv := svcs[i]
	c := proxy.Config{Name: sv.name, Concurrency: max(concurrency, 1), Metrics: "0.0.0.0:" + strconv.Itoa(metricsPort)}
	in := proxy.Route{Name: sv.name + "_in", Listen: "0.0.0.0:" + strconv.Itoa(inboundPort), Upstream: "127.0.0.1:" + strconv.Itoa(appPort)}
	if mtls {
		in.Mode = proxy.TerminateMTLS
		in.TLS = &proxy.TLS{CA: tlsDir + "/ca.pem", Cert: tlsDir + "/" + sv.name + "-server.pem", Key: tlsDir + "/" + sv.name + "-server-key.pem"}
	}
	c.Routes = append(c.Routes, in)
	var downstreams []string
	for k, j := range sv.calls {
		listen := "127.0.0.1:" + strconv.Itoa(outboundBase+k)
		out := proxy.Route{Name: fmt.Sprintf("%s_out_%s", sv.name, svcs[j].name), Listen: listen, Upstream: svcs[j].ip + ":" + strconv.Itoa(servicePort)}
		if mtls {
			out.Mode = proxy.OriginateMTLS
			out.TLS = &proxy.TLS{CA: tlsDir + "/ca.pem", Cert: tlsDir + "/" + sv.name + "-client.pem", Key: tlsDir + "/" + sv.name + "-client-key.pem", ServerName: identity(svcs[j].name)}
		}
		c.Routes = append(c.Routes, out)
		downstreams = append(downstreams, "http://"+listen+"/")
	}
	return c, downstreams
}

// sidecarContainer runs `smp proxy` with the configuration in configMap.
func sidecarContainer(image string, mtls bool) corev1.Container {
	probe := &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(inboundPort)}},
		PeriodSeconds: 1, FailureThreshold: 3,
	}
	mounts := []corev1.VolumeMount{{Name: "smp-proxy-config", MountPath: configDir, ReadOnly: true}}
	if mtls {
		mounts = append(mounts, corev1.VolumeMount{Name: "smp-mtls", MountPath: tlsDir, ReadOnly: true})
	}
	return corev1.Container{
		Name: sidecarName, Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
		Args:           []string{"proxy", "--config", configDir + "/proxy.json"},
		Ports:          []corev1.ContainerPort{{Name: "mesh-in", ContainerPort: inboundPort}},
		ReadinessProbe: probe,
		VolumeMounts:   mounts,
	}
}

// sidecarVolumes are the sidecar's configuration (ConfigMap of service
// svc) and certificates (the namespace's Secret).
func sidecarVolumes(svc string, mtls bool) []corev1.Volume {
	vs := []corev1.Volume{{Name: "smp-proxy-config", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: svc + "-proxy"}},
	}}}
	if mtls {
		vs = append(vs, corev1.Volume{Name: "smp-mtls", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: secretName},
		}})
	}
	return vs
}

// createSidecarConfig creates service svc's sidecar ConfigMap.
func (c *Client) createSidecarConfig(ctx context.Context, ns, runID, svc string, pc proxy.Config) error {
	data, err := json.MarshalIndent(pc, "", "  ")
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: svc + "-proxy", Namespace: ns, Labels: objLabels(runID, svc)},
		Data:       map[string]string{"proxy.json": string(data)},
	}
	if _, err := c.Set.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create configmap %s/%s: %w", ns, cm.Name, err)
	}
	return nil
}

// createCertificates makes a CA for the namespace and, per service, a
// server certificate (its inbound listener) and a client certificate (its
// outbound routes), plus the load clients' client certificate, in one
// Secret. It returns the TLS configuration smp's own readiness probe
// presents to the entry service's sidecar (a client identity of the same
// CA, held in memory only).
func (c *Client) createCertificates(ctx context.Context, ns, runID string, svcs []service) (*tls.Config, error) {
	ca, err := certs.NewCA("smp " + ns + " CA")
	if err != nil {
		return nil, fmt.Errorf("mTLS CA: %w", err)
	}
	data := map[string][]byte{"ca.pem": ca.PEM}
	for _, sv := range svcs {
		srv, err := ca.Server(identity(sv.name))
		if err != nil {
			return nil, err
		}
		cli, err := ca.Client(identity(sv.name))
		if err != nil {
			return nil, err
		}
		data[sv.name+"-server.pem"], data[sv.name+"-server-key.pem"] = srv.CertPEM, srv.KeyPEM
		data[sv.name+"-client.pem"], data[sv.name+"-client-key.pem"] = cli.CertPEM, cli.KeyPEM
	}
	cli, err := ca.Client(identity(clientName))
	if err != nil {
		return nil, err
	}
	data[clientName+"-client.pem"], data[clientName+"-client-key.pem"] = cli.CertPEM, cli.KeyPEM
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: ns, Labels: map[string]string{LabelManagedBy: ManagedBy, LabelRun: runID}},
		Data:       data,
	}
	if _, err := c.Set.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create secret %s/%s: %w", ns, secretName, err)
	}
	probe, err := ca.Client("smp probe")
	if err != nil {
		return nil, err
	}
	cert, err := probe.TLS()
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots, ServerName: identity(svcs[0].name), MinVersion: tls.VersionTLS13}, nil
}
