package store

import (
	"context"
	"fmt"
	"strings"
)

// MinPrefix is the fewest hex digits of a run ID that Resolve accepts.
const MinPrefix = 4

// AmbiguousError says a prefix matches several runs.
type AmbiguousError struct {
	Prefix string
	IDs    []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("run id %q: matches %d runs (%s): expected a longer prefix", e.Prefix, len(e.IDs), strings.Join(e.IDs, ", "))
}

// BadIDError says a run ID (or prefix) is not made of MinPrefix to 16 hex
// digits.
type BadIDError struct {
	ID string
}

func (e *BadIDError) Error() string {
	return fmt.Sprintf("run id %q: expected %d to 16 hex digits of a run ID", e.ID, MinPrefix)
}

// Resolve returns the ID of the one run whose ID starts with prefix (at
// least MinPrefix hex digits, any case): a *NotFoundError when none does,
// an *AmbiguousError when several do, a *BadIDError when prefix is not
// one.
func Resolve(ctx context.Context, s Store, prefix string) (string, error) {
	p := strings.ToLower(prefix)
	if len(p) < MinPrefix || len(p) > 16 || strings.Trim(p, "0123456789abcdef") != "" {
		return "", &BadIDError{ID: prefix}
	}
	runs, err := s.List(ctx, Filter{})
	if err != nil {
		return "", err
	}
	var ids []string
	for _, r := range runs {
		if strings.HasPrefix(r.ID, p) {
			ids = append(ids, r.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", &NotFoundError{ID: prefix}
	case 1:
		return ids[0], nil
	}
	return "", &AmbiguousError{Prefix: prefix, IDs: ids}
}
