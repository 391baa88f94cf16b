package signin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"example.com/crm/shared/auth"
	"example.com/crm/shared/signin"
	"example.com/crm/shared/signin/signintest"
)

// The in-memory store keeps the same contract as the Firestore one
// (gcpfirestore's TestSessions runs the same cases on the emulator).
func TestMemorySessions(t *testing.T) {
	signintest.TestSessions(t, func(*testing.T) signin.Sessions { return signin.NewMemorySessions() })
}

// signedIn signs the administrator in with a new browser and returns it.
func signedIn(t *testing.T, s *signin.Service) *browser {
	t.Helper()
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	if res, body := b.post("/signin", signinForm(b.csrf(), adminUser, adminPassword, "/")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: got status %d, want %d (%s)", res.StatusCode, http.StatusSeeOther, body)
	}
	if _, ok := b.userOf(s); !ok {
		t.Fatalf("User after sign-in: got nobody, want %q", adminUser)
	}
	return b
}

// TestSignOutEndsEverySession: a session cookie copied before sign-out
// (a stolen one, or the same user on another device) no longer works
// after it; signing in again works.
func TestSignOutEndsEverySession(t *testing.T) {
	s := newService(t, nil)
	b := signedIn(t, s)
	copied := *b.cookies["crm_session"]
	other := signedIn(t, s) // the same user in another browser
	if res, _ := b.post("/signin/out", url.Values{"csrf": {b.csrf()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: got status %d, want %d", res.StatusCode, http.StatusSeeOther)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&copied)
	if u, err := s.User(r); u != "" || err != nil {
		t.Errorf("User with the cookie copied before sign-out: got (%q, %v), want nobody", u, err)
	}
	if u, ok := other.userOf(s); ok {
		t.Errorf("User in the other browser: got %q, want nobody (sign-out ends every session of the user)", u)
	}
	if got := signedIn(t, s); got == nil {
		t.Fatal("no browser")
	}
}

// TestRemovedAdministratorSignedOut: a local administrator whose
// username changes or whose password hash is removed is no longer
// signed in on the next page view.
func TestRemovedAdministratorSignedOut(t *testing.T) {
	store := signin.NewMemorySessions()
	s := newService(t, func(c *signin.Config) { c.Sessions = store })
	b := signedIn(t, s)
	tests := []struct {
		name string
		edit func(*signin.Config)
		want bool
	}{
		{"unchanged", func(*signin.Config) {}, true},
		{"another password hash", func(c *signin.Config) { c.AdminPasswordHash = adminHash(t) }, true},
		{"username changed", func(c *signin.Config) { c.AdminUsername = "root" }, false},
		{"username in other case", func(c *signin.Config) { c.AdminUsername = "Admin" }, false},
		{"password hash removed", func(c *signin.Config) { c.AdminPasswordHash = "" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			later := newService(t, func(c *signin.Config) { c.Sessions = store; tt.edit(c) })
			if u, ok := b.userOf(later); ok != tt.want {
				t.Errorf("User: got (%q, %v), want signed in %v", u, ok, tt.want)
			}
		})
	}
}

// failingSessions is a session store whose database does not answer.
type failingSessions struct{}

var errDown = errors.New("database unavailable")

func (failingSessions) Generation(context.Context, string) (int64, error) { return 0, errDown }
func (failingSessions) Bump(context.Context, string) error                { return errDown }

// switchable is a working store that can be made to fail.
type switchable struct {
	signin.Sessions
	down bool
}

func (s *switchable) Generation(ctx context.Context, user string) (int64, error) {
	if s.down {
		return 0, errDown
	}
	return s.Sessions.Generation(ctx, user)
}

func (s *switchable) Bump(ctx context.Context, user string) error {
	if s.down {
		return errDown
	}
	return s.Sessions.Bump(ctx, user)
}

// TestSessionStoreDown: when the generation cannot be read nobody is let
// in (fail closed), and the page says to try again (503 with
// Retry-After), rather than a 500 or the sign-in form.
func TestSessionStoreDown(t *testing.T) {
	store := &switchable{Sessions: signin.NewMemorySessions()}
	s := newService(t, func(c *signin.Config) { c.Sessions = store })
	b := signedIn(t, s)
	store.down = true

	t.Run("User", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(b.cookies["crm_session"])
		if u, err := s.User(r); u != "" || err == nil {
			t.Errorf("User: got (%q, %v), want nobody and an error", u, err)
		}
	})
	t.Run("RequireUser", func(t *testing.T) {
		r := httptest.NewRequest("GET", "http://crm.example/authorize?client_id=c", nil)
		r.AddCookie(b.cookies["crm_session"])
		w := httptest.NewRecorder()
		if u, ok := s.RequireUser(w, r, "/signin"); ok || u != "" {
			t.Errorf("RequireUser: got (%q, %v), want nobody", u, ok)
		}
		wantUnavailable(t, w.Result(), w.Body.String())
	})
	t.Run("sign-out", func(t *testing.T) {
		res, body := b.post("/signin/out", url.Values{"csrf": {b.csrf()}})
		wantUnavailable(t, res, body)
	})
	t.Run("sign-in", func(t *testing.T) {
		nb := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
		res, body := nb.post("/signin", signinForm(nb.csrf(), adminUser, adminPassword, "/"))
		wantUnavailable(t, res, body)
		if c := cookieNamed(res, "crm_session"); c != nil {
			t.Errorf("crm_session: got %v, want none", c)
		}
	})
	t.Run("store back", func(t *testing.T) {
		store.down = false
		if _, ok := b.userOf(s); !ok {
			t.Errorf("User once the store answers: got nobody, want %q", adminUser)
		}
	})
}

func wantUnavailable(t *testing.T, res *http.Response, body string) {
	t.Helper()
	if got, want := res.StatusCode, http.StatusServiceUnavailable; got != want {
		t.Errorf("status: got %d, want %d (%s)", got, want, body)
	}
	if got := res.Header.Get("Retry-After"); got == "" {
		t.Errorf("Retry-After: got none, want one")
	}
	if !strings.Contains(body, "Try again") {
		t.Errorf("page: got %q, want it to say to try again", body)
	}
	if strings.Contains(body, errDown.Error()) {
		t.Errorf("page: got %q, want no internal error", body)
	}
}

// A session store that never answers lets nobody sign in either.
func TestSessionStoreDownAtSignIn(t *testing.T) {
	s := newService(t, func(c *signin.Config) { c.Sessions = failingSessions{} })
	b := newBrowser(t, s.Handler("/signin", auth.ClientAddr))
	res, body := b.post("/signin", signinForm(b.csrf(), adminUser, adminPassword, "/x"))
	wantUnavailable(t, res, body)
	if res.Header.Get("Location") != "" {
		t.Errorf("Location: got %q, want none", res.Header.Get("Location"))
	}
}

// TestRemovedGoogleUserSignedOut: a Google user who is no longer allowed
// (address or domain removed from the allowed users, Google sign-in
// switched off) is no longer signed in on the next page view.
func TestRemovedGoogleUserSignedOut(t *testing.T) {
	prov := newProvider(t)
	store := signin.NewMemorySessions()
	google := func(c *signin.Config) {
		c.Google = signin.GoogleConfig{ClientID: "crm-web", ClientSecret: "google-secret-123",
			AuthURL: prov.srv.URL + "/auth", TokenURL: prov.srv.URL + "/token", Issuer: prov.srv.URL}
		c.AllowedUsers = []string{"@example.com", "boss@gmail.com"}
		c.Sessions = store
	}
	svc := newService(t, google)
	crm := httptest.NewServer(svc.Handler("/signin", auth.ClientAddr))
	defer crm.Close()
	prov.register(t, "crm-web", "google-secret-123", crm.URL+"/signin/google/callback")

	signInAs := func(claims map[string]any) *http.Request {
		t.Helper()
		prov.claims = claims
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if r.URL.Host != prov.srv.Listener.Addr().String() && r.URL.Path == "/" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
		res, err := client.Get(crm.URL + "/signin/google")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		u, _ := url.Parse(crm.URL)
		r := httptest.NewRequest("GET", "/", nil)
		for _, c := range jar.Cookies(u) {
			r.AddCookie(c)
		}
		if got, err := svc.User(r); got == "" || err != nil {
			t.Fatalf("User after Google sign-in: got (%q, %v), want signed in", got, err)
		}
		return r
	}
	ann := signInAs(map[string]any{"email": "ann@example.com", "email_verified": true, "hd": "example.com"})
	boss := signInAs(map[string]any{"email": "boss@gmail.com", "email_verified": true})

	tests := []struct {
		name     string
		allowed  []string
		noGoogle bool
		wantAnn  bool
		wantBoss bool
	}{
		{"unchanged", []string{"@example.com", "boss@gmail.com"}, false, true, true},
		{"address removed", []string{"@example.com"}, false, true, false},
		{"domain removed", []string{"boss@gmail.com"}, false, false, true},
		{"domain replaced by the address", []string{"ann@example.com", "boss@gmail.com"}, false, true, true},
		{"nobody allowed", nil, false, false, false},
		{"Google sign-in switched off", []string{"@example.com", "boss@gmail.com"}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			later := newService(t, func(c *signin.Config) {
				google(c)
				c.AllowedUsers = tt.allowed
				if tt.noGoogle {
					c.Google = signin.GoogleConfig{}
				}
			})
			for _, who := range []struct {
				r    *http.Request
				name string
				want bool
			}{{ann, "ann@example.com", tt.wantAnn}, {boss, "boss@gmail.com", tt.wantBoss}} {
				u, err := later.User(who.r)
				if err != nil {
					t.Fatalf("User: %v", err)
				}
				if (u == who.name) != who.want || (u != "" && u != who.name) {
					t.Errorf("User with %s's cookie: got %q, want signed in %v", who.name, u, who.want)
				}
			}
		})
	}
}
