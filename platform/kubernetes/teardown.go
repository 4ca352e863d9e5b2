package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/smp-dev/smp/platform"
)

// Teardown implements platform.Provider: it deletes the deployment's
// namespace (only when its labels say it is this run's), which holds
// everything Deploy created, and waits until it is gone, within ctx.
func (p *Provider) Teardown(ctx context.Context, d *platform.Deployment) error {
	st, ok := d.State.(*state)
	if !ok || st == nil {
		return nil
	}
	return st.c.deleteNamespace(ctx, st.namespace, st.runID)
}

// Leftovers lists the namespaces smp created (managed-by=smp) of run
// runID, or of every run when runID is "".
func (c *Client) Leftovers(ctx context.Context, runID string) ([]string, error) {
	sel := labels.Set{LabelManagedBy: ManagedBy}
	if runID != "" {
		sel[LabelRun] = runID
	}
	list, err := c.Set.CoreV1().Namespaces().List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("list namespaces labelled %s: %w", sel, err)
	}
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	sort.Strings(names)
	return names, nil
}

// Cleanup deletes the namespaces Leftovers lists and waits until they are
// gone, within ctx. It returns the names it deleted.
func (c *Client) Cleanup(ctx context.Context, runID string) ([]string, error) {
	names, err := c.Leftovers(ctx, runID)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, n := range names {
		ns, err := c.Set.CoreV1().Namespaces().Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := c.deleteNamespace(ctx, n, ns.Labels[LabelRun]); err != nil {
			errs = append(errs, err)
		}
	}
	return names, errors.Join(errs...)
}
