package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"example.com/crm/shared/portal"
)

// The Pages function's admin page downloads the deployment's portal
// settings file: the same file the local stack wrote, but for the test
// login, which only a local run has (the function knows only the
// administrator's password hash).
func TestAdminDownloadsThePortalSettingsFile(t *testing.T) {
	local, err := portal.Read(stack.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	base := stack.URLs[portal.Pages]
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	token := func(page string) string {
		t.Helper()
		m := csrf.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no CSRF field in %s", page)
		}
		return m[1]
	}
	form := get("/signin?next=/admin")
	resp, err := c.PostForm(base+"/signin", url.Values{"csrf": {token(form)}, "username": {local.TestLogin.Username},
		"password": {local.TestLogin.Password}, "next": {"/admin"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Download portal-settings.json") {
		t.Fatalf("after sign-in, no admin page:\n%s", page)
	}
	resp, err = c.PostForm(base+"/admin/portal-settings.json", url.Values{"csrf": {token(string(page))}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got portal.Settings
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download: %d, %v", resp.StatusCode, err)
	}
	local.TestLogin = nil
	want, _ := json.MarshalIndent(local, "", " ")
	have, _ := json.MarshalIndent(got, "", " ")
	if string(have) != string(want) {
		t.Errorf("downloaded file:\n%s\nthe local stack's (without test_login):\n%s", have, want)
	}
}
