package kubernetes

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/smp-dev/smp/platform"
)

// components lists every container of the tracked pods: the app as
// RoleApp, any other (smp's sidecar, or one a mesh injected) as
// RoleProxy. Started is when the pod was first seen (created), Ready when
// the container was first seen ready.
func components(ns string, tr *tracker) []platform.Component {
	pods := sortedPods(tr)
	perService := map[string]int{}
	for _, pt := range pods {
		perService[pt.service]++
	}
	seen := map[string]int{}
	var out []platform.Component
	for _, pt := range pods {
		base := pt.service
		if perService[pt.service] > 1 {
			base = fmt.Sprintf("%s-%d", pt.service, seen[pt.service])
		}
		seen[pt.service]++
		for _, ctr := range podContainers(pt.pod) {
			c := platform.Component{
				Name: base, Role: platform.RoleApp,
				Ref:     platform.Ref{Namespace: ns, Pod: pt.name, Container: ctr.Name},
				Started: pt.created, Ready: pt.containerUp[ctr.Name],
			}
			if ctr.Name != appName {
				c.Name, c.Role = base+"-proxy", platform.RoleProxy
				if ctr.Name != sidecarName {
					c.Name = base + "-" + ctr.Name
				}
			}
			if c.Ready.IsZero() {
				c.Ready = pt.ready
			}
			c.Steps = steps(pt, ctr.Name)
			out = append(out, c)
		}
	}
	return out
}

// podContainers are the pod's long-running containers: native sidecars
// (init containers that keep running, as a mesh may inject its proxy),
// then the containers.
func podContainers(p *corev1.Pod) []corev1.Container {
	var out []corev1.Container
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	return append(out, p.Spec.Containers...)
}

func sortedPods(tr *tracker) []*podTimes {
	pods := make([]*podTimes, 0, len(tr.pods))
	for _, pt := range tr.pods {
		pods = append(pods, pt)
	}
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].service != pods[j].service {
			return pods[i].service < pods[j].service
		}
		return pods[i].name < pods[j].name
	})
	return pods
}

// startupNotes is one line per pod: the time from its creation to each
// step, as smp's watch saw them.
func startupNotes(tr *tracker) []string {
	var out []string
	for _, pt := range sortedPods(tr) {
		out = append(out, "startup "+startupLine(pt))
	}
	return out
}

func startupLine(pt *podTimes) string {
	since := func(t time.Time) string {
		if t.IsZero() {
			return "?"
		}
		return "+" + t.Sub(pt.created).Round(time.Millisecond).String()
	}
	var ctrs []string
	for _, c := range podContainers(pt.pod) {
		ctrs = append(ctrs, fmt.Sprintf("%s started %s ready %s", c.Name, since(pt.started[c.Name]), since(pt.containerUp[c.Name])))
	}
	return fmt.Sprintf("pod %s: created → scheduled %s → initialized %s → containers started [%s] → ready %s",
		pt.name, since(pt.scheduled), since(pt.initialized), strings.Join(ctrs, "; "), since(pt.ready))
}

// steps are a container's start, from its pod's creation; steps not seen
// (the watch missed them) are left out.
func steps(pt *podTimes, container string) []platform.Step {
	var out []platform.Step
	for _, s := range []platform.Step{
		{Name: "created", At: pt.created},
		{Name: "scheduled", At: pt.scheduled},
		{Name: "initialized", At: pt.initialized},
		{Name: "started", At: pt.started[container]},
		{Name: "ready", At: pt.containerUp[container]},
	} {
		if !s.At.IsZero() {
			out = append(out, s)
		}
	}
	return out
}
