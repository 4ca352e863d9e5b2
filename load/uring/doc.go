// Package uring is a minimal io_uring(7) ring for the load engine's event
// loop, on raw system calls (no cgo): set up a ring, prepare submission
// entries (send, receive, read, timeout, poll), submit them and wait for
// completions in one io_uring_enter(2), and reap the completions from the
// shared completion queue. It is linux-only; elsewhere only this comment
// builds, and New is not defined.
package uring
