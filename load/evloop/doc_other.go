//go:build !linux

// Package evloop drives many non-blocking TCP connections of a load run
// from one OS thread with epoll(7): it is linux-only. On other systems
// only its portable parts build, and load runs a goroutine per connection.
package evloop
