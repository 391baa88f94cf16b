// Package mailer sends email over SMTP (net/smtp): implicit TLS,
// STARTTLS (required, never skipped when the server does not offer it) or,
// for a server on this machine only, plain; PLAIN authentication when a
// user name is set. It tells a refusal for good (SMTP 5xx) from a failure
// worth retrying.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"
)

// The transport security modes.
const (
	StartTLS = "starttls" // plain connection upgraded with STARTTLS (port 587)
	TLS      = "tls"      // TLS from the start (port 465)
	None     = "none"     // no TLS: only for a server on this machine
)

// SMTP sends through one SMTP server.
type SMTP struct {
	Addr     string // host:port
	Username string // "" for no authentication
	Password string
	Security string // StartTLS (when ""), TLS or None
	// Timeout bounds one send, connection included (DefaultTimeout when
	// 0); a context deadline that comes sooner wins.
	Timeout time.Duration
	// TLSConfig, when set, is used instead of the default (the server's
	// host name verified against the system's roots; tests give their own
	// roots).
	TLSConfig *tls.Config
}

// DefaultTimeout bounds a send when SMTP.Timeout is 0.
const DefaultTimeout = time.Minute

// Check reports a configuration that cannot work: no address, an unknown
// security mode, or None for a server that is not on this machine.
func (m SMTP) Check() error {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return fmt.Errorf("SMTP address %q is not host:port: %v", m.Addr, err)
	}
	switch m.security() {
	case StartTLS, TLS:
	case None:
		if !isLocal(host) {
			return fmt.Errorf("SMTP without TLS is only for a server on this machine, not %q", host)
		}
	default:
		return fmt.Errorf("SMTP security %q: want %q, %q or %q", m.Security, StartTLS, TLS, None)
	}
	return nil
}

func (m SMTP) security() string {
	if m.Security == "" {
		return StartTLS
	}
	return m.Security
}

func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Send sends msg (an RFC 5322 message with CRLF line endings) from the
// address of from (which may carry a display name) to the bare address
// to.
func (m SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	if err := m.Check(); err != nil {
		return err
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return fmt.Errorf("from %q: %v", from, err)
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("to %q: %v", to, err)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, _ := net.SplitHostPort(m.Addr)
	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if m.TLSConfig != nil {
		tlsConfig = m.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", m.Addr, err)
	}
	defer conn.Close()
	// Every read and write ends with the context: net/smtp has no context.
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if m.security() == TLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS with %s: %w", m.Addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("SMTP greeting of %s: %w", m.Addr, err)
	}
	defer c.Close()
	if m.security() == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%s does not offer STARTTLS: not sending in clear", m.Addr)
		}
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("STARTTLS with %s: %w", m.Addr, err)
		}
	}
	if m.Username != "" {
		// PlainAuth refuses to send the password without TLS, except to
		// this machine.
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, host)); err != nil {
			return fmt.Errorf("SMTP authentication with %s: %w", m.Addr, err)
		}
	}
	if err := c.Mail(sender.Address); err != nil {
		return fmt.Errorf("MAIL FROM %s: %w", sender.Address, err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		return refusal(fmt.Errorf("RCPT TO %s: %w", rcpt.Address, err))
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	if err := w.Close(); err != nil {
		return refusal(fmt.Errorf("message not accepted: %w", err))
	}
	// The message is accepted: a failed QUIT changes nothing.
	c.Quit()
	return nil
}

// Permanent reports whether err is a refusal of this message or address
// for good: a 5xx reply to RCPT TO (unknown mailbox) or to the message.
// Connection failures, timeouts, 4xx replies, and 5xx replies about the
// server's own setup (authentication, the sender) are worth retrying:
// they are fixed once for every email.
func (SMTP) Permanent(err error) bool {
	var r *refused
	return errors.As(err, &r)
}

// refused is a 5xx reply to a recipient or a message.
type refused struct{ err error }

func (r *refused) Error() string { return r.err.Error() }
func (r *refused) Unwrap() error { return r.err }

// refusal wraps err as refused when it is a 5xx reply.
func refusal(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return &refused{err}
	}
	return err
}
