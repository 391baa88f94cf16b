// Package oauthserver is the OAuth 2.0 authorization server CCAI Platform
// uses when its CRM authentication method is OAuth: CCAI Platform is the
// client, this CRM issues the tokens. It is built on github.com/ory/fosite
// (authorization code grant with refresh tokens, PKCE, RFC 7009
// revocation, RFC 6749 errors), with Firestore as its storage
// (shared/gcpfirestore.OAuthStore), and shared/signin for the
// administrator who approves the access.
package oauthserver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"
	fositehmac "github.com/ory/fosite/token/hmac"
	"golang.org/x/crypto/bcrypt"

	"example.com/crm/shared/crm"
)

// Client is a registered OAuth client (a CCAI Platform tenant).
type Client struct {
	ID string `json:"id"`
	// SecretHash is the bcrypt hash of the client secret.
	SecretHash   string   `json:"secret_hash"`
	RedirectURIs []string `json:"redirect_uris"`
	// Scopes the client may ask for; DefaultScopes when empty.
	Scopes []string `json:"scopes,omitempty"`
}

// DefaultScopes are the scopes a client may ask for by default.
var DefaultScopes = []string{"crm", "offline", "offline_access"}

// ParseClients reads the clients configuration (CRM_OAUTH_CLIENTS): a
// JSON array of Client.
func ParseClients(s string) ([]Client, error) {
	var cs []Client
	if err := json.Unmarshal([]byte(s), &cs); err != nil {
		return nil, fmt.Errorf("OAuth clients: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	for i, c := range cs {
		if seen[c.ID] {
			errs = append(errs, fmt.Errorf("OAuth client %q is listed twice", c.ID))
		}
		seen[c.ID] = true
		if c.ID == "" {
			errs = append(errs, fmt.Errorf("OAuth client %d has no id", i))
		}
		if _, err := bcrypt.Cost([]byte(c.SecretHash)); err != nil {
			errs = append(errs, fmt.Errorf("OAuth client %q: secret_hash is not a bcrypt hash", c.ID))
		}
		if len(c.RedirectURIs) == 0 {
			errs = append(errs, fmt.Errorf("OAuth client %q has no redirect_uris", c.ID))
		}
	}
	return cs, errors.Join(errs...)
}

// Clients are the registered clients, as fosite sees them.
type Clients map[string]fosite.Client

// NewClients returns the fosite view of cs.
func NewClients(cs []Client) Clients {
	out := Clients{}
	for _, c := range cs {
		scopes := c.Scopes
		if len(scopes) == 0 {
			scopes = slices.Clone(DefaultScopes)
		}
		out[c.ID] = &fosite.DefaultClient{
			ID: c.ID, Secret: []byte(c.SecretHash), RedirectURIs: c.RedirectURIs,
			GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
			Scopes: scopes,
		}
	}
	return out
}

// Get returns the client with id.
func (c Clients) Get(id string) (fosite.Client, bool) {
	cl, ok := c[id]
	return cl, ok
}

// NewSession returns the empty session grants are decoded into.
func NewSession() fosite.Session { return &fosite.DefaultSession{} }

// Storage is what fosite needs stored.
type Storage interface {
	fosite.ClientManager
	oauth2.CoreStorage
	oauth2.TokenRevocationStorage
	pkce.PKCERequestStorage
}

// Config configures the authorization server.
type Config struct {
	// SigningKey is the deployment's signing key (at least 32 bytes); the
	// token HMAC key is derived from it.
	SigningKey      []byte
	AccessTokenTTL  time.Duration // 1h by default
	RefreshTokenTTL time.Duration // 30 days by default
	CodeTTL         time.Duration // 10 minutes by default
}

// NewProvider returns the fosite provider on store: authorization code
// grant, refresh tokens (rotated on use), PKCE (S256 or plain, when
// sent), introspection and revocation.
func NewProvider(cfg Config, store Storage) (fosite.OAuth2Provider, error) {
	if len(cfg.SigningKey) < 32 {
		return nil, errors.New("the signing key must be at least 32 bytes")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&cfg.AccessTokenTTL, time.Hour)
	def(&cfg.RefreshTokenTTL, 30*24*time.Hour)
	def(&cfg.CodeTTL, 10*time.Minute)
	fc := &fosite.Config{
		AccessTokenLifespan:   cfg.AccessTokenTTL,
		RefreshTokenLifespan:  cfg.RefreshTokenTTL,
		AuthorizeCodeLifespan: cfg.CodeTTL,
		GlobalSecret:          tokenKey(cfg.SigningKey),
		// Introspection (what validates a Bearer token) knows only
		// access tokens: fosite otherwise falls back to refresh tokens.
		DisableRefreshTokenValidation: true,
		// Every code exchange gets a refresh token: CCAI Platform keeps
		// it whatever scope the administrator typed.
		RefreshTokenScopes: []string{},
		// The portal's "State" is whatever the administrator types;
		// any non-empty state is accepted, a missing one is not.
		MinParameterEntropy:            1,
		EnablePKCEPlainChallengeMethod: true,
		ScopeStrategy:                  fosite.HierarchicScopeStrategy,
	}
	fc.ClientSecretsHasher = newSecretHasher(fc)
	return compose.Compose(fc, store, compose.NewOAuth2HMACStrategy(fc),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	), nil
}

// tokenKey is the HMAC key of the tokens, derived from the signing key.
func tokenKey(signingKey []byte) []byte {
	m := hmac.New(sha256.New, signingKey)
	m.Write([]byte("crm oauth tokens"))
	return m.Sum(nil)
}

// accessTokenPrefix starts every access token fosite's HMAC strategy
// issues (refresh tokens start "ory_rt_", codes "ory_ac_").
const accessTokenPrefix = "ory_at_"

// Validator checks Bearer access tokens for the Generic API endpoints
// (auth.BearerValidator). Only access tokens pass: a refresh token or an
// authorization code is refused before any read, as is a token whose HMAC
// is not this deployment's; a well-formed token costs one Firestore read.
type Validator struct {
	provider fosite.OAuth2Provider
	hmac     *fositehmac.HMACStrategy
}

// NewValidator returns the validator of provider's access tokens;
// signingKey is the one provider was made with.
func NewValidator(provider fosite.OAuth2Provider, signingKey []byte) Validator {
	return Validator{provider: provider, hmac: &fositehmac.HMACStrategy{Config: &fosite.Config{GlobalSecret: tokenKey(signingKey)}}}
}

var errBadToken = crm.Errorf(crm.Unauthorized, "authentication failed")

// ValidateBearer implements auth.BearerValidator.
func (v Validator) ValidateBearer(ctx context.Context, token string) error {
	raw, ok := strings.CutPrefix(token, accessTokenPrefix)
	if !ok || v.hmac.Validate(ctx, raw) != nil {
		return errBadToken
	}
	use, _, err := v.provider.IntrospectToken(ctx, token, fosite.AccessToken, NewSession())
	if err == nil && use == fosite.AccessToken {
		return nil
	}
	if crm.ErrorCode(err) == crm.Unavailable {
		return &crm.Error{Code: crm.Unavailable, Message: "the token could not be checked; try again", Err: err}
	}
	return errBadToken
}

// CheckSecret reports whether secret is the client's secret (its bcrypt
// hash matches).
func (c Client) CheckSecret(secret string) bool {
	return bcrypt.CompareHashAndPassword([]byte(c.SecretHash), []byte(secret)) == nil
}
