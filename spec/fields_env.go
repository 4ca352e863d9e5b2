package spec

// Field tables of environment (where the test runs) and of the sample
// app's Kubernetes resources.

// Schema patterns of the Kubernetes settings (Validate checks them in code).
const (
	quantityPattern = `^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$`
	prefixPattern   = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
)

func (w *walker) environment(e *Environment) object {
	return object{
		expected: expMapping,
		fields: []field{
			{"labels", w.stringMap(&e.Labels, expString), ref("labels", "Free labels recorded in the report.")},
			w.sub("placement", `Pin the load generator and the deployed app and sidecars to different CPUs (taskset syntax: "1", "0-1", "0,2"). Platform local only.`,
				func() object {
					e.Placement = &Placement{}
					return w.placement(e.Placement)
				}),
			{"platform", w.word(&e.Platform, expPlatform), shape{
				desc: "Where the scenarios run. local (the default): the sample app and sidecars as processes on this machine. kubernetes: Deployments and Services in a cluster (environment.kubernetes).",
				enum: []string{PlatformLocal, PlatformKubernetes},
			}},
			w.sub("kubernetes", "Settings of platform kubernetes (only with it).", func() object {
				e.Kubernetes = &Kubernetes{}
				return w.kubernetes(e.Kubernetes)
			}),
		},
	}
}

func (w *walker) placement(p *Placement) object {
	return object{
		expected: expMapping,
		required: []string{"client", "mesh"},
		fields: []field{
			{"client", w.str(&p.Client, expCPUList), shape{desc: "CPUs of the load generator (smp itself).", typ: "string", pattern: cpuListPattern}},
			{"mesh", w.str(&p.Mesh, expCPUList), shape{desc: "CPUs of the app services and sidecars.", typ: "string", pattern: cpuListPattern}},
		},
	}
}

func (w *walker) kubernetes(k *Kubernetes) object {
	return object{
		expected: expMapping,
		fields: []field{
			{"kubeconfig", w.str(&k.Kubeconfig, expFile), shape{desc: "Kubeconfig file. Default: $KUBECONFIG, then ~/.kube/config. smp run --kubeconfig overrides it.", typ: "string"}},
			{"context", w.str(&k.Context, expString), shape{desc: "Kubeconfig context. Default: its current context. smp run --context overrides it.", typ: "string"}},
			{"namespacePrefix", w.str(&k.NamespacePrefix, expPrefix), shape{
				desc:   "Start of the name of every namespace smp creates (<prefix>-<test>-<scenario>-<run id>): lower-case letters, digits and '-', at most 20 characters. Default smp.",
				typ:    "string",
				maxLen: maxPrefixLen, pattern: prefixPattern,
			}},
			{"image", w.str(&k.Image, expImage), shape{
				desc: "The smp image the sample app's services and the reference sidecar run (pulled if not present). Default " + defaultImage + ". smp run --image overrides it.",
				typ:  "string", pattern: `^\S+$`,
			}},
			w.sub("prometheus", "Prometheus that scrapes the cluster's cAdvisor series; without it, resources are not measured.", func() object {
				k.Prometheus = &Prometheus{}
				return object{
					expected: expMapping,
					fields: []field{
						{"url", w.str(&k.Prometheus.URL, expPromURL), shape{
							desc: "Base URL of the Prometheus HTTP API, such as http://127.0.0.1:9090. smp run --prometheus-url overrides it.",
							typ:  "string", pattern: `^https?://[^/?#\s]+`,
						}},
					},
				}
			}),
			{"timeout", w.duration(&k.Timeout), ref("duration", "How long a rollout (every pod of a scenario ready) may take, more than 0 and at most 1h. Default 2m.")},
		},
	}
}

func (w *walker) resources(r *Resources) object {
	list := func(l *ResourceList, what string) object {
		return object{
			expected: expMapping,
			fields: []field{
				{"cpu", w.str(&l.CPU, expQuantity), shape{desc: "CPU " + what + ", such as 250m or 1.", typ: "string", pattern: quantityPattern}},
				{"memory", w.str(&l.Memory, expQuantity), shape{desc: "Memory " + what + ", such as 64Mi.", typ: "string", pattern: quantityPattern}},
			},
		}
	}
	return object{
		expected: expMapping,
		fields: []field{
			w.sub("requests", "What each container is guaranteed.", func() object { return list(&r.Requests, "request") }),
			w.sub("limits", "What each container may use at most.", func() object { return list(&r.Limits, "limit") }),
		},
	}
}
