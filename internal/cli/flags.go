package cli

import (
	"time"

	"github.com/smp-dev/smp/spec"
)

// parseDurationFlag reads a duration flag, naming the flag when it is bad.
func parseDurationFlag(flag, v string) (time.Duration, error) {
	d, err := spec.ParseDuration(v)
	if err != nil {
		return 0, usageErr("%s %q: expected a duration such as 10s, 250ms or 50us", flag, v)
	}
	return d.D(), nil
}
