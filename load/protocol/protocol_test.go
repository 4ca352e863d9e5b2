package protocol

import (
	"slices"
	"testing"
)

// TestTable checks the table's own consistency: names unique, twins
// mutual and on the other side of TLS, and every protocol reachable by a
// URL scheme.
func TestTable(t *testing.T) {
	t.Parallel()
	all := All()
	if all[0].Name != HTTP1 {
		t.Errorf("first protocol %q, want the default %q", all[0].Name, HTTP1)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.Name] {
			t.Errorf("%s: listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Title == "" || len(p.Schemes) == 0 {
			t.Errorf("%s: title %q, schemes %v; want both", p.Name, p.Title, p.Schemes)
		}
		if p.Twin != "" {
			tw, ok := Lookup(p.Twin)
			switch {
			case !ok || tw.Twin != p.Name:
				t.Errorf("%s: twin %q does not name it back", p.Name, p.Twin)
			case (p.TLS == TLSNever) == (tw.TLS == TLSNever):
				t.Errorf("%s and %s: twins on the same side of TLS", p.Name, tw.Name)
			}
		}
	}
}

// TestNames checks the capability filters against the table as written.
func TestNames(t *testing.T) {
	t.Parallel()
	if got, want := Names(), []string{HTTP1, H2C, HTTP2, TCP, GRPC}; !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	if got, want := Names(HasEventLoop), []string{HTTP1, TCP}; !slices.Equal(got, want) {
		t.Errorf("Names(HasEventLoop) = %v, want %v", got, want)
	}
	if got, want := Names(HasStreams), []string{H2C, HTTP2}; !slices.Equal(got, want) {
		t.Errorf("Names(HasStreams) = %v, want %v", got, want)
	}
	if got := Names(HasStreams, HasEventLoop); got != nil {
		t.Errorf("Names(HasStreams, HasEventLoop) = %v, want none", got)
	}
	if got, want := Titles(HasEventLoop), []string{"HTTP/1.1", "TCP echo"}; !slices.Equal(got, want) {
		t.Errorf("Titles(HasEventLoop) = %v, want %v", got, want)
	}
	if got, want := Schemes(), []string{"http", "https", "tcp", "grpc", "grpcs"}; !slices.Equal(got, want) {
		t.Errorf("Schemes() = %v, want %v", got, want)
	}
	if _, ok := Lookup("sctp"); ok {
		t.Error(`Lookup("sctp") found a protocol`)
	}
}

// TestAllIsACopy checks that a caller cannot change the table.
func TestAllIsACopy(t *testing.T) {
	t.Parallel()
	a := All()
	a[0].EventLoop = !a[0].EventLoop
	if All()[0].EventLoop == a[0].EventLoop {
		t.Error("All() returns the table itself")
	}
}
