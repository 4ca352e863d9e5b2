// Package loadjob drives a scenario's load from inside a Kubernetes
// cluster: N client pods of one indexed Job, each sending its share of the
// rate over its share of the connections from one shared start time, each
// printing its full result (HDR histograms, counts, timeline) to its log,
// framed; the Runner reads the pods' logs, decodes the results and merges
// them losslessly into one (record.Merge). Kubernetes schedules, starts and
// restarts nothing on our behalf beyond that: it is the distributed engine.
//
// The two halves meet at the frame (WriteFrame, ReadFrame) and at Split,
// which says what share of a test one client runs: the Worker runs inside
// a pod (smp worker), the Runner (a platform.Loader) outside.
package loadjob
