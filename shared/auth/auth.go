// Package auth checks the credentials that CCAI Platform sends with every
// Generic API call: HTTP Basic, a custom header holding an API key, or an
// OAuth 2.0 Bearer access token issued by this CRM (shared/oauthserver).
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"example.com/crm/shared/crm"
)

// The authentication methods of the portal settings.
const (
	MethodBasic        = "basic"
	MethodCustomHeader = "custom_header"
	MethodOAuth        = "oauth"
)

// BearerValidator checks an OAuth 2.0 access token. It returns an
// Unauthorized error for a token that is unknown, expired, revoked or
// tampered with, and Unavailable when the check itself failed.
type BearerValidator interface {
	ValidateBearer(ctx context.Context, token string) error
}

// Config is how calls are authenticated.
type Config struct {
	Method        string // MethodBasic or MethodCustomHeader
	BasicUsername string
	BasicPassword string
	HeaderName    string   // e.g. "X-Api-Key"
	APIKeys       []string // any of them is accepted, so a key can be rotated without downtime
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	switch c.Method {
	case MethodBasic:
		if c.BasicUsername == "" || c.BasicPassword == "" {
			errs = append(errs, errors.New("basic authentication needs a username and a password"))
		}
	case MethodOAuth:
		// the validator is given to New; clients are checked by the
		// authorization server's configuration
	case MethodCustomHeader:
		if c.HeaderName == "" {
			errs = append(errs, errors.New("custom header authentication needs a header name"))
		}
		if len(c.APIKeys) == 0 {
			errs = append(errs, errors.New("custom header authentication needs at least one API key"))
		}
		for _, k := range c.APIKeys {
			if len(k) < 16 {
				errs = append(errs, errors.New("API keys must be at least 16 characters"))
				break
			}
		}
	default:
		errs = append(errs, fmt.Errorf("unknown authentication method %q (want %q, %q or %q)", c.Method, MethodBasic, MethodCustomHeader, MethodOAuth))
	}
	return errors.Join(errs...)
}

// Checker checks the credentials of a request.
type Checker struct {
	cfg      Config
	user     [32]byte
	password [32]byte
	keys     [][32]byte
	bearer   BearerValidator
	limiter  *Limiter
	// pathSecret, when set, is the SHA-256 of the URL path secret.
	pathSecret *[32]byte
}

// New returns a Checker for cfg, or cfg's problems. bearer validates
// tokens when the method is OAuth (nil otherwise); limiter, when not nil,
// locks out clients that fail too often.
func New(cfg Config, bearer BearerValidator, limiter *Limiter) (*Checker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Method == MethodOAuth && bearer == nil {
		return nil, errors.New("OAuth authentication needs a token validator")
	}
	c := &Checker{cfg: cfg, user: sha256.Sum256([]byte(cfg.BasicUsername)), password: sha256.Sum256([]byte(cfg.BasicPassword)), bearer: bearer, limiter: limiter}
	for _, k := range cfg.APIKeys {
		c.keys = append(c.keys, sha256.Sum256([]byte(k)))
	}
	return c, nil
}

// errUnauthorized says nothing of which part was wrong.
var errUnauthorized = crm.Errorf(crm.Unauthorized, "authentication failed")

// Check returns nil when r carries valid credentials, else an
// Unauthorized error, or TooManyRequests once the client has failed too
// often (Unavailable when a token could not be checked). The credentials
// are always checked first: valid ones are served even from an address
// whose failures are throttled.
func (c *Checker) Check(r *http.Request) error {
	err := c.check(r)
	if c.limiter == nil || crm.ErrorCode(err) != crm.Unauthorized {
		return err
	}
	if wait := c.limiter.Failed(ClientAddr(r)); wait > 0 {
		return crm.Errorf(crm.TooManyRequests, "too many failed attempts; try again in %d seconds", int(wait.Seconds())+1)
	}
	return err
}

// MinPathSecret is the shortest URL path secret accepted.
const MinPathSecret = 32

// CheckPathSecret reports what is wrong with secret as a URL path secret:
// at least MinPathSecret characters, letters, digits, "-", "_", "." and
// "~" only (it is typed into a URL as it is).
func CheckPathSecret(secret string) error {
	if len(secret) < MinPathSecret {
		return fmt.Errorf("must be at least %d characters", MinPathSecret)
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.~", r)) {
			return errors.New("may hold only letters, digits, '-', '_', '.' and '~'")
		}
	}
	return nil
}

// WithPathSecret returns a Checker that also accepts, for callers that
// cannot send headers (an inbound mail gateway), a request whose URL path
// is "/" + secret, compared in constant time. A request with anything
// else in its path is refused (a wrong secret is a failed attempt, counted
// like any other); one with an empty path ("/") is checked as c checks
// it. c's limiter is shared. A nil c accepts only the path secret.
func (c *Checker) WithPathSecret(secret string) *Checker {
	d := &Checker{}
	if c != nil {
		*d = *c
	}
	h := sha256.Sum256([]byte(secret))
	d.pathSecret = &h
	return d
}

func (c *Checker) check(r *http.Request) error {
	if c.pathSecret != nil {
		if p := strings.Trim(r.URL.EscapedPath(), "/"); p != "" {
			h := sha256.Sum256([]byte(p))
			if subtle.ConstantTimeCompare(h[:], c.pathSecret[:]) == 1 {
				return nil
			}
			return errUnauthorized
		}
	}
	switch c.cfg.Method {
	case MethodOAuth:
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return errUnauthorized
		}
		return c.bearer.ValidateBearer(r.Context(), strings.TrimSpace(token))
	case MethodBasic:
		u, p, ok := r.BasicAuth()
		if !ok {
			return errUnauthorized
		}
		// Hashing first makes the comparison take the same time whatever
		// the lengths; both halves are always compared.
		hu, hp := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
		if subtle.ConstantTimeCompare(hu[:], c.user[:])&subtle.ConstantTimeCompare(hp[:], c.password[:]) == 1 {
			return nil
		}
	case MethodCustomHeader:
		v := strings.TrimSpace(r.Header.Get(c.cfg.HeaderName))
		if v == "" {
			return errUnauthorized
		}
		h := sha256.Sum256([]byte(v))
		match := 0
		for _, k := range c.keys {
			match |= subtle.ConstantTimeCompare(h[:], k[:])
		}
		if match == 1 {
			return nil
		}
	}
	return errUnauthorized
}

// Challenge is the WWW-Authenticate header value for a 401, or "".
func (c *Checker) Challenge() string {
	switch c.cfg.Method {
	case MethodBasic:
		return `Basic realm="crm", charset="UTF-8"`
	case MethodOAuth:
		return `Bearer realm="crm"`
	}
	return ""
}

// Fingerprint names a secret without telling it: the first 8 hex digits
// of its SHA-256, what `printf %s "$KEY" | sha256sum | cut -c1-8` prints.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:4])
}
