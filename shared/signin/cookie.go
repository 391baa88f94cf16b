// Package signin signs the CRM's own users in: the administrator who
// approves CCAI Platform's OAuth access, and later the agents opening CRM
// pages. Users sign in with Google (OpenID Connect) where that is
// configured, restricted to allowed addresses or domains, or as the local
// administrator (a bcrypt-hashed password, works offline). The session
// lives in a cookie signed with a key of its own, that also works inside
// the CCAI Platform portal's iframe; it carries the user's session
// generation (Sessions), so that sign-out ends every session of the user,
// and the user must still be allowed on every page view.
package signin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// signer signs and checks cookie values with a key derived from the
// session key, one per purpose.
type signer struct{ key []byte }

func newSigner(signingKey []byte, purpose string) signer {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("crm signin " + purpose))
	return signer{key: m.Sum(nil)}
}

func (s signer) mac(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// seal returns payload as "<base64 JSON>.<mac>".
func (s signer) seal(payload any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	return v + "." + s.mac(v), nil
}

var errBadCookie = errors.New("cookie is not valid")

// open checks a sealed value and decodes its payload.
func (s signer) open(sealed string, payload any) error {
	v, mac, ok := strings.Cut(sealed, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(v))) {
		return errBadCookie
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return errBadCookie
	}
	return json.Unmarshal(b, payload)
}

// secure reports whether r reached us over HTTPS (directly or through
// Google's front end).
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setCookie sets a host-only, HttpOnly cookie. Over HTTPS it is
// SameSite=None; Secure, so that it is sent inside the CCAI Platform
// portal's iframe (a third-party context); over plain HTTP (local runs)
// browsers refuse SameSite=None without Secure, so it is Lax.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	if secure(r) {
		c.Secure, c.SameSite, c.Partitioned = true, http.SameSiteNoneMode, true
	} else {
		c.SameSite = http.SameSiteLaxMode
	}
	http.SetCookie(w, c)
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
