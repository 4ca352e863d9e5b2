package run

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/smp-dev/smp/collect"
	"github.com/smp-dev/smp/collect/istiod"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
)

// propagationTimeout bounds one propagation measurement.
const propagationTimeout = 2 * time.Minute

// controlPlaneReading is the control plane's own metrics at one moment.
type controlPlaneReading struct {
	snap istiod.Snapshot
	err  error
}

// readControlPlane reads the control plane's monitoring page, if any.
func readControlPlane(ctx context.Context, cp *platform.ControlPlane) *controlPlaneReading {
	if cp == nil || cp.Metrics == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), proxyReadTimeout)
	defer cancel()
	text, err := cp.Metrics(rctx)
	if err != nil {
		return &controlPlaneReading{err: err}
	}
	snap, err := istiod.Parse(bytes.NewReader(text))
	return &controlPlaneReading{snap: snap, err: err}
}

// propagate times the deployment's configuration change, after the load
// (so that it does not disturb it); nil when there is none or it failed
// (the warnings say why).
func propagate(ctx context.Context, cp *platform.ControlPlane) (*report.Propagation, []string) {
	if cp == nil || cp.Propagate == nil || ctx.Err() != nil {
		return nil, nil
	}
	pctx, cancel := context.WithTimeout(ctx, propagationTimeout)
	p, err := cp.Propagate(pctx)
	cancel()
	if err != nil {
		return nil, []string{fmt.Sprintf("config propagation not measured: %v", err)}
	}
	var warnings []string
	for _, pr := range p.Problems {
		warnings = append(warnings, "config propagation: "+pr)
	}
	return report.NewPropagation(p.Change, p.Source, p.Ms, p.Failed), warnings
}

// controlPlane builds the iteration's control-plane section: its resources
// over the measurement window (its series, taken out of the components),
// what it pushed between the readings (just before the load, and after the
// propagation change, so that the window holds config pushes to time
// convergence by), and the propagation. It returns the components without
// the control plane's.
func controlPlane(cp *platform.ControlPlane, comps []report.Component, before, after *controlPlaneReading, prop *report.Propagation) (*report.ControlPlane, []report.Component, []string) {
	if cp == nil {
		return nil, comps, nil
	}
	out := &report.ControlPlane{Name: cp.Component.Name, Namespace: cp.Component.Ref.Namespace, Pod: cp.Component.Ref.Pod, Version: cp.Version}
	var warnings []string
	kept := comps[:0:0]
	found := false
	for _, c := range comps {
		if c.Role != platform.RoleControlPlane {
			kept = append(kept, c)
			continue
		}
		found = true
		out.CPUMcores, out.CPUMcoresMax, out.MemMB, out.MemMBMax = c.CPUMcores, c.CPUMcoresMax, c.MemMB, c.MemMBMax
		out.Samples, out.Source, out.Note = c.Samples, c.Source, c.Note
	}
	if !found {
		out.Note = "resources not measured (no collector for this deployment)"
	}
	switch {
	case before == nil || after == nil:
	case before.err != nil:
		warnings = append(warnings, fmt.Sprintf("control plane's own metrics not read before the load: %v", before.err))
	case after.err != nil:
		warnings = append(warnings, fmt.Sprintf("control plane's own metrics not read after the load: %v", after.err))
	default:
		x := istiod.Delta(before.snap, after.snap)
		out.XDS = &x
		if out.Version == "" {
			out.Version = after.snap.Version
		}
	}
	out.Propagation = prop
	return out, kept, warnings
}

// controlPlaneTarget is the control plane's container as a collector target.
func controlPlaneTarget(cp *platform.ControlPlane) collect.Target {
	c := cp.Component
	return collect.Target{Name: c.Name, Role: platform.RoleControlPlane, PID: c.Ref.PID, Tree: true,
		Namespace: c.Ref.Namespace, Pod: c.Ref.Pod, Container: c.Ref.Container}
}
