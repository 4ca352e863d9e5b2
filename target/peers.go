package target

import (
	"context"
	"maps"
	"sync"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// PeerCounts are the Ping calls a GRPCServer answered, by the security of
// their connection: proof, in a mesh, that connections were mutual TLS.
type PeerCounts struct {
	// Plaintext calls came without TLS.
	Plaintext uint64 `json:"plaintext"`
	// TLS calls came over TLS without a verified client certificate.
	TLS uint64 `json:"tls,omitempty"`
	// MTLS counts the calls over mutual TLS, by the SPIFFE ID (URI SAN) of
	// the verified client certificate; "" when it carries none.
	MTLS map[string]uint64 `json:"mtls"`
}

// peerCounter counts calls by peer; safe for concurrent use.
type peerCounter struct {
	mu        sync.Mutex
	plaintext uint64
	tls       uint64
	mtls      map[string]uint64
}

// record counts the call of ctx. Both grpc-go's TLS credentials and its
// xDS server credentials (mutual TLS when the control plane requires
// client certificates, with tls.RequireAndVerifyClientCert) report a
// credentials.TLSInfo; the fallback plaintext credentials report another
// AuthInfo, or none.
func (c *peerCounter) record(ctx context.Context) {
	p, _ := peer.FromContext(ctx)
	var info credentials.TLSInfo
	ok := false
	if p != nil {
		info, ok = p.AuthInfo.(credentials.TLSInfo)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !ok:
		c.plaintext++
	case len(info.State.VerifiedChains) == 0:
		c.tls++
	default:
		if c.mtls == nil {
			c.mtls = make(map[string]uint64)
		}
		c.mtls[spiffeID(info)]++
	}
}

// spiffeID is the client certificate's SPIFFE ID: the one grpc-go found,
// else the leaf's first spiffe URI SAN, else "".
func spiffeID(info credentials.TLSInfo) string {
	if info.SPIFFEID != nil {
		return info.SPIFFEID.String()
	}
	if len(info.State.PeerCertificates) > 0 {
		for _, u := range info.State.PeerCertificates[0].URIs {
			if u.Scheme == "spiffe" {
				return u.String()
			}
		}
	}
	return ""
}

func (c *peerCounter) counts() PeerCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := maps.Clone(c.mtls)
	if m == nil {
		m = map[string]uint64{}
	}
	return PeerCounts{Plaintext: c.plaintext, TLS: c.tls, MTLS: m}
}
