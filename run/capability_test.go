package run

import (
	"reflect"
	"testing"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/grpc"
	"github.com/smp-dev/smp/load/http1"
	"github.com/smp-dev/smp/load/http2"
	"github.com/smp-dev/smp/load/protocol"
	"github.com/smp-dev/smp/load/tcp"
	"github.com/smp-dev/smp/spec"
)

// TestClientsMatchProtocolTable holds the protocol clients to the table
// spec validates against (load/protocol): Plan makes a client for every
// protocol in it, the client has an event loop exactly when the table says
// so, and its Config has streams, a connection per request and TLS
// exactly when the protocol (or its TLS twin, which shares the client)
// does.
func TestClientsMatchProtocolTable(t *testing.T) {
	configs := map[string]any{
		protocol.HTTP1: http1.Config{},
		protocol.H2C:   http2.Config{},
		protocol.HTTP2: http2.Config{},
		protocol.TCP:   tcp.Config{},
		protocol.GRPC:  grpc.Config{},
	}
	clients := map[string]any{
		protocol.HTTP1: (*http1.Client)(nil),
		protocol.H2C:   (*http2.Client)(nil),
		protocol.HTTP2: (*http2.Client)(nil),
		protocol.TCP:   (*tcp.Client)(nil),
		protocol.GRPC:  (*grpc.Client)(nil),
	}
	for _, p := range protocol.All() {
		cfg, ok := configs[p.Name]
		if !ok {
			t.Errorf("%s: in the table, but this test knows no client for it", p.Name)
			continue
		}
		sp := spec.Default()
		sp.Load.Protocol = p.Name
		plan, err := Plan(sp, p.Schemes[len(p.Schemes)-1]+"://127.0.0.1:1")
		if err != nil {
			t.Errorf("%s: Plan: %v", p.Name, err)
			continue
		}
		if got, want := reflect.TypeOf(plan.Dialer), reflect.TypeOf(clients[p.Name]); got != want {
			t.Errorf("%s: Plan made a %v, want a %v", p.Name, got, want)
		}
		if _, loop := plan.Dialer.(load.LoopDialer); loop != p.EventLoop {
			t.Errorf("%s: client has an event loop: %v; the table says %v", p.Name, loop, p.EventLoop)
		}
		twin, _ := protocol.Lookup(p.Twin)
		ct := reflect.TypeOf(cfg)
		for _, f := range []struct {
			field string
			want  bool
		}{
			{"Streams", p.Streams},
			{"NewConnection", p.NewConnection},
			{"TLS", p.TLS != protocol.TLSNever || (p.Twin != "" && twin.TLS != protocol.TLSNever)},
		} {
			if _, has := ct.FieldByName(f.field); has != f.want {
				t.Errorf("%s: %v has field %s: %v; the table says %v", p.Name, ct, f.field, has, f.want)
			}
		}
	}
}
