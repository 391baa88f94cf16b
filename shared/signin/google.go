package signin

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// GoogleConfig is the Google OAuth client used to sign users in with
// OpenID Connect. The endpoints default to Google's.
type GoogleConfig struct {
	ClientID     string
	ClientSecret string
	AuthURL      string // https://accounts.google.com/o/oauth2/v2/auth
	TokenURL     string // https://oauth2.googleapis.com/token
	Issuer       string // https://accounts.google.com
}

func (g GoogleConfig) withDefaults() GoogleConfig {
	if g.AuthURL == "" {
		g.AuthURL = "https://accounts.google.com/o/oauth2/v2/auth"
	}
	if g.TokenURL == "" {
		g.TokenURL = "https://oauth2.googleapis.com/token"
	}
	if g.Issuer == "" {
		g.Issuer = "https://accounts.google.com"
	}
	return g
}

const oidcCookie = "crm_oidc"

type oidcState struct {
	State   string `json:"s"`
	Nonce   string `json:"n"`
	Next    string `json:"x"`
	Expires int64  `json:"e"`
}

func (s *Service) oauthConfig(r *http.Request, prefix string) *oauth2.Config {
	g := s.cfg.Google.withDefaults()
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	return &oauth2.Config{
		ClientID: g.ClientID, ClientSecret: g.ClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: g.AuthURL, TokenURL: g.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: scheme + "://" + r.Host + prefix + "/google/callback",
		Scopes:      []string{"openid", "email", "profile"},
	}
}

// googleStart sends the browser to Google with a state and a nonce kept
// in a short-lived signed cookie.
func (s *Service) googleStart(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Google.ClientID == "" {
			http.NotFound(w, r)
			return
		}
		st := oidcState{State: randomToken(), Nonce: randomToken(), Next: safeNext(r.URL.Query().Get("next")), Expires: time.Now().Add(10 * time.Minute).Unix()}
		v, err := s.oidc.seal(st)
		if err != nil {
			http.Error(w, "could not start the sign-in", http.StatusInternalServerError)
			return
		}
		setCookie(w, r, oidcCookie, v, 10*time.Minute)
		http.Redirect(w, r, s.oauthConfig(r, prefix).AuthCodeURL(st.State, oauth2.SetAuthURLParam("nonce", st.Nonce),
			oauth2.SetAuthURLParam("prompt", "select_account")), http.StatusFound)
	}
}

// googleCallback exchanges the code and signs in the user the ID token
// names, if allowed.
func (s *Service) googleCallback(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var st oidcState
		c, err := r.Cookie(oidcCookie)
		if err != nil || s.oidc.open(c.Value, &st) != nil || st.State == "" || time.Now().Unix() > st.Expires || r.URL.Query().Get("state") != st.State {
			s.showForm(w, r, prefix, http.StatusBadRequest, "The Google sign-in expired. Please try again.")
			return
		}
		setCookie(w, r, oidcCookie, "", -1)
		if e := r.URL.Query().Get("error"); e != "" {
			s.showForm(w, r, prefix, http.StatusUnauthorized, "Google sign-in was cancelled.")
			return
		}
		tok, err := s.oauthConfig(r, prefix).Exchange(r.Context(), r.URL.Query().Get("code"))
		if err != nil {
			s.cfg.Log.WarnContext(r.Context(), "google sign-in: code exchange failed", "error", err.Error())
			s.showForm(w, r, prefix, http.StatusBadGateway, "Google sign-in failed. Please try again.")
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		claims, err := decodeIDToken(raw)
		if err == nil {
			err = s.checkClaims(claims, st.Nonce, time.Now())
		}
		if err != nil {
			s.cfg.Log.WarnContext(r.Context(), "google sign-in refused", "reason", err.Error())
			s.showForm(w, r, prefix, http.StatusForbidden, "This Google account may not sign in to this CRM.")
			return
		}
		p := sessionPayload{User: strings.ToLower(claims.Email), Via: viaGoogle, HostedDomain: strings.ToLower(claims.HostedDomain)}
		if err := s.startSession(w, r, p); err != nil {
			s.unavailable(w, r, err)
			return
		}
		http.Redirect(w, r, st.Next, http.StatusSeeOther)
	}
}

// IDClaims are the ID token claims sign-in checks.
type IDClaims struct {
	Issuer        string   `json:"iss"`
	Audience      audience `json:"aud"`
	Expires       int64    `json:"exp"`
	Nonce         string   `json:"nonce"`
	Email         string   `json:"email"`
	EmailVerified bool     `json:"email_verified"`
	HostedDomain  string   `json:"hd"`
}

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// decodeIDToken reads the claims of an ID token. Its signature is not
// checked: the token comes straight from the token endpoint over TLS,
// which OpenID Connect Core 1.0 section 3.1.3.7 allows in place of the
// signature check.
func decodeIDToken(raw string) (IDClaims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return IDClaims{}, errors.New("no ID token in the token response")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return IDClaims{}, fmt.Errorf("ID token payload: %w", err)
	}
	var c IDClaims
	if err := json.Unmarshal(b, &c); err != nil {
		return IDClaims{}, fmt.Errorf("ID token claims: %w", err)
	}
	return c, nil
}

// checkClaims checks an ID token's claims and the allow-list: issuer,
// audience, expiry, nonce, a verified email, and the address or its
// Google Workspace domain (the hd claim: a personal Google account can
// carry any verified address, so a domain entry needs hd) being allowed.
func (s *Service) checkClaims(c IDClaims, nonce string, now time.Time) error {
	g := s.cfg.Google.withDefaults()
	switch {
	case c.Issuer != g.Issuer && "https://"+c.Issuer != g.Issuer:
		return fmt.Errorf("issuer %q", c.Issuer)
	case !slices.Contains(c.Audience, g.ClientID):
		return errors.New("the token is for another client")
	case now.Unix() > c.Expires:
		return errors.New("the token has expired")
	case c.Nonce != nonce:
		return errors.New("nonce mismatch")
	case c.Email == "" || !c.EmailVerified:
		return errors.New("no verified email")
	}
	if !s.allowedGoogle(c.Email, c.HostedDomain) {
		return errors.New("the address is not an allowed user") // the address itself is not logged
	}
	return nil
}

// allowedGoogle reports whether a Google user (a verified address and
// its Google Workspace domain, the hd claim) may sign in: Google sign-in
// is configured and the address, or its domain with a matching hd, is
// among the allowed users.
func (s *Service) allowedGoogle(email, hostedDomain string) bool {
	if s.cfg.Google.ClientID == "" {
		return false
	}
	email = strings.ToLower(email)
	for _, a := range s.cfg.AllowedUsers {
		a = strings.ToLower(strings.TrimSpace(a))
		if strings.HasPrefix(a, "@") {
			if strings.HasSuffix(email, a) && strings.EqualFold(hostedDomain, a[1:]) {
				return true
			}
		} else if a == email {
			return true
		}
	}
	return false
}
