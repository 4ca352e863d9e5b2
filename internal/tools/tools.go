//go:build tools

// This file pins the modules the Kubernetes platform is being built on
// (client-go, the Prometheus text format, OCI image writing) so that work on
// its packages starts from one set of versions. It builds into nothing.
package tools

import (
	_ "github.com/google/go-containerregistry/pkg/v1/tarball"
	_ "github.com/prometheus/common/expfmt"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/tools/clientcmd"
)
