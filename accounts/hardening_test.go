package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Issue 8 item 5: the session cookie never authenticates the JSON API,
// whatever the case of the path.
func TestCookieNeverAuthenticatesAPIInAnyCase(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	seedUser(t, a, "api-case@example.com", "a long password!", identity.RoleCustomer, "")
	c := apptest.NewClient(t, a)
	login(t, c, "api-case@example.com", "a long password!")
	for _, path := range []string{"/api/v1/me", "/API/v1/me", "/Api/V1/Me", "/aPI/v1/me"} {
		resp := c.Get(path)
		body := apptest.Body(t, resp)
		if resp.StatusCode == http.StatusOK || strings.Contains(body, "api-case@example.com") {
			t.Errorf("GET %s with only a session cookie: %d %s", path, resp.StatusCode, body)
		}
	}
	if !web.IsAPIPath("/API/v1/tickets") || !web.IsAPIPath("/api") || web.IsAPIPath("/apiary") {
		t.Error("IsAPIPath does not match /api in every case")
	}
}

// Issue 8 item 6: a bearer header exempts a request from CSRF only when
// the token authenticated it; and the token is bound to the session, so a
// cookie an attacker planted (with a matching form field) is worthless.
func TestCSRFBearerExemptionAndSessionBinding(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	seedUser(t, a, "victim@example.com", "a long password!", identity.RoleCustomer, "")
	c := apptest.NewClient(t, a)
	login(t, c, "victim@example.com", "a long password!")

	post := func(form url.Values, header map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, "/account/profile", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp := c.Do(req)
		resp.Body.Close()
		return resp.StatusCode
	}
	changed := url.Values{"name": {"Mallory was here"}}
	if got := post(changed, map[string]string{"Authorization": "Bearer not-a-token"}); got != http.StatusForbidden {
		t.Errorf("cookie-authenticated POST with a made-up bearer header: %d, want 403", got)
	}
	// The attacker plants a CSRF cookie of their choosing and sends the
	// same value in the field.
	planted := strings.Repeat("A", 43)
	c.SetCookie(web.CSRFCookie, planted)
	form := url.Values{"name": {"Mallory was here"}, web.CSRFField: {planted}}
	if got := post(form, nil); got != http.StatusForbidden {
		t.Errorf("planted cookie + matching field: %d, want 403", got)
	}
	// A token valid before login is worthless after it.
	anon := apptest.NewClient(t, a)
	anonToken := anon.CSRF()
	c.SetCookie(web.CSRFCookie, anon.Cookie(web.CSRFCookie))
	form.Set(web.CSRFField, anonToken)
	if got := post(form, nil); got != http.StatusForbidden {
		t.Errorf("pre-login token of the same browser cookie: %d, want 403", got)
	}
	u, err := accounts.NewService(accounts.Deps{DB: a.DB}).UserByEmail(t.Context(), "victim@example.com")
	if err != nil || u.Name == "Mallory was here" {
		t.Fatalf("the forged requests changed the profile: %v %q", err, u.Name)
	}
	// The page's own token still works.
	form.Set(web.CSRFField, c.CSRF())
	form.Set("name", "Victor")
	if got := post(form, nil); got != http.StatusSeeOther {
		t.Errorf("the page's token: %d, want 303", got)
	}
}
