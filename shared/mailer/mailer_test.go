package mailer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"example.com/crm/shared/localstack"
	"example.com/crm/shared/mailer"
)

// mailpit starts a mailpit of the test's own (the SMTP server that keeps
// what it receives) with extra flags.
func mailpit(t *testing.T, extra ...string) *localstack.Mailpit {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts mailpit")
	}
	ctx := context.Background()
	bin, err := localstack.BuildMailpit(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr, err := localstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	webAddr, err := localstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	m, err := localstack.StartMailpit(ctx, bin, smtpAddr, webAddr, &log, extra...)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	t.Cleanup(m.Stop)
	return m
}

func message(to, subject string) []byte {
	return []byte("From: CRM <crm@example.com>\r\nTo: " + to + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n")
}

// received returns the raw messages mailpit kept for to.
func received(t *testing.T, m *localstack.Mailpit, to string) [][]byte {
	t.Helper()
	ctx := context.Background()
	list, err := m.Messages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, msg := range list {
		for _, a := range msg.To {
			if a.Address == to {
				raw, err := m.Raw(ctx, msg.ID)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, raw)
			}
		}
	}
	return out
}

func TestSendPlainToLocalServer(t *testing.T) {
	m := mailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	s := mailer.SMTP{Addr: m.SMTP, Security: mailer.None, Username: "crm", Password: "secret"}
	if err := s.Send(context.Background(), "CRM <crm@example.com>", "team@example.com", message("team@example.com", "plain")); err != nil {
		t.Fatal(err)
	}
	got := received(t, m, "team@example.com")
	if len(got) != 1 || !bytes.Contains(got[0], []byte("Subject: plain")) || !bytes.Contains(got[0], []byte("Hello.")) {
		t.Fatalf("received %q, want the one message", got)
	}
}

// A server that does not offer STARTTLS gets nothing: the message (and the
// password) are never sent in clear.
func TestStartTLSRequired(t *testing.T) {
	m := mailpit(t)
	s := mailer.SMTP{Addr: m.SMTP, Username: "crm", Password: "secret"} // StartTLS by default
	err := s.Send(context.Background(), "crm@example.com", "team@example.com", message("team@example.com", "clear"))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send to a server without STARTTLS: %v, want refused", err)
	}
	if s.Permanent(err) {
		t.Error("a server without STARTTLS is a setup problem, retried, not a refusal of the address")
	}
	if got := received(t, m, "team@example.com"); len(got) != 0 {
		t.Fatalf("the server received %d messages", len(got))
	}
}

// STARTTLS with the server's certificate checked, then authentication.
func TestStartTLS(t *testing.T) {
	certFile, keyFile, roots := selfSigned(t)
	m := mailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-require-starttls", "--smtp-auth-accept-any")
	s := mailer.SMTP{Addr: m.SMTP, Username: "crm", Password: "secret", TLSConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"}}
	if err := s.Send(context.Background(), "crm@example.com", "team@example.com", message("team@example.com", "tls")); err != nil {
		t.Fatal(err)
	}
	if got := received(t, m, "team@example.com"); len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	// A certificate the client does not trust: nothing sent.
	s.TLSConfig = &tls.Config{ServerName: "localhost"}
	if err := s.Send(context.Background(), "crm@example.com", "other@example.com", message("other@example.com", "untrusted")); err == nil {
		t.Fatal("sent over STARTTLS with an untrusted certificate")
	}
}

// A recipient the server refuses (5xx) is a permanent failure; a server
// that does not answer is not.
func TestPermanent(t *testing.T) {
	m := mailpit(t, "--smtp-allowed-recipients", `@example\.com$`)
	s := mailer.SMTP{Addr: m.SMTP, Security: mailer.None}
	err := s.Send(context.Background(), "crm@example.com", "nobody@refused.test", message("nobody@refused.test", "refused"))
	if err == nil || !s.Permanent(err) {
		t.Fatalf("refused recipient: %v, permanent %v; want a permanent error", err, s.Permanent(err))
	}
	down, err := localstack.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = down
	err = s.Send(context.Background(), "crm@example.com", "team@example.com", message("team@example.com", "down"))
	if err == nil || s.Permanent(err) {
		t.Fatalf("server down: %v, permanent %v; want a temporary error", err, s.Permanent(err))
	}
}

// A server that accepts the connection and never answers is given up on
// at the timeout.
func TestTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: no greeting
		}
	}()
	s := mailer.SMTP{Addr: l.Addr().String(), Security: mailer.None, Timeout: 300 * time.Millisecond}
	start := time.Now()
	err = s.Send(context.Background(), "crm@example.com", "team@example.com", message("team@example.com", "silent"))
	if err == nil || s.Permanent(err) {
		t.Fatalf("silent server: %v, want a temporary error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("gave up after %s, want about the timeout", d)
	}
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		s  mailer.SMTP
		ok bool
	}{
		{mailer.SMTP{Addr: "smtp.example.com:587"}, true},
		{mailer.SMTP{Addr: "smtp.example.com:465", Security: mailer.TLS}, true},
		{mailer.SMTP{Addr: "127.0.0.1:1025", Security: mailer.None}, true},
		{mailer.SMTP{Addr: "localhost:1025", Security: mailer.None}, true},
		{mailer.SMTP{Addr: "smtp.example.com:25", Security: mailer.None}, false},
		{mailer.SMTP{Addr: "smtp.example.com:25", Security: "ssl"}, false},
		{mailer.SMTP{Addr: "smtp.example.com"}, false},
		{mailer.SMTP{}, false},
	} {
		if err := c.s.Check(); (err == nil) != c.ok {
			t.Errorf("Check(%+v) = %v, want ok %v", c.s, err, c.ok)
		}
	}
}

// selfSigned writes a certificate for localhost and 127.0.0.1 and its
// key, and returns their files and a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}
