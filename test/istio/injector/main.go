// Command injector writes the sidecar injector's configuration for the test cluster's istiod: the
// ConfigMap istio-sidecar-injector (the injection templates and the chart values they read, taken
// from the istio.io/istio module this directory pins) and the MutatingWebhookConfiguration that
// sends pod creations to istiod's /inject. It does what Istio's chart
// (manifests/charts/istio-control/istio-discovery: istiod-injector-configmap.yaml,
// mutatingwebhook.yaml) renders for a default-revision install, with the proxy image replaced by
// the locally built agent image. The result is YAML on standard output, for kubectl apply.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	src := flag.String("src", "", "the istio.io/istio module's directory")
	image := flag.String("proxy-image", "", "the image the injected istio-proxy container runs")
	ns := flag.String("namespace", "istio-system", "istiod's namespace")
	flag.Parse()
	if *src == "" || *image == "" {
		fmt.Fprintln(os.Stderr, "injector: -src and -proxy-image are required")
		os.Exit(2)
	}
	out, err := render(*src, *image, *ns)
	if err != nil {
		fmt.Fprintln(os.Stderr, "injector:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

// templates are the injection templates installed: Envoy's sidecar (the default, unusable here for
// want of an Envoy image but kept so that the configuration is Istio's) and the two proxyless gRPC ones.
var templates = []struct{ name, file string }{
	{"sidecar", "injection-template.yaml"},
	{"grpc-agent", "grpc-agent.yaml"},
	{"grpc-simple", "grpc-simple.yaml"},
}

func render(src, image, ns string) ([]byte, error) {
	chart := filepath.Join(src, "manifests/charts/istio-control/istio-discovery")
	raw, err := os.ReadFile(filepath.Join(chart, "values.yaml"))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("values.yaml: %w", err)
	}
	defaults, _ := doc["_internal_defaults_do_not_set"].(map[string]any)
	if defaults == nil {
		return nil, fmt.Errorf("values.yaml: no _internal_defaults_do_not_set")
	}
	global, _ := defaults["global"].(map[string]any)
	proxy, _ := global["proxy"].(map[string]any)
	if global == nil || proxy == nil {
		return nil, fmt.Errorf("values.yaml: no global.proxy")
	}
	// The chart's values as its injector ConfigMap picks them ("global", "sidecarInjectorWebhook",
	// "revision", pilot's "cni" and "env", the gateways' security contexts), with the local images.
	proxy["image"] = image // contains "/": the templates use it as is
	global["imagePullPolicy"] = "Never"
	global["istioNamespace"] = ns
	pilot := map[string]any{"cni": defaults["cni"], "env": defaults["env"]}
	gw, _ := defaults["gateways"].(map[string]any)
	values := map[string]any{
		"global":                 global,
		"sidecarInjectorWebhook": defaults["sidecarInjectorWebhook"],
		"revision":               defaults["revision"],
		"pilot":                  pilot,
		"gateways":               map[string]any{"securityContext": gw["securityContext"], "seccompProfile": gw["seccompProfile"]},
	}
	valuesJSON, err := yaml.Marshal(values)
	if err != nil {
		return nil, err
	}
	valuesJSON, err = yaml.YAMLToJSON(valuesJSON)
	if err != nil {
		return nil, err
	}
	tpl := map[string]any{}
	for _, t := range templates {
		b, err := os.ReadFile(filepath.Join(chart, "files", t.file))
		if err != nil {
			return nil, err
		}
		tpl[t.name] = string(b)
	}
	config := map[string]any{
		"defaultTemplates":     []string{"sidecar"},
		"policy":               "enabled",
		"alwaysInjectSelector": []any{},
		"neverInjectSelector":  []any{},
		"injectedAnnotations":  map[string]any{},
		"template":             "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}",
		"templates":            tpl,
	}
	configYAML, err := yaml.Marshal(config)
	if err != nil {
		return nil, err
	}
	labels := map[string]any{"istio.io/rev": "default", "app": "sidecar-injector", "app.kubernetes.io/name": "istiod"}
	cm := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "istio-sidecar-injector", "namespace": ns, "labels": labels},
		"data":     map[string]any{"values": string(valuesJSON), "config": string(configYAML)},
	}
	// Two of the chart's four webhooks: the namespace label istio-injection=enabled, and the pod
	// label sidecar.istio.io/inject=true elsewhere. (The istio.io/rev ones are for revisions.) istiod
	// fills in caBundle (INJECTION_WEBHOOK_CONFIG_NAME); until then the API server cannot call it.
	hook := func(prefix string, nsSel, objSel []map[string]any) map[string]any {
		return map[string]any{
			"name": prefix + "sidecar-injector.istio.io",
			"clientConfig": map[string]any{"service": map[string]any{
				"name": "istiod", "namespace": ns, "path": "/inject", "port": 443}},
			"sideEffects":             "None",
			"rules":                   []any{map[string]any{"operations": []string{"CREATE"}, "apiGroups": []string{""}, "apiVersions": []string{"v1"}, "resources": []string{"pods"}}},
			"failurePolicy":           "Fail",
			"reinvocationPolicy":      "Never",
			"admissionReviewVersions": []string{"v1"},
			"timeoutSeconds":          10,
			"namespaceSelector":       map[string]any{"matchExpressions": nsSel},
			"objectSelector":          map[string]any{"matchExpressions": objSel},
		}
	}
	expr := func(key, op string, vals ...string) map[string]any {
		m := map[string]any{"key": key, "operator": op}
		if len(vals) > 0 {
			m["values"] = vals
		}
		return m
	}
	mwc := map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
		"metadata": map[string]any{"name": "istio-sidecar-injector", "labels": labels},
		"webhooks": []any{
			hook("namespace.",
				[]map[string]any{expr("istio-injection", "In", "enabled")},
				[]map[string]any{expr("sidecar.istio.io/inject", "NotIn", "false")}),
			hook("object.",
				[]map[string]any{expr("istio-injection", "DoesNotExist"), expr("istio.io/rev", "DoesNotExist")},
				[]map[string]any{expr("sidecar.istio.io/inject", "In", "true"), expr("istio.io/rev", "DoesNotExist")}),
		},
	}
	var b strings.Builder
	b.WriteString("# Generated by test/istio/injector from the istio.io/istio module's chart; do not edit.\n")
	for i, obj := range []any{cm, mwc} {
		y, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	return []byte(b.String()), nil
}
