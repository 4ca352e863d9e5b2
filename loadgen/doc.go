// Package loadgen runs other load generators — fortio, wrk2, Nighthawk,
// vegeta, wrk and hey — under an smp load plan, and turns what each
// prints into the result smp's own engine returns (record.Result), so
// that one spec, one report and one comparison serve them all.
//
// One Generator per tool, one file each. An adapter translates the Plan
// into the tool's flags (Check rejects, before anything runs, what the
// tool cannot express), runs it through the Cmder seam, parses the tool's
// native output and normalizes it. What the tool measures is recorded in
// the result's record.Generator: the clock its latency is timed from
// (intended send time or actual send), the resolution of its figures, and
// whether the histogram is the tool's own values or was reconstructed
// from a percentile spectrum. Figures a tool does not measure (send lag
// for every tool but smp's engine; a per-second timeline for most) are
// left empty, never made up.
//
// The built-in engine (package load) stays smp's default: it times every
// request from its intended send time, records its own send lag, and
// drives many connections from one event loop; see docs/generators.md.
package loadgen
