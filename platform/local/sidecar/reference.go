package sidecar

import (
	"encoding/json"

	"github.com/smp-dev/smp/collect/proxystats"

	"github.com/smp-dev/smp/internal/proxy"
)

// Reference is smp's own minimal reverse proxy (smp proxy): no
// dependencies, and a calibration point for what one L7 hop costs.
type Reference struct{}

var _ Kind = Reference{}

// Name implements Kind.
func (Reference) Name() string { return "reference" }

// Program implements Kind: smp itself.
func (Reference) Program() string { return "" }

// InstallHint implements Kind.
func (Reference) InstallHint() string { return "it is built into smp" }

// Prepare implements Kind.
func (Reference) Prepare(c Config) ([]string, error) {
	if err := check(c); err != nil {
		return nil, err
	}
	pc := proxy.Config{Name: c.Workload, Concurrency: c.Concurrency, Metrics: c.AdminAddr}
	for _, r := range c.Routes {
		pr := proxy.Route{Name: r.Name, Listen: r.Listen, Upstream: r.Upstream}
		if c.MTLS != nil {
			pr.TLS = &proxy.TLS{CA: c.MTLS.CA, Cert: c.MTLS.Cert, Key: c.MTLS.Key}
			if r.Inbound {
				pr.Mode = proxy.TerminateMTLS
			} else {
				pr.Mode = proxy.OriginateMTLS
				pr.TLS.ServerName = r.PeerName
			}
		}
		pc.Routes = append(pc.Routes, pr)
	}
	data, err := json.MarshalIndent(pc, "", "  ")
	if err != nil {
		return nil, err
	}
	path, err := writeFile(c.Dir, c.Workload+"-proxy.json", append(data, '\n'))
	if err != nil {
		return nil, err
	}
	return []string{"proxy", "--config", path}, nil
}

// Metrics implements Metered.
func (Reference) Metrics() (string, proxystats.Schema) { return "/metrics", proxystats.Reference() }
