// Package precise sleeps to a point in time with microsecond accuracy,
// cheaply, without holding a thread.
//
// Two ways to wait, chosen per Sleeper as it goes:
//
//   - The runtime timer costs no system call, and is precise while the
//     process is busy (the scheduler runs expired timers whenever it looks
//     for work, e.g. on every network event) — the case at high request
//     rates, where the cost per wait matters. When the process is idle,
//     though, the scheduler's idle wait has millisecond granularity, and a
//     timer fires up to about a millisecond late.
//   - A timerfd(2) waited on through the runtime's network poller: the
//     kernel's high-resolution timer wakes the poller when it expires, so it
//     is precise even when idle, for two system calls per wait; the goroutine
//     holds neither a thread nor a scheduler slot meanwhile.
//
// A Sleeper starts with the runtime timer and watches how late it wakes;
// after a few late wake-ups it switches to the timerfd, and every
// probeEvery waits it tries the runtime timer again. (nanosleep(2) is
// precise too, but blocks its thread and the scheduler slot it runs on, so
// other goroutines stall behind it.)
//
// On other systems (no timerfd) a Sleeper uses the runtime timer alone:
// the same cost and the same precision while the process is busy, and
// whatever the system's idle wait gives when it is not (kqueue's and
// Windows' high-resolution waits are well under a millisecond).
package precise
