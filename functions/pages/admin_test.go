package pages_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"example.com/crm/functions/pages"
	"example.com/crm/shared/auth"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/oauthserver"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/portal"
)

const (
	newestKey = "newest-key-0123456789abcdef"
	olderKey  = "older-key-0123456789abcdef"
)

// deployment is what a deployment knows of itself, as functions.go
// gives it to the pages.
func deployment() portal.Input {
	urls := map[string]string{}
	for _, fn := range portal.Functions {
		urls[fn] = "https://us-central1-p.cloudfunctions.net/crm-" + strings.ToLower(fn)
	}
	return portal.Input{URLs: urls,
		Auth:            auth.Config{Method: auth.MethodCustomHeader, HeaderName: "X-Api-Key", APIKeys: []string{newestKey, olderKey}},
		ExternalStorage: portal.GCSStorage("acme-ccai", "ccai", ""),
		InboundAddress:  "outcomes@crm.example.com", InboundPathSecret: strings.Repeat("s", 32)}
}

func adminEnv(t testing.TB, in portal.Input, clients []oauthserver.Client) env {
	return newEnvWith(t, func(c *pages.Config, store *gcpfirestore.Store) {
		c.Admin = &pages.Admin{Outcome: store, Portal: in, OAuthClients: clients, LocalAdmin: "admin",
			AllowedUsers: []string{"@acme.com"}, AdminUsers: []string{"ops@acme.com"}}
	})
}

// The admin page lists how CCAI Platform signs in (API key fingerprints,
// never the keys) and the users; the download is the deployment's
// portal settings file, only with the form's CSRF token.
func TestAdminPortalSettings(t *testing.T) {
	e := adminEnv(t, deployment(), nil)
	_, page := e.do(t, e.browser, "GET", "/admin", nil, http.StatusOK)
	wantIn(t, page, auth.Fingerprint(newestKey), auth.Fingerprint(olderKey), "X-Api-Key", "@acme.com", "ops@acme.com", `action="/admin/portal-settings.json"`)
	for _, secret := range []string{newestKey, olderKey, strings.Repeat("s", 32)} {
		if strings.Contains(page, secret) {
			t.Errorf("the admin page shows the secret %q", secret)
		}
	}
	e.do(t, e.browser, "POST", "/admin/portal-settings.json", url.Values{"csrf": {"forged"}}, http.StatusForbidden)
	resp, body := e.do(t, e.browser, "POST", "/admin/portal-settings.json", url.Values{"csrf": {csrfOf(t, page)}}, http.StatusOK)
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="portal-settings.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	var got portal.Settings
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want, err := portal.Build(deployment())
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("downloaded file:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	if got.Auth.CustomHeader[0].Value != newestKey || got.DisplayCRMURL == "" || got.ExternalStorage.Bucket != "acme-ccai" ||
		!strings.HasSuffix(got.SessionOutcomeEmail.InboundURL, "/"+strings.Repeat("s", 32)) {
		t.Errorf("file lacks the newest key, the page keys, the storage or the inbound URL: %s", gotJSON)
	}

	// a deployment that does not know its URLs offers no file
	in := deployment()
	in.URLs = nil
	e = adminEnv(t, in, nil)
	_, page = e.do(t, e.browser, "GET", "/admin", nil, http.StatusOK)
	wantIn(t, page, "CRM_FUNCTION_URLS")
	e.do(t, e.browser, "POST", "/admin/portal-settings.json", url.Values{"csrf": {csrfOf(t, page)}}, http.StatusConflict)
}

// With OAuth the administrator picks the client and types its secret,
// which the CRM checks against the client's hash; the page lists the
// clients, never their hashes.
func TestAdminPortalSettingsOAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("client-secret-0123456789"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	clients := []oauthserver.Client{{ID: "ccaip", SecretHash: string(hash), RedirectURIs: []string{"https://acme.ccaiplatform.com/v1/crm/oauth"}}}
	in := deployment()
	in.Auth = auth.Config{Method: auth.MethodOAuth}
	e := adminEnv(t, in, clients)
	_, page := e.do(t, e.browser, "GET", "/admin", nil, http.StatusOK)
	wantIn(t, page, `<option value="ccaip">`, "https://acme.ccaiplatform.com/v1/crm/oauth", `name="client_secret"`)
	if strings.Contains(page, string(hash)) {
		t.Error("the admin page shows the client's secret hash")
	}
	csrf := csrfOf(t, page)
	for _, form := range []url.Values{
		{"csrf": {csrf}, "client_id": {"ccaip"}, "client_secret": {"wrong"}},
		{"csrf": {csrf}, "client_id": {"other"}, "client_secret": {"client-secret-0123456789"}},
		{"csrf": {csrf}},
	} {
		e.do(t, e.browser, "POST", "/admin/portal-settings.json", form, http.StatusUnprocessableEntity)
	}
	_, body := e.do(t, e.browser, "POST", "/admin/portal-settings.json",
		url.Values{"csrf": {csrf}, "client_id": {"ccaip"}, "client_secret": {"client-secret-0123456789"}}, http.StatusOK)
	var got portal.Settings
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if o := got.Auth.OAuth; o == nil || o.ClientID != "ccaip" || o.ClientSecret != "client-secret-0123456789" || o.TokenURL != in.URLs[portal.OAuthServer]+"/token" {
		t.Errorf("OAuth settings %+v", got.Auth.OAuth)
	}
}

// The outcome email settings form: what is saved is what the store
// keeps (Firestore); a queue marked to remove goes; bad input is a 422
// naming the problem and nothing is stored.
func TestAdminOutcomeSettings(t *testing.T) {
	e := adminEnv(t, deployment(), nil)
	ctx := context.Background()
	_, page := e.do(t, e.browser, "GET", "/admin", nil, http.StatusOK)
	csrf := csrfOf(t, page)
	wantIn(t, page, `name="rows" value="3"`)
	form := url.Values{"csrf": {csrf}, "global_enabled": {"on"}, "global_address": {" team@acme.com "}, "rows": {"3"},
		"q0.key": {"8"}, "q0.enabled": {"on"}, "q0.address": {"orders@acme.com"},
		"q1.key": {"Orders/Returns"}, "q1.enabled": {"on"}, "q1.address": {""},
		"q2.key": {""}, "q2.enabled": {"on"}, "q2.address": {"ignored@acme.com"}}
	resp, _ := e.do(t, e.browser, "POST", "/admin/outcome", form, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/admin?saved=outcome#outcome" {
		t.Errorf("after saving: %q", loc)
	}
	want := outcome.Settings{Global: outcome.Setting{Enabled: true, Address: "team@acme.com"},
		Queues: map[string]outcome.Setting{"8": {Enabled: true, Address: "orders@acme.com"}, "Orders/Returns": {Enabled: true}}}
	got, err := e.store.OutcomeSettings(ctx)
	if err != nil || got.Global != want.Global || !maps.Equal(got.Queues, want.Queues) {
		t.Fatalf("stored %+v, %v; want %+v", got, err, want)
	}
	_, page = e.do(t, e.browser, "GET", "/admin?saved=outcome", nil, http.StatusOK)
	wantIn(t, page, "Saved.", `name="rows" value="5"`, `value="Orders/Returns"`, `value="orders@acme.com"`, `value="team@acme.com"`)

	// remove a queue, turn the global setting off
	keys := slices.Sorted(maps.Keys(want.Queues)) // the page's order
	form = url.Values{"csrf": {csrf}, "global_address": {"team@acme.com"}, "rows": {"2"},
		"q0.key": {keys[0]}, "q0.enabled": {"on"}, "q0.address": {"orders@acme.com"}, "q0.remove": {"on"},
		"q1.key": {keys[1]}, "q1.enabled": {"on"}}
	e.do(t, e.browser, "POST", "/admin/outcome", form, http.StatusSeeOther)
	got, _ = e.store.OutcomeSettings(ctx)
	if got.Global.Enabled || len(got.Queues) != 1 || !got.Queues[keys[1]].Enabled {
		t.Errorf("after removing %q: %+v", keys[0], got)
	}

	// bad input: 422, nothing changed
	before := got
	for name, bad := range map[string]url.Values{
		"global on without an address": {"global_enabled": {"on"}, "rows": {"0"}},
		"not an address":               {"rows": {"1"}, "q0.key": {"8"}, "q0.address": {"Orders <orders@acme.com>"}},
		"a queue twice":                {"rows": {"2"}, "q0.key": {"8"}, "q1.key": {" 8"}},
		"no row count":                 {"q0.key": {"8"}},
		"a huge row count":             {"rows": {"99999999"}},
	} {
		bad.Set("csrf", csrf)
		_, body := e.do(t, e.browser, "POST", "/admin/outcome", bad, http.StatusUnprocessableEntity)
		if !strings.Contains(body, "Not saved") {
			t.Errorf("%s: %s", name, body)
		}
	}
	e.do(t, e.browser, "POST", "/admin/outcome", url.Values{"csrf": {"forged"}, "rows": {"0"}}, http.StatusForbidden)
	if got, _ := e.store.OutcomeSettings(ctx); got.Global != before.Global || !maps.Equal(got.Queues, before.Queues) {
		t.Errorf("refused forms changed the settings: %+v, want %+v", got, before)
	}
}
