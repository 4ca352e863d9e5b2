package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/smp-dev/smp/spec"
)

// Labels on everything smp creates.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "smp"
	LabelRun       = "smp.dev/run"
	LabelScenario  = "smp.dev/scenario"
	LabelTest      = "smp.dev/test"
	LabelService   = "smp.dev/service"
)

// NamespaceName is <prefix>-<test>-<scenario>-<runid> as a DNS-1123
// label: lower case, '_' and '.' turned into '-', and at most 63
// characters. A name too long keeps its prefix and run id and shortens the
// middle, with a hash of it so two long names stay apart.
func NamespaceName(prefix, test, scenario, runID string) string {
	clean := func(s string) string {
		s = strings.ToLower(s)
		s = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
				return r
			}
			return '-'
		}, s)
		return strings.Trim(s, "-")
	}
	prefix, runID = clean(prefix), clean(runID)
	middle := clean(test) + "-" + clean(scenario)
	const maxLen = 63
	room := maxLen - len(prefix) - len(runID) - 2
	if len(middle) > room {
		sum := sha256.Sum256([]byte(middle))
		h := hex.EncodeToString(sum[:])[:6]
		keep := room - len(h) - 1
		middle = strings.TrimRight(middle[:max(keep, 0)], "-") + "-" + h
	}
	return prefix + "-" + middle + "-" + runID
}

// injection is the label or annotation that turns a mesh's sidecar
// injection on (enabled) or explicitly off, for a namespace.
func injection(meshType string, enabled bool) (labels, annotations map[string]string) {
	labels, annotations = map[string]string{}, map[string]string{}
	on := func(yes, no string) string {
		if enabled {
			return yes
		}
		return no
	}
	switch meshType {
	case spec.MeshIstio, spec.MeshIstioProxyless:
		labels["istio-injection"] = on("enabled", "disabled")
	case spec.MeshLinkerd:
		annotations["linkerd.io/inject"] = on("enabled", "disabled")
	case spec.MeshConsul:
		annotations["consul.hashicorp.com/connect-inject"] = on("true", "false")
	case spec.MeshKuma:
		labels["kuma.io/sidecar-injection"] = on("enabled", "disabled")
	}
	return labels, annotations
}

// namespaceFor is the namespace of scenario m: labelled with the run, and
// with m's injection turned on. The baseline (type none) turns every
// mesh's injection off explicitly, so that no webhook adds a sidecar.
func namespaceFor(name, runID string, t *spec.Test, m spec.Mesh) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: name,
		Labels: map[string]string{
			LabelManagedBy: ManagedBy, LabelRun: runID,
			LabelScenario: labelValue(m.Name), LabelTest: labelValue(t.Metadata.Name),
		},
		Annotations: map[string]string{},
	}}
	types := []string{m.Type}
	enabled := true
	if m.Type == spec.MeshNone || m.Type == spec.MeshReference {
		// No mesh injects here: smp's own sidecar is in the pod spec.
		types, enabled = []string{spec.MeshIstio, spec.MeshLinkerd, spec.MeshConsul, spec.MeshKuma}, false
	}
	for _, typ := range types {
		l, a := injection(typ, enabled)
		for k, v := range l {
			ns.Labels[k] = v
		}
		for k, v := range a {
			ns.Annotations[k] = v
		}
	}
	return ns
}

// labelValue makes s a valid label value (names are already close).
func labelValue(s string) string {
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.Trim(s, "-_.")
}

// createNamespace creates ns. A namespace of the same name still
// terminating (the previous iteration's) is waited for first.
func (c *Client) createNamespace(ctx context.Context, ns *corev1.Namespace) error {
	for {
		_, err := c.Set.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", ns.Name, err)
		}
		old, gerr := c.Set.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
		if gerr == nil && old.Labels[LabelRun] != ns.Labels[LabelRun] {
			return fmt.Errorf("create namespace %s: it exists and is not this run's (run %q)", ns.Name, old.Labels[LabelRun])
		}
		if err := c.waitGone(ctx, ns.Name); err != nil {
			return fmt.Errorf("create namespace %s: the previous one is still there: %w", ns.Name, err)
		}
	}
}

// deleteNamespace deletes a namespace smp created (it checks the run
// label) and waits until it is gone.
func (c *Client) deleteNamespace(ctx context.Context, name, runID string) error {
	ns, err := c.Set.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("namespace %s: %w", name, err)
	}
	if ns.Labels[LabelManagedBy] != ManagedBy || ns.Labels[LabelRun] != runID {
		return fmt.Errorf("namespace %s: not deleted: its labels say it is not run %s's (%v)", name, runID, ns.Labels)
	}
	if ns.DeletionTimestamp == nil {
		policy := metav1.DeletePropagationBackground
		err := c.Set.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete namespace %s: %w", name, err)
		}
	}
	return c.waitGone(ctx, name)
}

// waitGone polls until namespace name no longer exists, or ctx ends.
func (c *Client) waitGone(ctx context.Context, name string) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := c.Set.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s not gone yet: %w", name, context.Cause(ctx))
		case <-tick.C:
		}
	}
}
