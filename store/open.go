package store

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Open opens the store dsn names, creating it if it does not exist, and
// brings its schema up to date:
//
//	""                                 SQLite at DefaultPath()
//	PATH or sqlite://PATH              SQLite at PATH (sqlite:///abs/path)
//	postgres://… or postgresql://…     PostgreSQL (pgx URL syntax)
//
// Errors name the DSN with any password replaced by "xxxxx".
func Open(ctx context.Context, dsn string) (Store, error) {
	return open(ctx, dsn, migrations)
}

// SQLitePath is the file of the SQLite store dsn names (DefaultPath()
// for ""); ok is false when dsn names no SQLite store (PostgreSQL, an
// unknown scheme, sqlite:// without a path, no default path).
func SQLitePath(dsn string) (path string, ok bool) {
	scheme, rest, hasScheme := strings.Cut(dsn, "://")
	switch {
	case dsn == "":
		p, err := DefaultPath()
		return p, err == nil
	case !hasScheme:
		return dsn, true
	case strings.EqualFold(scheme, "sqlite") && rest != "":
		return rest, true
	}
	return "", false
}

// open is Open with the migration steps given, so that tests can build a
// store at another schema.
func open(ctx context.Context, dsn string, steps []migration) (Store, error) {
	scheme, rest, hasScheme := strings.Cut(dsn, "://")
	switch {
	case dsn == "":
		path, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		return openSQLite(ctx, path, steps)
	case !hasScheme:
		return openSQLite(ctx, dsn, steps)
	case strings.EqualFold(scheme, "sqlite"):
		if rest == "" {
			return nil, fmt.Errorf("store %q: no path: expected sqlite://PATH", dsn)
		}
		return openSQLite(ctx, rest, steps)
	case strings.EqualFold(scheme, "postgres"), strings.EqualFold(scheme, "postgresql"):
		return openPostgres(ctx, dsn, steps)
	}
	return nil, fmt.Errorf("store %q: scheme %q: expected a path, sqlite://PATH, postgres:// or postgresql://", Redact(dsn), scheme)
}

// redacted is an error whose text has the secrets of a DSN replaced, so
// that whatever a driver put in its message (the DSN, a parse of it) does
// not show the password. Unwrap still reaches the driver's error.
type redacted struct {
	err     error
	secrets []string
}

func (e *redacted) Error() string {
	s := e.err.Error()
	for _, secret := range e.secrets {
		s = strings.ReplaceAll(s, secret, "xxxxx")
	}
	return s
}

func (e *redacted) Unwrap() error { return e.err }

// redactErr hides dsn's secrets in err's text.
func redactErr(err error, dsn string) error {
	if err == nil {
		return nil
	}
	if secrets := dsnSecrets(dsn); len(secrets) > 0 {
		return &redacted{err: err, secrets: secrets}
	}
	return err
}

// Redact returns dsn with its secrets replaced by "xxxxx".
func Redact(dsn string) string {
	for _, s := range dsnSecrets(dsn) {
		dsn = strings.ReplaceAll(dsn, s, "xxxxx")
	}
	return dsn
}

// dsnSecrets finds the passwords of a URL DSN, as written and decoded:
// the one of the user info (scheme://user:PASSWORD@host) and any password=
// query parameter. It reads the DSN by hand, not with net/url, so that a
// DSN net/url rejects is redacted too. Longest first, so a secret that
// contains another is replaced whole.
func dsnSecrets(dsn string) []string {
	_, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return nil
	}
	beforeQuery, query, _ := strings.Cut(rest, "?")
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if dec, err := url.PathUnescape(s); err == nil && dec != s {
			out = append(out, dec)
		}
	}
	if at := strings.LastIndex(beforeQuery, "@"); at >= 0 {
		if _, pw, ok := strings.Cut(beforeQuery[:at], ":"); ok {
			add(pw)
		}
	}
	for _, kv := range strings.Split(query, "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.EqualFold(k, "password") {
			add(v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
