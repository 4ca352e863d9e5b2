package load

import (
	"syscall"
	"testing"
)

// ringFake is a loop with an io_uring path whose probe and run fail as
// told.
type ringFake struct {
	fakeLoop[feedOf]
	probe, run error
	used       bool
}

func (l *ringFake) UseRing() error {
	l.used = l.probe == nil
	return l.probe
}
func (l *ringFake) RingErr() error { return l.run }

// The driver's name says whether the loops ran on io_uring, and why not
// when it was asked for and they could not.
func TestLoopDriverRingName(t *testing.T) {
	loop := func(probe, run error) (Loop, *ringFake) {
		f := &ringFake{probe: probe, run: run}
		l, err := EventLoop[feedOf](f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return l, f
	}
	for _, tc := range []struct {
		name       string
		ring       bool
		probe, run error
		want       string
		used       bool
	}{
		{"not asked", false, nil, nil, DriverEventLoop, false},
		{"on the ring", true, nil, nil, DriverUring, true},
		{"refused at start", true, syscall.ENOSYS, nil, DriverEventLoop + " (io_uring unavailable: " + syscall.ENOSYS.Error() + ")", false},
		{"refused in the run", true, nil, syscall.EPERM, DriverEventLoop + " (io_uring unavailable: " + syscall.EPERM.Error() + ")", true},
	} {
		l1, f1 := loop(tc.probe, tc.run)
		l2, f2 := loop(tc.probe, tc.run)
		d := &loopDriver{loops: []Loop{l1, l2}}
		if tc.ring {
			d.useRing()
		}
		if got := d.name(); got != tc.want {
			t.Errorf("%s: name %q, want %q", tc.name, got, tc.want)
		}
		if f1.used != tc.used || f2.used != tc.used {
			t.Errorf("%s: loops switched to io_uring %v, %v; want %v", tc.name, f1.used, f2.used, tc.used)
		}
	}
	// A loop with no io_uring path keeps the driver on epoll, saying so.
	l, err := EventLoop[feedOf](&fakeLoop[feedOf]{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &loopDriver{loops: []Loop{l}}
	d.useRing()
	if d.noRing == nil || d.name() != DriverEventLoop+" (io_uring unavailable: this protocol's event loop has no io_uring path)" {
		t.Errorf("a loop without io_uring: name %q", d.name())
	}
}
