package kubernetes

import (
	"context"
	"errors"
	"fmt"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// preflight checks, in order and failing at the first that does not
// hold: the API server answers (within seconds), the caller has every
// permission of Permissions (all missing ones are listed), and each
// scenario's mesh is installed (all missing ones are listed).
func preflight(ctx context.Context, c *Client, t *spec.Test) (*platform.Preflight, error) {
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return nil, err
	}
	pf := &platform.Preflight{Skip: map[string]error{}, Meshes: map[string]platform.MeshInfo{}}
	pf.Notes = append(pf.Notes, fmt.Sprintf("cluster %s (context %q), Kubernetes %s", c.Config.Host, c.Context, v))
	missing, err := c.checkPermissions(ctx, Permissions())
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, &PermissionError{Missing: missing}
	}
	var errs []error
	for _, m := range t.Meshes {
		switch m.Type {
		case spec.MeshNone:
		case spec.MeshReference:
			pf.Meshes[m.Name] = platform.MeshInfo{ControlPlane: "none (smp adds its reference sidecar to each pod)"}
		default:
			mi, err := c.detect(ctx, m.Type)
			if err != nil {
				errs = append(errs, fmt.Errorf("scenario %s: %w", m.Name, err))
				continue
			}
			pf.Meshes[m.Name] = mi
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return pf, nil
}
