package spec

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// Binary size units, the only ones a spec accepts.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

// expSize is what a size must look like.
const expSize = "a size in bytes such as 512, 1KiB or 2MiB"

// sizeUnit is one accepted unit suffix.
type sizeUnit struct {
	name string
	n    ByteSize
}

// sizeUnits returns the accepted unit suffixes, largest first.
func sizeUnits() []sizeUnit {
	return []sizeUnit{{"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}, {"B", 1}}
}

// ParseByteSize reads a size: a plain integer number of bytes ("512"), or
// an integer with a binary unit: "512B", "1KiB", "2MiB", "1GiB". Decimal
// units ("1KB", "1MB") are rejected, with a hint to write KiB or MiB,
// because 1KB means 1000 bytes to some tools and 1024 to others. The error
// says what was expected; callers name the input.
func ParseByteSize(s string) (ByteSize, error) {
	digits := strings.TrimLeft(s, "0123456789")
	num, unit := s[:len(s)-len(digits)], digits
	if num == "" {
		return 0, errors.New(expSize)
	}
	mult, ok := ByteSize(0), false
	for _, u := range sizeUnits() {
		if unit == u.name {
			mult, ok = u.n, true
		}
	}
	if unit == "" {
		mult, ok = 1, true
	}
	if !ok {
		return 0, errors.New(sizeHint(unit))
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/int64(mult) {
		return 0, errors.New(expSize + " (at most 8EiB)")
	}
	return ByteSize(n) * mult, nil
}

// sizeHint is what to say about a size with an unknown unit.
func sizeHint(unit string) string {
	for _, u := range sizeUnits() {
		if strings.EqualFold(unit, u.name) {
			return expSize + " (write " + u.name + ")"
		}
	}
	switch strings.ToUpper(unit) {
	case "K", "KB":
		return expSize + " (binary units only: write KiB, not " + unit + ")"
	case "M", "MB":
		return expSize + " (binary units only: write MiB, not " + unit + ")"
	case "G", "GB":
		return expSize + " (binary units only: write GiB, not " + unit + ")"
	}
	return expSize + " (units: B, KiB, MiB, GiB)"
}

// String formats b in the largest unit that divides it exactly: "1KiB",
// "64MiB", "1536B", "0B". ParseByteSize reads it back.
func (b ByteSize) String() string {
	for _, u := range sizeUnits() {
		if b != 0 && b%u.n == 0 {
			return strconv.FormatInt(int64(b/u.n), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalJSON writes b as a plain JSON integer.
func (b ByteSize) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(b), 10), nil
}

// UnmarshalJSON reads a JSON integer, or a string that ParseByteSize
// accepts. null leaves b unchanged.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		var n int64
		if err := json.Unmarshal(data, &n); err != nil {
			return errors.New(expSize)
		}
		*b = ByteSize(n)
		return nil
	}
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}
