//go:build linux

package evloop

import (
	"testing"
	"time"
)

// The queue keeps claim order across wrap-arounds, holds at most one send
// per connection, and refuses more.
func TestSendQueue(t *testing.T) {
	conns := []*conn{{i: 0}, {i: 1}, {i: 2}}
	q := newSendQueue(len(conns))
	next := time.Duration(0) // the next intended time to push
	want := time.Duration(0) // the next one pop must give
	for round := range 100 {
		for q.len() < len(conns) {
			if !q.push(conns[int(next)%len(conns)], next) {
				t.Fatalf("round %d: push refused at %d of %d", round, q.len(), len(conns))
			}
			next++
		}
		if q.push(conns[0], next) {
			t.Fatalf("round %d: a fourth send was queued for three connections", round)
		}
		for range 1 + round%len(conns) {
			if p := q.peek(); p.at != want {
				t.Fatalf("round %d: peek %v, want %v", round, p.at, want)
			}
			if got := q.pop(); got.at != want || got.c != conns[int(want)%len(conns)] {
				t.Fatalf("round %d: popped %v of conn %d, want %v", round, got.at, got.c.i, want)
			}
			want++
		}
	}
	if len(q.ring) != len(conns) {
		t.Errorf("ring grew to %d", len(q.ring))
	}
}
