package oauthserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/signin"
)

// Server serves the authorization server's endpoints and the sign-in
// pages.
type Server struct {
	Provider fosite.OAuth2Provider
	// Signin signs administrators in; nil when it could not be set up
	// (SigninErr says why): /token and /revoke still serve CCAI Platform,
	// and the pages that need a user answer 503.
	Signin    *signin.Service
	SigninErr error
	Limiter   *auth.Limiter
	Log       *slog.Logger
	// FrameAncestors are the CSP sources that may frame the pages
	// (config.Config.FrameAncestors); empty: none may.
	FrameAncestors string
}

// Paths of the endpoints, under the function's URL.
const (
	AuthorizePath = "/authorize"
	TokenPath     = "/token"
	RevokePath    = "/revoke"
	SigninPath    = "/signin"
)

// Handler routes the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("POST "+RevokePath, s.revoke)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", s.metadata)
	var authorize, signinPages http.Handler = http.HandlerFunc(s.authorize), nil
	if s.Signin != nil {
		signinPages = s.Signin.Handler(SigninPath, auth.ClientAddr)
	} else {
		authorize, signinPages = s.signinMissing(), s.signinMissing()
	}
	mux.Handle("GET "+AuthorizePath, authorize)
	mux.Handle("POST "+AuthorizePath, authorize)
	mux.Handle(SigninPath, signinPages)
	mux.Handle(SigninPath+"/", signinPages)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, SigninPath, http.StatusSeeOther)
	})
	return signin.PageHeaders(mux, s.FrameAncestors)
}

// signinMissing answers the pages that need a signed-in user when
// sign-in is not configured.
func (s *Server) signinMissing() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Log.ErrorContext(r.Context(), "sign-in is not configured", "error", fmt.Sprint(s.SigninErr))
		http.Error(w, "Sign-in is not configured on this CRM yet; its administrator will find why in the logs.", http.StatusServiceUnavailable)
	})
}

// authorize: GET checks the request, makes sure an administrator is
// signed in and shows the consent page; POST (the consent form) issues
// the code and redirects back to CCAI Platform with it and the state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ar, err := s.Provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	user, ok := s.Signin.RequireUser(w, r, SigninPath)
	if !ok {
		return
	}
	if r.Method == http.MethodGet {
		s.consent(w, r, ar, user)
		return
	}
	if !s.Signin.CheckCSRF(r) {
		http.Error(w, "The form has expired. Go back and try again.", http.StatusForbidden)
		return
	}
	if r.PostFormValue("decision") != "approve" {
		s.Provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The administrator denied the request."))
		return
	}
	for _, scope := range ar.GetRequestedScopes() {
		ar.GrantScope(scope)
	}
	for _, a := range ar.GetRequestedAudience() {
		ar.GrantAudience(a)
	}
	resp, err := s.Provider.NewAuthorizeResponse(ctx, ar, &fosite.DefaultSession{Subject: user, Username: user})
	if err != nil {
		s.authorizeError(w, r, ar, err)
		return
	}
	s.Log.InfoContext(ctx, "oauth access approved", "client_id", ar.GetClient().GetID(), "user", user)
	s.Provider.WriteAuthorizeResponse(ctx, w, ar, resp)
}

// authorizeError answers as RFC 6749 section 4.1.2.1 says: to the client's
// redirect URI when it is a registered one, else on the page. fosite's
// invalid_state (a missing state) is RFC 6749's invalid_request.
func (s *Server) authorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if errors.Is(err, fosite.ErrInvalidState) {
		err = fosite.ErrInvalidRequest.WithHint("The 'state' parameter is required.")
	}
	s.Log.WarnContext(r.Context(), "oauth authorize refused", "error", fosite.ErrorToRFC6749Error(err).ErrorField, "client", auth.ClientAddr(r))
	s.Provider.WriteAuthorizeError(r.Context(), w, ar, err)
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access · CRM</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
button{padding:.6rem 1.2rem;margin-right:.5rem}</style></head>
<body><h1>Allow CCAI Platform to use the CRM?</h1>
<p>The OAuth client <strong>{{.Client}}</strong> asks to read and write accounts, records and comments
{{if .Scopes}}(scopes: {{.Scopes}}){{end}} on your behalf. You are signed in as <strong>{{.User}}</strong>.</p>
<p>It will be sent back to <code>{{.Redirect}}</code>.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`))

func (s *Server) consent(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, user string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	csrf := s.Signin.CSRFToken(w, r)
	_ = consentPage.Execute(w, map[string]any{
		"Client": ar.GetClient().GetID(), "Scopes": strings.Join(ar.GetRequestedScopes(), " "), "User": user,
		"Redirect": ar.GetRedirectURI().String(), "Action": AuthorizePath + "?" + r.URL.RawQuery, "CSRF": csrf,
	})
}

// token exchanges a code or a refresh token. Clients authenticate with
// HTTP Basic or form fields. The client's credentials are always checked:
// valid ones are served, and failed ones are throttled (429) once the
// address has failed too often.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	client := auth.ClientAddr(r)
	ar, err := s.Provider.NewAccessRequest(ctx, r, NewSession())
	if err == nil {
		var resp fosite.AccessResponder
		if resp, err = s.Provider.NewAccessResponse(ctx, ar); err == nil {
			s.Provider.WriteAccessResponse(ctx, w, ar, resp)
			return
		}
	}
	if s.throttled(w, r, err) {
		return
	}
	if gt := r.PostFormValue("grant_type"); gt != "" && gt != "authorization_code" && gt != "refresh_token" {
		// RFC 6749 section 5.2; fosite answers invalid_request.
		err = fosite.ErrUnsupportedGrantType.WithHintf("The grant type %q is not supported.", gt)
	}
	if errors.Is(err, fosite.ErrInactiveToken) {
		// Another request rotated this refresh token a moment ago (the
		// store's rotation is one transaction): for this one the token
		// is spent, RFC 6749's invalid_grant; fosite says invalid_request.
		err = fosite.ErrInvalidGrant.WithHint("The refresh token was already used.")
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= 500 {
		s.Log.ErrorContext(ctx, "oauth token failed", "error", rfc.ErrorField, "cause", fmt.Sprint(errors.Unwrap(rfc)), "debug", rfc.DebugField)
	} else {
		s.Log.WarnContext(ctx, "oauth token refused", "error", rfc.ErrorField, "client", client)
	}
	s.Provider.WriteAccessError(ctx, w, ar, err)
}

// revoke is RFC 7009 token revocation; revoking a token revokes its whole
// grant. The client authenticates as at the token endpoint, throttled the
// same way.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	err := s.Provider.NewRevocationRequest(r.Context(), r)
	if s.throttled(w, r, err) {
		return
	}
	if err != nil {
		s.Log.WarnContext(r.Context(), "oauth revocation refused", "error", fosite.ErrorToRFC6749Error(err).ErrorField, "client", auth.ClientAddr(r))
	}
	s.Provider.WriteRevocationResponse(r.Context(), w, err)
}

// throttled counts a failed client authentication (err is fosite's
// invalid_client) and, once the address has failed too often, answers
// 429 and reports true.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, fosite.ErrInvalidClient) {
		return false
	}
	wait := s.Limiter.Failed(auth.ClientAddr(r))
	if wait <= 0 {
		return false
	}
	s.Log.WarnContext(r.Context(), "oauth client authentication throttled", "client", auth.ClientAddr(r))
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"error":"too_many_requests","error_description":"Too many failed attempts; try again later."}`))
	return true
}

// metadata is RFC 8414 authorization server metadata, encoded as JSON
// (the host comes from the request, so it is never pasted into JSON).
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + AuthorizePath,
		"token_endpoint":                        base + TokenPath,
		"revocation_endpoint":                   base + RevokePath,
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256", "plain"},
		"scopes_supported":                      DefaultScopes,
	})
}
