package store

import (
	"context"
	"errors"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestDSNSecrets(t *testing.T) {
	for _, tc := range []struct {
		dsn  string
		want []string
	}{
		// A path has no secrets.
		{"/var/lib/smp/results.db", nil},
		{"sqlite:///tmp/x.db", nil},
		// No password.
		{"postgres://smp@db:5432/smp", nil},
		{"postgres://smp:s3cret@db:5432/smp", []string{"s3cret"}},
		// Encoded and decoded, the longer first.
		{"postgresql://smp:a%40b@db/smp", []string{"a%40b", "a@b"}},
		// An '@' not encoded: the last one ends the user info.
		{"postgres://smp:p@ss@db/smp", []string{"p@ss"}},
		// In the query.
		{"postgres://db/smp?sslmode=disable&password=qw3rty", []string{"qw3rty"}},
	} {
		if got := dsnSecrets(tc.dsn); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("dsnSecrets(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
	if got := Redact("postgres://smp:s3cret@db/smp?password=s3cret"); got != "postgres://smp:xxxxx@db/smp?password=xxxxx" {
		t.Errorf("redact = %q", got)
	}
}

// TestOpenBadDSN: a DSN that does not open fails naming it, without its
// password.
func TestOpenBadDSN(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dsn  string
		want []string // in the error
	}{
		// Nothing listens on port 1.
		{"postgres://smp:s3cret@127.0.0.1:1/smp?connect_timeout=5", []string{"postgres://smp:xxxxx@127.0.0.1:1/smp"}},
		// pgx cannot parse it (bad port).
		{"postgresql://smp:s3cret@127.0.0.1:notaport/smp", []string{"postgresql://smp:xxxxx@127.0.0.1:notaport/smp"}},
		// A scheme the store does not take.
		{"mysql://smp:s3cret@127.0.0.1/smp", []string{"mysql://smp:xxxxx@127.0.0.1/smp", `scheme "mysql"`, "expected"}},
	} {
		s, err := Open(ctx, tc.dsn)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", tc.dsn)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%q) error %q: want %q in it", tc.dsn, err, w)
			}
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %q", tc.dsn, err)
		}
	}
}

// TestOpenWrongPassword asks the test server with a wrong password: the
// error says so, and shows neither password.
func TestOpenWrongPassword(t *testing.T) {
	base := os.Getenv("SMP_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("SMP_TEST_POSTGRES_DSN is not set: no PostgreSQL server to test against")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	right, _ := u.User.Password()
	u.User = url.UserPassword(u.User.Username(), "wr0ng-pa55")
	s, err := Open(context.Background(), u.String())
	if err == nil {
		_ = s.Close()
		t.Fatal("a wrong password opened the store")
	}
	msg := err.Error()
	if strings.Contains(msg, "wr0ng-pa55") || (right != "" && strings.Contains(msg, right)) ||
		!strings.Contains(msg, "xxxxx@"+u.Host) || !strings.Contains(msg, "password authentication failed") {
		t.Errorf("error %q: want the DSN redacted and the cause", msg)
	}
	var r *redacted
	if !errors.As(err, &r) {
		t.Errorf("error %q does not wrap the driver's error", msg)
	}
}

func TestSQLitePath(t *testing.T) {
	def, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dsn  string
		path string
		ok   bool
	}{
		{"", def, true},
		{"/var/lib/smp/results.db", "/var/lib/smp/results.db", true},
		{"rel.db", "rel.db", true},
		{"sqlite:///tmp/x.db", "/tmp/x.db", true},
		{"SQLite://x.db", "x.db", true},
		{"sqlite://", "", false},
		{"postgres://smp@db/smp", "", false},
		{"mysql://db", "", false},
	} {
		path, ok := SQLitePath(tc.dsn)
		if path != tc.path || ok != tc.ok {
			t.Errorf("SQLitePath(%q) = %q, %v; want %q, %v", tc.dsn, path, ok, tc.path, tc.ok)
		}
	}
}
