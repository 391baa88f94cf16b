package gcpfirestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/ory/fosite"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// OAuthStore keeps the OAuth 2.0 authorization server's state for
// github.com/ory/fosite: authorization codes, PKCE requests, access and
// refresh tokens, each as a document "oauth/{kind}:{signature}" holding
// the grant it belongs to. Only token signatures are stored, never the
// tokens. Clients are configuration, not data: Clients answers for them.
// Expired documents are removed by a Firestore TTL policy on expires_at.
type OAuthStore struct {
	client  *firestore.Client
	Clients func(id string) (fosite.Client, bool)
	// Sessions makes an empty session to decode stored ones into.
	Sessions func() fosite.Session
}

// OAuth returns the OAuth store on s's database.
func (s *Store) OAuth(clients func(id string) (fosite.Client, bool), sessions func() fosite.Session) *OAuthStore {
	return &OAuthStore{client: s.client, Clients: clients, Sessions: sessions}
}

const oauthCol = "oauth"

// Document kinds.
const (
	kindCode    = "code"
	kindPKCE    = "pkce"
	kindAccess  = "access"
	kindRefresh = "refresh"
)

type grantDoc struct {
	Kind            string    `firestore:"kind"`
	RequestID       string    `firestore:"request_id"`
	ClientID        string    `firestore:"client_id"`
	RequestedAt     time.Time `firestore:"requested_at"`
	Scopes          []string  `firestore:"scopes"`
	GrantedScopes   []string  `firestore:"granted_scopes"`
	Audience        []string  `firestore:"audience"`
	GrantedAudience []string  `firestore:"granted_audience"`
	Form            string    `firestore:"form"`    // url-encoded
	Session         string    `firestore:"session"` // JSON
	Active          bool      `firestore:"active"`
	AccessSignature string    `firestore:"access_signature,omitempty"`
	SpentAt         time.Time `firestore:"spent_at,omitempty"` // when a code or refresh token was used
	ExpiresAt       time.Time `firestore:"expires_at"`         // TTL
}

func (o *OAuthStore) ref(kind, signature string) *firestore.DocumentRef {
	return o.client.Collection(oauthCol).Doc(kind + ":" + escapeID(signature))
}

func (o *OAuthStore) create(ctx context.Context, kind, signature string, r fosite.Requester, accessSignature string) error {
	sess, err := json.Marshal(r.GetSession())
	if err != nil {
		return fmt.Errorf("encode oauth session: %w", err)
	}
	exp := time.Now().Add(30 * 24 * time.Hour)
	if t := r.GetSession().GetExpiresAt(tokenType(kind)); !t.IsZero() {
		exp = t.Add(24 * time.Hour) // kept a day past expiry: a late use is told "expired", not "unknown"
	}
	d := grantDoc{
		Kind: kind, RequestID: r.GetID(), ClientID: r.GetClient().GetID(), RequestedAt: r.GetRequestedAt(),
		Scopes: r.GetRequestedScopes(), GrantedScopes: r.GetGrantedScopes(),
		Audience: r.GetRequestedAudience(), GrantedAudience: r.GetGrantedAudience(),
		Form: r.GetRequestForm().Encode(), Session: string(sess), Active: true,
		AccessSignature: accessSignature, ExpiresAt: exp,
	}
	_, err = o.ref(kind, signature).Set(ctx, d)
	return storeError("store oauth "+kind, err)
}

func tokenType(kind string) fosite.TokenType {
	switch kind {
	case kindCode, kindPKCE:
		return fosite.AuthorizeCode
	case kindRefresh:
		return fosite.RefreshToken
	}
	return fosite.AccessToken
}

// get reads a grant; inactive grants come back with the document saying so.
func (o *OAuthStore) get(ctx context.Context, kind, signature string, session fosite.Session) (fosite.Requester, grantDoc, error) {
	snap, err := o.ref(kind, signature).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil, grantDoc{}, fosite.ErrNotFound
	}
	if err != nil {
		return nil, grantDoc{}, storeError("get oauth "+kind, err)
	}
	var d grantDoc
	if err := snap.DataTo(&d); err != nil {
		return nil, grantDoc{}, fmt.Errorf("decode oauth %s: %w", kind, err)
	}
	client, ok := o.Clients(d.ClientID)
	if !ok {
		return nil, grantDoc{}, fosite.ErrNotFound.WithDebug("the client of this grant is no longer configured")
	}
	if session == nil {
		session = o.Sessions()
	}
	if err := json.Unmarshal([]byte(d.Session), session); err != nil {
		return nil, grantDoc{}, fmt.Errorf("decode oauth session: %w", err)
	}
	form, _ := url.ParseQuery(d.Form)
	r := &fosite.Request{
		ID: d.RequestID, RequestedAt: d.RequestedAt, Client: client,
		RequestedScope: d.Scopes, GrantedScope: d.GrantedScopes,
		RequestedAudience: d.Audience, GrantedAudience: d.GrantedAudience,
		Form: form, Session: session,
	}
	return r, d, nil
}

func (o *OAuthStore) delete(ctx context.Context, kind, signature string) error {
	_, err := o.ref(kind, signature).Delete(ctx)
	return storeError("delete oauth "+kind, err)
}

// GetClient implements fosite.ClientManager.
func (o *OAuthStore) GetClient(_ context.Context, id string) (fosite.Client, error) {
	if c, ok := o.Clients(id); ok {
		return c, nil
	}
	return nil, fosite.ErrNotFound
}

// ClientAssertionJWTValid implements fosite.ClientManager; JWT client
// assertions are not enabled, so no JTI is ever known.
func (o *OAuthStore) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT implements fosite.ClientManager (unused).
func (o *OAuthStore) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

// CreateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage.
func (o *OAuthStore) CreateAuthorizeCodeSession(ctx context.Context, signature string, r fosite.Requester) error {
	return o.create(ctx, kindCode, signature, r, "")
}

// GetAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage.
func (o *OAuthStore) GetAuthorizeCodeSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	r, d, err := o.get(ctx, kindCode, signature, session)
	if err != nil {
		return nil, err
	}
	if !d.Active {
		return r, fosite.ErrInvalidatedAuthorizeCode
	}
	return r, nil
}

// InvalidateAuthorizeCodeSession implements oauth2.AuthorizeCodeStorage:
// the code is spent, so of two simultaneous exchanges of one code only
// one succeeds.
func (o *OAuthStore) InvalidateAuthorizeCodeSession(ctx context.Context, signature string) error {
	return o.spend(ctx, o.ref(kindCode, signature), fosite.ErrInvalidatedAuthorizeCode, "invalidate authorization code")
}

// spend switches a one-time document (a code, a refresh token) off in a
// transaction that first checks it is still active: of simultaneous
// spenders exactly one passes, the others get spent. A missing document
// is fosite.ErrNotFound.
func (o *OAuthStore) spend(ctx context.Context, ref *firestore.DocumentRef, spent error, op string) error {
	err := o.client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(ref)
		if err != nil {
			return err
		}
		if active, _ := snap.DataAt("active"); active != true {
			return spent
		}
		return tx.Update(ref, []firestore.Update{{Path: "active", Value: false}, {Path: "spent_at", Value: time.Now()}})
	})
	switch {
	case status.Code(err) == codes.NotFound:
		return fosite.ErrNotFound
	case errors.Is(err, spent):
		return spent
	}
	return storeError(op, err)
}

// CreatePKCERequestSession implements pkce.PKCERequestStorage.
func (o *OAuthStore) CreatePKCERequestSession(ctx context.Context, signature string, r fosite.Requester) error {
	return o.create(ctx, kindPKCE, signature, r, "")
}

// GetPKCERequestSession implements pkce.PKCERequestStorage.
func (o *OAuthStore) GetPKCERequestSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	r, _, err := o.get(ctx, kindPKCE, signature, session)
	return r, err
}

// DeletePKCERequestSession implements pkce.PKCERequestStorage.
func (o *OAuthStore) DeletePKCERequestSession(ctx context.Context, signature string) error {
	return o.delete(ctx, kindPKCE, signature)
}

// CreateAccessTokenSession implements oauth2.AccessTokenStorage.
func (o *OAuthStore) CreateAccessTokenSession(ctx context.Context, signature string, r fosite.Requester) error {
	return o.create(ctx, kindAccess, signature, r, "")
}

// GetAccessTokenSession implements oauth2.AccessTokenStorage: one
// document read, what validating a Bearer token costs.
func (o *OAuthStore) GetAccessTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	r, d, err := o.get(ctx, kindAccess, signature, session)
	if err != nil {
		return nil, err
	}
	if !d.Active {
		return nil, fosite.ErrNotFound
	}
	return r, nil
}

// DeleteAccessTokenSession implements oauth2.AccessTokenStorage.
func (o *OAuthStore) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	return o.delete(ctx, kindAccess, signature)
}

// CreateRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (o *OAuthStore) CreateRefreshTokenSession(ctx context.Context, signature, accessSignature string, r fosite.Requester) error {
	return o.create(ctx, kindRefresh, signature, r, accessSignature)
}

// GetRefreshTokenSession implements oauth2.RefreshTokenStorage. A token
// used again is fosite's reuse: it revokes the whole grant. Except within
// ReuseGrace of its first use: two refreshes sent at once (or a retry of
// one whose answer was lost) are told invalid_grant, and the tokens the
// first one got keep working.
func (o *OAuthStore) GetRefreshTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	r, d, err := o.get(ctx, kindRefresh, signature, session)
	if err != nil {
		return nil, err
	}
	if !d.Active {
		if !d.SpentAt.IsZero() && time.Since(d.SpentAt) < ReuseGrace {
			return nil, fosite.ErrNotFound.WithDebug("the refresh token was used a moment ago")
		}
		return r, fosite.ErrInactiveToken
	}
	return r, nil
}

// ReuseGrace is how long after its use a refresh token used again is
// only refused, not taken for a stolen token.
const ReuseGrace = 30 * time.Second

// DeleteRefreshTokenSession implements oauth2.RefreshTokenStorage.
func (o *OAuthStore) DeleteRefreshTokenSession(ctx context.Context, signature string) error {
	return o.delete(ctx, kindRefresh, signature)
}

// RotateRefreshToken implements oauth2.RefreshTokenStorage. The refresh
// token being used is spent first, so of two simultaneous refreshes with
// one token only the first passes; the other finds it inactive
// (fosite.ErrInactiveToken). Then the grant's other refresh tokens are
// switched off and its access tokens deleted, so the old pair stops
// working when the new one is issued.
func (o *OAuthStore) RotateRefreshToken(ctx context.Context, requestID string, refreshSignature string) error {
	if err := o.spend(ctx, o.ref(kindRefresh, refreshSignature), fosite.ErrInactiveToken, "rotate refresh token"); err != nil {
		return err
	}
	if err := o.RevokeRefreshToken(ctx, requestID); err != nil {
		return err
	}
	return o.RevokeAccessToken(ctx, requestID)
}

// RevokeRefreshToken implements oauth2.TokenRevocationStorage.
func (o *OAuthStore) RevokeRefreshToken(ctx context.Context, requestID string) error {
	return o.forGrant(ctx, kindRefresh, requestID, func(b *firestore.WriteBatch, ref *firestore.DocumentRef) {
		b.Update(ref, []firestore.Update{{Path: "active", Value: false}})
	})
}

// RevokeAccessToken implements oauth2.TokenRevocationStorage.
func (o *OAuthStore) RevokeAccessToken(ctx context.Context, requestID string) error {
	return o.forGrant(ctx, kindAccess, requestID, func(b *firestore.WriteBatch, ref *firestore.DocumentRef) {
		b.Delete(ref)
	})
}

// RevokeRefreshTokenMaybeGracePeriod implements
// oauth2.TokenRevocationStorage; there is no grace period.
func (o *OAuthStore) RevokeRefreshTokenMaybeGracePeriod(ctx context.Context, requestID string, _ string) error {
	return o.RevokeRefreshToken(ctx, requestID)
}

func (o *OAuthStore) forGrant(ctx context.Context, kind, requestID string, fn func(*firestore.WriteBatch, *firestore.DocumentRef)) error {
	snaps, err := o.client.Collection(oauthCol).Where("request_id", "==", requestID).Where("kind", "==", kind).Documents(ctx).GetAll()
	if err != nil {
		return storeError("find oauth "+kind+" tokens", err)
	}
	if len(snaps) == 0 {
		return nil
	}
	// A grant has a handful of tokens: one atomic batch.
	b := o.client.Batch()
	for _, s := range snaps {
		fn(b, s.Ref)
	}
	_, err = b.Commit(ctx)
	return storeError("revoke oauth "+kind, err)
}
