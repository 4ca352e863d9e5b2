package evloop

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// resolve looks hostport up once, for a whole run: its first IPv4
// address, as the dialer would pick, else its first address.
func resolve(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := net.DefaultResolver.LookupPort(ctx, "tcp", port)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	for _, ip := range ips {
		if ip.Is4() || ip.Is4In6() {
			return netip.AddrPortFrom(ip.Unmap(), uint16(p)), nil
		}
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("lookup %s: no address", host)
	}
	return netip.AddrPortFrom(ips[0], uint16(p)), nil
}
