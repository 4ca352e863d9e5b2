package load

import (
	"errors"
	"testing"
	"time"
)

// feedOf is what a fake loop needs of the engine, declared on its side.
type feedOf interface{ Timeout() time.Duration }

// otherFeed is a feed the engine does not implement.
type otherFeed interface{ Nothing() }

type fakeLoop[F any] struct{ got F }

func (l *fakeLoop[F]) Connect(time.Time) {}
func (l *fakeLoop[F]) Run(f F)           { l.got = f }
func (l *fakeLoop[F]) Close() error      { return nil }

func TestEventLoop(t *testing.T) {
	fl := &fakeLoop[feedOf]{}
	l, err := EventLoop[feedOf](fl, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &Feed{timeout: 3 * time.Second}
	l.Run(f)
	if fl.got == nil || fl.got.Timeout() != 3*time.Second {
		t.Errorf("the loop ran with %v; want the engine's feed", fl.got)
	}
	failed := errors.New("no epoll")
	if _, err := EventLoop[feedOf](fl, failed); !errors.Is(err, ErrNoLoop) || !errors.Is(err, failed) {
		t.Errorf("error %v; want it wrapping ErrNoLoop and the loop's", err)
	}
	if _, err := EventLoop[otherFeed](&fakeLoop[otherFeed]{}, nil); !errors.Is(err, ErrNoLoop) {
		t.Errorf("a feed the engine does not implement: error %v; want ErrNoLoop", err)
	}
}
