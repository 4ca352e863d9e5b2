package spec

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// expDuration is what a duration must look like.
const expDuration = "a duration such as 10s or 250ms"

// errDuration is ParseDuration's error. It says what was expected; callers
// name the input (a field, a flag).
func errDuration() error { return errors.New(expDuration) }

// ParseDuration reads a duration in Go syntax with a unit on every number:
// "10s", "250ms", "50us", "50µs", "100ns", "1m30s", "1.5h". A bare number
// is rejected because its unit would be a guess; the one exception is "0",
// which needs none. Signs are read ("-1s"); ranges are Validate's job.
func ParseDuration(s string) (Duration, error) {
	if s != "0" && strings.TrimLeft(s, "+-0123456789.") == "" {
		return 0, errDuration()
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errDuration()
	}
	return Duration(d), nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d the way ParseDuration reads it, in ASCII: "1m30s",
// "250ms", "50us", "0s".
func (d Duration) String() string {
	return strings.Replace(time.Duration(d).String(), "µs", "us", 1)
}

// MarshalText writes d as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads d with ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON writes d as a JSON string such as "10s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string with ParseDuration. Numbers are
// rejected (their unit would be a guess); null leaves d unchanged.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errDuration()
	}
	return d.UnmarshalText([]byte(s))
}
