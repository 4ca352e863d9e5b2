// Package report defines smp's result document, schema smp.report/v1, and
// builds it from load results. A Report is plain data with JSON tags: it
// holds no clients or options, numbers stay numbers, and every latency
// object carries its encoded HDR histogram so that reports can be merged and
// re-bucketed later without loss.
package report

import (
	"time"

	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/spec"
)

// SchemaVersion names this document's schema.
const SchemaVersion = "smp.report/v1"

// Report is one smp run.
type Report struct {
	SchemaVersion string      `json:"schemaVersion"`
	Tool          Tool        `json:"tool"`
	Test          *spec.Test  `json:"test"` // as run, secrets redacted
	Environment   Environment `json:"environment"`
	StartTime     time.Time   `json:"startTime"`
	EndTime       time.Time   `json:"endTime"`
	// Partial is true when the run was interrupted: what it holds is real
	// but incomplete.
	Partial   bool       `json:"partial,omitempty"`
	Warnings  []string   `json:"warnings,omitempty"`
	Scenarios []Scenario `json:"scenarios"`
	// Comparisons hold each mesh scenario against the baseline.
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// SLO holds every SLO assertion judged against every scenario.
	SLO []SLOResult `json:"slo,omitempty"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Environment describes the machine the run happened on.
type Environment struct {
	Hostname  string            `json:"hostname"`
	OS        string            `json:"os"`
	Kernel    string            `json:"kernel"`
	CPUModel  string            `json:"cpuModel"`
	CPUs      int               `json:"cpus"`
	MemoryMB  float64           `json:"memoryMB"`
	GoVersion string            `json:"goVersion"`
	Labels    map[string]string `json:"labels,omitempty"`
	// Fingerprint hashes the machine's stable facts (smp certify): runs
	// with different fingerprints ran on machines that differ.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Certify is smp certify's verdict on the machine when the run began;
	// nil when it was not checked.
	Certify *Certify `json:"certify,omitempty"`
}

// Certify summarizes smp certify's checks of the machine a run measured
// from (docs/certify.md).
type Certify struct {
	Pass bool `json:"pass"` // no check failed
	// Failed and Warned are the ids of the checks that failed or warned,
	// each with what was observed ("governor: powersave").
	Failed []string `json:"failed,omitempty"`
	Warned []string `json:"warned,omitempty"`
	// Calibration is the machine's measured run-to-run spread, when the
	// run was asked to calibrate first (smp run --calibrate N).
	Calibration *CertifyCalibration `json:"calibration,omitempty"`
}

// CertifyCalibration is smp certify's calibration: the same short run
// against the built-in target Runs times, and the spread of its figures.
type CertifyCalibration struct {
	Runs int     `json:"runs"`
	Rate float64 `json:"rate"` // req/s of each run
	// CVP50 and CVP99 are the coefficients of variation (standard
	// deviation over mean) of the runs' p50 and p99.
	CVP50 float64 `json:"cvP50"`
	CVP99 float64 `json:"cvP99"`
	// SendLagP99Ms is the largest send-lag p99 of the runs, ms.
	SendLagP99Ms float64 `json:"sendLagP99Ms"`
	// MaxCV and MaxSendLagMs are the limits the calibration was held to.
	MaxCV        float64 `json:"maxCV"`
	MaxSendLagMs float64 `json:"maxSendLagMs"`
}

// Scenario is one mesh (or the no-mesh baseline) run for some iterations.
type Scenario struct {
	Name string `json:"name"`
	Mesh Mesh   `json:"mesh"`
	// Error says why the scenario stopped early, if it did.
	Error      string      `json:"error,omitempty"`
	Iterations []Iteration `json:"iterations"`
	Summary    Summary     `json:"summary"`
}

// Mesh says what carried the traffic.
type Mesh struct {
	Type        string `json:"type"`
	MTLS        bool   `json:"mtls,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
	// Version and ControlPlane are what the platform detected of the
	// mesh before the run (e.g. istiod's version); empty when the
	// platform runs the mesh itself (local sidecars) or found nothing.
	Version      string `json:"version,omitempty"`
	ControlPlane string `json:"controlPlane,omitempty"`
}

// Baseline says the scenario ran without a mesh (mesh type "none"): the
// one every other scenario is compared with.
func (m Mesh) Baseline() bool { return m.Type == spec.MeshNone }

// Counts are the request tallies shared by iterations and summaries:
// the rates, the tallies (requests, errors, late, dropped, statusCodes,
// errorKinds, bytesReceived), and the error rate derived from them.
type Counts struct {
	RequestedRate float64 `json:"requestedRate"` // requests/s; 0 = closed loop
	AchievedRate  float64 `json:"achievedRate"`  // requests/s sent within the window
	Tally
	ErrorRate float64 `json:"errorRate"` // errors / requests, 0..1
}

// Tally is the additive part of Counts: the engine's counts of a run,
// with status codes keyed as in JSON. Tally.Add pools them.
type Tally = record.Counts[string]

// ClientShare is one load client's part of an iteration.
type ClientShare struct {
	Index         int     `json:"index"`
	Pod           string  `json:"pod,omitempty"`
	RequestedRate float64 `json:"requestedRate"`
	AchievedRate  float64 `json:"achievedRate"` // over its own window
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	SendLagP99Ms  float64 `json:"sendLagP99Ms"`
	// StartLateMs is how long after the shared start the client began.
	StartLateMs float64 `json:"startLateMs,omitempty"`
}

// Iteration is one measured run of a scenario.
type Iteration struct {
	Index     int       `json:"index"`
	StartTime time.Time `json:"startTime"` // the measurement window (warmup excluded)
	EndTime   time.Time `json:"endTime"`
	Counts
	Latency            Latency `json:"latency"`
	UncorrectedLatency Latency `json:"uncorrectedLatency"`
	SendLag            Latency `json:"sendLag"`
	// ConnectTime and TLSHandshake time the set-up of each connection
	// opened in the window (TCP connect; TLS handshake): present when the
	// run measured them (load.newConnection), absent otherwise.
	ConnectTime  *Latency `json:"connectTime,omitempty"`
	TLSHandshake *Latency `json:"tlsHandshake,omitempty"`
	// FirstByte is the time to first byte of each request with one
	// connection per request: from the end of writing the request to the
	// first byte of the response (every protocol; see docs/report.md for
	// where each takes it).
	FirstByte *Latency        `json:"firstByte,omitempty"`
	Timeline  []TimelinePoint `json:"timeline"`
	Client    Client          `json:"client"`
	// Clients are the load clients' own figures when the load ran from
	// several (in-cluster client pods, load.clients); the iteration's
	// counts and histograms are all of theirs merged losslessly.
	Clients []ClientShare `json:"clients,omitempty"`
	// Components are the processes of the scenario's deployment (app,
	// proxies) with what each cost; Resources and Startup aggregate them.
	Components []Component `json:"components,omitempty"`
	Resources  *Resources  `json:"resources,omitempty"`
	Startup    *Startup    `json:"startup,omitempty"`
	// ControlPlane is what the mesh's control plane (istiod) did and cost
	// in the window; nil when the scenario has none or it was not read.
	ControlPlane *ControlPlane `json:"controlPlane,omitempty"`
	Partial      bool          `json:"partial,omitempty"`
	// Error says why the iteration failed (a component crashed, say).
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Summary pools a scenario's iterations: counts are summed, the rate is
// total sends over total window time, and latencies come from the merged
// histograms (never a mean of per-iteration percentiles).
type Summary struct {
	Iterations int `json:"iterations"`
	Counts
	Latency            Latency `json:"latency"`
	UncorrectedLatency Latency `json:"uncorrectedLatency"`
	SendLag            Latency `json:"sendLag"`
	// ConnectTime and TLSHandshake pool the iterations' (see Iteration).
	ConnectTime  *Latency `json:"connectTime,omitempty"`
	TLSHandshake *Latency `json:"tlsHandshake,omitempty"`
	FirstByte    *Latency `json:"firstByte,omitempty"`
	Client       Client   `json:"client"`
	// Resources and Startup pool the iterations' components.
	Resources *Resources `json:"resources,omitempty"`
	Startup   *Startup   `json:"startup,omitempty"`
	// ControlPlane pools the iterations' (PoolControlPlane).
	ControlPlane *ControlPlane `json:"controlPlane,omitempty"`
	// Capacity is the capacity search's answer (load.mode capacity); the
	// iteration is then the highest passing trial's.
	Capacity *Capacity `json:"capacity,omitempty"`
}

// Latency summarizes one histogram, in milliseconds.
type Latency struct {
	Unit   string  `json:"unit"` // always "ms"
	Count  int64   `json:"count"`
	Min    float64 `json:"min"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	Max    float64 `json:"max"`
	// Percentiles keyed "p50", "p99.9", …
	Percentiles map[string]float64 `json:"percentiles"`
	// Buckets are cumulative: Count values at or below LE milliseconds.
	Buckets []Bucket `json:"buckets"`
	// HDR is the histogram (nanoseconds) in HdrHistogram V2 compressed
	// encoding, base64.
	HDR string `json:"hdr"`
}

// Bucket is one cumulative histogram bucket.
type Bucket struct {
	LE    float64 `json:"le"` // upper bound, ms
	Count int64   `json:"count"`
}

// TimelinePoint is one second of the run, by intended send time.
type TimelinePoint struct {
	Second   float64 `json:"second"` // start, seconds from the window start
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	P50      float64 `json:"p50"` // ms
	P99      float64 `json:"p99"` // ms
}

// Client is the load generator's own cost, so a reader can tell whether the
// client was the bottleneck.
type Client struct {
	CPUMcores float64 `json:"cpuMcores"`
	MaxRSSMB  float64 `json:"maxRssMB"`
	// Source says where the figures come from.
	Source string `json:"source"`
	// IncludesTarget is true when the target ran inside the generator's
	// process (workload app builtin), so its CPU is counted here too.
	IncludesTarget bool `json:"includesTarget,omitempty"`
	// Driver is how the generator drove its connections: "eventloop"
	// (event loops, one thread each) or "goroutines" (one per
	// connection); "mixed" in a merge of both.
	Driver string `json:"driver,omitempty"`
	// SendToleranceMs is how early smp's event loop could send a request
	// so that it left with an earlier one (load.sendTolerance, as applied:
	// only driver eventloop batches, so it is 0 with goroutines); 0: every
	// send at its time.
	SendToleranceMs float64 `json:"sendToleranceMs,omitempty"`
	// EarlySends are the sends made before their intended time (within
	// the tolerance): their latency is timed from when they left and
	// their send lag counts as 0. BatchedSends are the sends made right
	// after another, with no wait of the client in between (several
	// sends on one wake-up). What the client did to keep the schedule,
	// beside the send lag.
	EarlySends   int64 `json:"earlySends,omitempty"`
	BatchedSends int64 `json:"batchedSends,omitempty"`
	// Generator is the load generator that measured the latencies, and
	// what its figures are.
	Generator *Generator `json:"generator,omitempty"`
}

// Generator says which load generator measured a scenario and what its
// latency figures mean (docs/generators.md).
type Generator struct {
	// Name is builtin (smp's own engine), fortio, wrk2, nighthawk,
	// vegeta, wrk or hey.
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// LatencyClock is "intended" (timed from each request's scheduled send
	// time, coordinated omission corrected) or "actual" (from when it was
	// sent: a generator that falls behind a stall hides part of it).
	LatencyClock string `json:"latencyClock"`
	// ResolutionMs is the finest latency difference the generator's
	// figures can show.
	ResolutionMs float64 `json:"resolutionMs"`
	// Histogram is "native" (the generator's own values or buckets) or
	// "reconstructed" (rebuilt from the percentiles it printed: its
	// quantiles between those are interpolated).
	Histogram string `json:"histogram"`
	// Warmup says how the warmup was kept out of the figures.
	Warmup  string   `json:"warmup,omitempty"`
	Command []string `json:"command,omitempty"`
}
