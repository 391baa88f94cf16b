package ccaiplayer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"example.com/crm/shared/portal"
)

// Token is what the token endpoint issued.
type Token struct {
	Access  string
	Refresh string
	Expiry  time.Time
}

// TokenError is an RFC 6749 error answer of the token endpoint.
type TokenError struct {
	Status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint: %d %s: %s", e.Status, e.Code, e.Description)
}

// AuthorizeURL is the URL the platform sends the administrator's browser
// to, with state (the portal's "State" when empty).
func (p *Player) AuthorizeURL(state string, extra url.Values) (string, error) {
	o := p.Settings.Auth.OAuth
	if o == nil {
		return "", errors.New("the settings have no OAuth part")
	}
	u, err := url.Parse(o.AuthorizationURL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("client_id", o.ClientID)
	q.Set("response_type", "code")
	if o.Scope != "" {
		q.Set("scope", o.Scope)
	}
	if state == "" {
		state = o.State
	}
	if state != "" {
		q.Set("state", state)
	}
	if o.AccessType != "" {
		q.Set("access_type", o.AccessType)
	}
	if o.IncludeRedirectURL && len(o.RedirectURIs) > 0 {
		q.Set("redirect_uri", o.RedirectURIs[0])
	}
	for k, vs := range extra {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Browser is the administrator's browser: it keeps cookies and stops at
// redirects so that each step can be looked at.
type Browser struct {
	Client *http.Client
}

// NewBrowser returns a Browser with an empty cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{Client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is one answer the browser got.
type Page struct {
	URL      *url.URL
	Status   int
	Location *url.URL // resolved, for redirects
	Body     string
}

// Get loads rawURL.
func (b *Browser) Get(ctx context.Context, rawURL string) (Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Page{}, err
	}
	return b.do(req)
}

// Post submits a form to rawURL.
func (b *Browser) Post(ctx context.Context, rawURL string, form url.Values) (Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *Browser) do(req *http.Request) (Page, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return Page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Page{}, err
	}
	p := Page{URL: req.URL, Status: resp.StatusCode, Body: string(body)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if p.Location, err = req.URL.Parse(loc); err != nil {
			return p, err
		}
	}
	return p, nil
}

var (
	formAction  = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// Form reads the first form of a page: its absolute action URL and its
// hidden fields.
func (p Page) Form() (string, url.Values, error) {
	m := formAction.FindStringSubmatch(p.Body)
	if m == nil {
		return "", nil, fmt.Errorf("no form on %s (status %d)", p.URL, p.Status)
	}
	action, err := p.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return "", nil, err
	}
	fields := url.Values{}
	for _, h := range hiddenInput.FindAllStringSubmatch(p.Body, -1) {
		fields.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return action.String(), fields, nil
}

// Approve walks the authorization pages as the administrator would: the
// authorization URL, the sign-in form (with login), the consent page,
// Allow. It returns the final redirect, to the client's redirect URI.
func (p *Player) Approve(ctx context.Context, b *Browser, authorizeURL string, login portal.Login) (*url.URL, error) {
	page, err := b.Get(ctx, authorizeURL)
	if err != nil {
		return nil, err
	}
	if page.Location != nil && page.Location.Path == "/signin" {
		if page, err = b.Get(ctx, page.Location.String()); err != nil {
			return nil, err
		}
		action, fields, err := page.Form()
		if err != nil {
			return nil, err
		}
		fields.Set("username", login.Username)
		fields.Set("password", login.Password)
		if page, err = b.Post(ctx, action, fields); err != nil {
			return nil, err
		}
		if page.Location == nil {
			return nil, fmt.Errorf("sign-in answered %d, not a redirect", page.Status)
		}
		if page, err = b.Get(ctx, page.Location.String()); err != nil {
			return nil, err
		}
	}
	if page.Location != nil {
		return page.Location, nil // an error sent back to the client
	}
	if page.Status != http.StatusOK {
		return nil, fmt.Errorf("authorization page: %d %s", page.Status, page.Body)
	}
	action, fields, err := page.Form()
	if err != nil {
		return nil, err
	}
	fields.Set("decision", "approve")
	page, err = b.Post(ctx, action, fields)
	if err != nil {
		return nil, err
	}
	if page.Location == nil {
		return nil, fmt.Errorf("consent answered %d, not a redirect: %s", page.Status, page.Body)
	}
	return page.Location, nil
}

// Exchange calls the token endpoint with form (grant_type and its
// fields), authenticating the client with HTTP Basic, or with form
// fields when inBody is true.
func (p *Player) Exchange(ctx context.Context, form url.Values, inBody bool) (Token, error) {
	o := p.Settings.Auth.OAuth
	if inBody {
		form.Set("client_id", o.ClientID)
		form.Set("client_secret", o.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if !inBody {
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return Token{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{Status: resp.StatusCode}
		_ = json.NewDecoder(resp.Body).Decode(te)
		return Token{}, te
	}
	var t struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
		TokenType    string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return Token{}, err
	}
	if !strings.EqualFold(t.TokenType, "bearer") || t.AccessToken == "" {
		return Token{}, fmt.Errorf("token endpoint: token type %q", t.TokenType)
	}
	return Token{Access: t.AccessToken, Refresh: t.RefreshToken, Expiry: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
}

// CodeForm is the token request of an authorization code.
func (p *Player) CodeForm(code string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if o := p.Settings.Auth.OAuth; o.IncludeRedirectURL && len(o.RedirectURIs) > 0 {
		f.Set("redirect_uri", o.RedirectURIs[0])
	}
	return f
}

// Connect does what an administrator does once in the portal: the whole
// authorization with the settings' test login, then the code exchange.
// Afterwards every call carries the access token, refreshed when it
// expires.
func (p *Player) Connect(ctx context.Context) error {
	o := p.Settings.Auth.OAuth
	if o == nil || o.TestLogin == nil {
		return errors.New("the settings have no OAuth test login")
	}
	authURL, err := p.AuthorizeURL("", nil)
	if err != nil {
		return err
	}
	back, err := p.Approve(ctx, NewBrowser(), authURL, *o.TestLogin)
	if err != nil {
		return err
	}
	code := back.Query().Get("code")
	if code == "" {
		return fmt.Errorf("authorization refused: %s", back.RawQuery)
	}
	if got := back.Query().Get("state"); got != o.State {
		return fmt.Errorf("state came back as %q, want %q", got, o.State)
	}
	t, err := p.Exchange(ctx, p.CodeForm(code), false)
	if err != nil {
		return err
	}
	p.Token = &t
	return nil
}

// RefreshToken trades the refresh token for a new pair.
func (p *Player) RefreshToken(ctx context.Context) error {
	if p.Token == nil || p.Token.Refresh == "" {
		return errors.New("no refresh token")
	}
	t, err := p.Exchange(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.Token.Refresh}}, false)
	if err != nil {
		return err
	}
	p.Token = &t
	return nil
}

// Revoke revokes a token (RFC 7009).
func (p *Player) Revoke(ctx context.Context, token string) (int, error) {
	o := p.Settings.Auth.OAuth
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.RevocationURL, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
