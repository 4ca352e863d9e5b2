package load

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// Error kinds, as they appear in reports under errorKinds.
const (
	KindRefused  = "connection_refused"
	KindTimeout  = "timeout"
	KindReset    = "reset"
	KindDNS      = "dns"
	KindTLS      = "tls"
	KindProtocol = "protocol"
	KindHTTP4xx  = "http_4xx"
	KindHTTP5xx  = "http_5xx"
	KindOther    = "other"
)

// ErrProtocol marks a response that could not be parsed. Protocol clients
// wrap it so that Classify reports KindProtocol.
var ErrProtocol = errors.New("protocol error")

// ErrTLS and ErrReset let protocol clients whose libraries report failures
// as text (gRPC's status messages) say what kind of failure it was.
var (
	ErrTLS   = errors.New("tls failure")
	ErrReset = errors.New("connection closed")
)

// Classify returns the error kind of a failed request.
func Classify(err error) string {
	var (
		dnsErr  *net.DNSError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		netErr  net.Error
		opErr   *net.OpError
	)
	switch {
	case err == nil:
		return ""
	case isRefused(err):
		return KindRefused
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &certErr),
		errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invErr),
		errors.As(err, &opErr) && opErr.Op == "remote error", errors.Is(err, ErrTLS):
		// A "remote error" is a TLS alert from the peer, such as a server
		// refusing a missing client certificate (crypto/tls does not
		// export its type).
		return KindTLS
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout
	case isReset(err),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, ErrReset):
		return KindReset
	case errors.Is(err, ErrProtocol):
		return KindProtocol
	default:
		return KindOther
	}
}

// ClassifyStatus returns the error kind of an HTTP status, or "" when the
// status is a success (1xx-3xx).
func ClassifyStatus(status int) string {
	switch {
	case status >= 500:
		return KindHTTP5xx
	case status >= 400:
		return KindHTTP4xx
	default:
		return ""
	}
}

// refusalWait bounds the read of Refusal (a reset socket answers at once;
// this is a guard).
const refusalWait = 100 * time.Millisecond

// Refusal returns the cause of a write to c that failed with werr. A TLS
// 1.3 server checks the client's certificate after the client's handshake
// has ended, and refuses it with an alert and a close; a client slow to
// read (a busy machine) writes first and finds the connection reset. The
// alert is still queued, and it is the cause: Refusal returns it when a
// read finds it, else werr. It reads c, so it is for a connection that
// the caller gives up.
func Refusal(c net.Conn, werr error) error {
	if Classify(werr) != KindReset || errors.Is(werr, net.ErrClosed) {
		return werr
	}
	_ = c.SetReadDeadline(time.Now().Add(refusalWait))
	var b [512]byte
	if _, rerr := c.Read(b[:]); Classify(rerr) == KindTLS {
		return rerr
	}
	return werr
}
