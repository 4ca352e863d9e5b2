//go:build linux

package evloop

import "time"

// queued is a claimed send waiting for its time.
type queued struct {
	c  *conn
	at time.Duration
}

// sendQueue holds the claimed sends in the order they were claimed, which
// is the order of their intended times. Each connection has at most one
// claimed send, so a ring of one slot per connection never fills: memory
// stays fixed however long the run.
type sendQueue struct {
	ring       []queued
	head, size int
}

func newSendQueue(conns int) sendQueue { return sendQueue{ring: make([]queued, conns)} }

func (q *sendQueue) len() int { return q.size }

// push adds a send after the others. It reports false, adding nothing,
// when the ring is full (a connection claimed twice: a bug).
func (q *sendQueue) push(c *conn, at time.Duration) bool {
	if q.size == len(q.ring) {
		return false
	}
	q.ring[(q.head+q.size)%len(q.ring)] = queued{c, at}
	q.size++
	return true
}

// peek is the first send; only when len() > 0.
func (q *sendQueue) peek() queued { return q.ring[q.head] }

// pop removes the first send; only when len() > 0.
func (q *sendQueue) pop() queued {
	v := q.ring[q.head]
	q.ring[q.head] = queued{}
	q.head = (q.head + 1) % len(q.ring)
	q.size--
	return v
}
