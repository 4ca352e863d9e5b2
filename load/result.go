package load

import "github.com/smp-dev/smp/load/record"

// The plain data of a run live in package record, so that the event loops
// and the report use them without the engine; these names are the
// engine's API.
type (
	// Result is what one run measured (see record.Result).
	Result = record.Result
	// Counts tallies a run's requests (see record.Counts).
	Counts = record.Counts[int]
	// Interval is one timeline step (see record.Interval).
	Interval = record.Interval
	// ClientUsage is the generator's own cost (see record.ClientUsage).
	ClientUsage = record.ClientUsage
	// Response is what a protocol client reports of one request (see
	// record.Response).
	Response = record.Response
)
