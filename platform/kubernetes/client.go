package kubernetes

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client is a connection to one cluster's API server.
type Client struct {
	Set    kubernetes.Interface
	Config *rest.Config
	// Context names the kubeconfig context used ("" when the config did
	// not come from a kubeconfig).
	Context string
}

// Connect loads a kubeconfig with clientcmd's usual rules: path when
// given, else $KUBECONFIG (a list of files), else ~/.kube/config; context
// when given, else the file's current context.
func Connect(path, context string) (*Client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if path != "" {
		rules.ExplicitPath = path
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		where := path
		if where == "" {
			where = "$KUBECONFIG or ~/.kube/config"
		}
		return nil, fmt.Errorf("kubeconfig %s (context %q): %w", where, context, err)
	}
	raw, err := cc.RawConfig()
	if err == nil && context == "" {
		context = raw.CurrentContext
	}
	c, err := FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.Context = context
	return c, nil
}

// FromConfig makes a client of a REST config (a test's service-account
// token, say).
func FromConfig(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	set, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client for %s: %w", cfg.Host, err)
	}
	return &Client{Set: set, Config: cfg}, nil
}

// reachTimeout bounds the first call to the API server.
const reachTimeout = 5 * time.Second

// ServerVersion asks the API server its version, within reachTimeout.
func (c *Client) ServerVersion(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	rc := c.Set.Discovery().RESTClient()
	if rc == nil { // a fake clientset
		info, err := c.Set.Discovery().ServerVersion()
		if err != nil {
			return "", err
		}
		return info.GitVersion, nil
	}
	body, err := rc.Get().AbsPath("/version").Do(ctx).Raw()
	if ctx.Err() != nil {
		return "", fmt.Errorf("API server %s (context %q): no answer within %s: %w", c.Config.Host, c.Context, reachTimeout, err)
	}
	if err != nil {
		return "", fmt.Errorf("API server %s (context %q) not reachable: %w", c.Config.Host, c.Context, err)
	}
	v, err := parseVersion(body)
	if err != nil {
		return "", fmt.Errorf("API server %s: /version: %w", c.Config.Host, err)
	}
	return v, nil
}
