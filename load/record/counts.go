package record

// Counts tallies requests: how many, how they ended, and what they read.
// Status is how status codes are keyed: int in a run's Result, string in a
// report (as read back from its JSON). The JSON names are the report's.
type Counts[Status int | string] struct {
	// Requests counts every request intended in the window that was
	// sent (successes and errors); Sent counts those actually sent before
	// the window ended, the numerator of a run's achieved rate (reports
	// give the rate instead).
	Requests int64 `json:"requests"`
	Sent     int64 `json:"-"`
	Errors   int64 `json:"errors"`
	Late     int64 `json:"late"`    // sends whose slot was already due when a connection became free
	Dropped  int64 `json:"dropped"` // open-loop sends never sent (backlog bound, or run over)
	// Early counts the sends made before their intended time (by up to a
	// send tolerance) and Batched those made right after another without
	// the driver waiting in between (see Request). A report shows them as
	// its client's figures, not among its counts.
	Early         int64            `json:"-"`
	Batched       int64            `json:"-"`
	StatusCodes   map[Status]int64 `json:"statusCodes"`
	ErrorKinds    map[string]int64 `json:"errorKinds"`
	BytesReceived int64            `json:"bytesReceived"`
}

// Add adds o's counts to c, making c's maps when they are nil.
func (c *Counts[Status]) Add(o *Counts[Status]) {
	c.Requests += o.Requests
	c.Sent += o.Sent
	c.Errors += o.Errors
	c.Late += o.Late
	c.Dropped += o.Dropped
	c.Early += o.Early
	c.Batched += o.Batched
	c.BytesReceived += o.BytesReceived
	if c.StatusCodes == nil {
		c.StatusCodes = map[Status]int64{}
	}
	for k, v := range o.StatusCodes {
		c.StatusCodes[k] += v
	}
	if c.ErrorKinds == nil {
		c.ErrorKinds = map[string]int64{}
	}
	for k, v := range o.ErrorKinds {
		c.ErrorKinds[k] += v
	}
}
