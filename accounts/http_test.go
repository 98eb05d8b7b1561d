package accounts_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// seedUser creates a verified user directly in the app's database.
func seedUser(t *testing.T, a *app.App, email, password string, role identity.Role, org string) *accounts.User {
	t.Helper()
	svc := accounts.NewService(accounts.Deps{DB: a.DB, Argon2: fastArgon})
	if org != "" {
		now := time.Now().UTC()
		o := &accounts.Organization{Name: org, Slug: strings.ToLower(org), CreatedAt: now, UpdatedAt: now}
		if _, err := a.DB.NewInsert().Model(o).On("CONFLICT (slug) DO NOTHING").Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	u, err := svc.CreateUser(context.Background(), accounts.CreateUserInput{Email: email, Name: "Seeded", Password: password, Role: role, OrgSlug: strings.ToLower(org)})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignupFormRerendersWithMessagesAndInput(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		c := apptest.NewClient(t, a)
		form := apptest.Values("name", "Robin", "email", "robin@example.com", "password", "password123")

		resp := c.PostForm("/signup", form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status = %d, want 422", resp.StatusCode)
		}
		doc := apptest.Doc(t, resp)
		if doc.Find("h1").Length() != 1 {
			t.Fatal("the full page must come back for a plain form post")
		}
		if v, _ := doc.Find("#signup-name").Attr("value"); v != "Robin" {
			t.Errorf("name kept = %q", v)
		}
		if v, _ := doc.Find("#signup-email").Attr("value"); v != "robin@example.com" {
			t.Errorf("email kept = %q", v)
		}
		if v, ok := doc.Find("#signup-password").Attr("value"); ok && v != "" {
			t.Error("the password must never be echoed back")
		}
		if inv, _ := doc.Find("#signup-password").Attr("aria-invalid"); inv != "true" {
			t.Error("password field not marked invalid")
		}
		if msg := doc.Find("#signup-password-error").Text(); !strings.Contains(msg, "too common") {
			t.Errorf("password message = %q", msg)
		}

		// htmx gets only the form partial, still 422 so it swaps.
		c.Header.Set("HX-Request", "true")
		resp = c.PostForm("/signup", apptest.Values("name", "", "email", "nope", "password", "a fine long passphrase"))
		body := apptest.Body(t, resp)
		c.Header.Del("HX-Request")
		if resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(body, "<html") || !strings.Contains(body, `id="signup-form"`) {
			t.Fatalf("htmx: status %d, body %.300s", resp.StatusCode, body)
		}
		if !strings.Contains(body, "Enter your name.") || !strings.Contains(body, "valid email address") {
			t.Errorf("htmx partial lacks field messages: %.500s", body)
		}

		resp = c.PostForm("/signup", apptest.Values("name", "Robin", "email", "robin@example.com", "password", "a fine long passphrase"))
		if body := apptest.Body(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
			t.Fatalf("good sign-up: %d %.300s", resp.StatusCode, body)
		}

		n, err := a.DB.NewSelect().Model((*accounts.User)(nil)).Where("email = ?", "robin@example.com").Count(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("users = %d (%v)", n, err)
		}
	})
}

func TestStateChangingRequestsNeedCSRFToken(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "csrf@example.com", "a long password!", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)
		c.CSRF()
		for _, path := range []string{"/login", "/signup", "/logout", "/password/forgot", "/account/tokens"} {
			req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"email": {"csrf@example.com"}, "password": {"a long password!"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp := c.Do(req)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s without token: %d, want 403", path, resp.StatusCode)
			}
		}
		// A wrong token in the htmx header is refused as well.
		req, _ := http.NewRequest(http.MethodPost, "/login", strings.NewReader("email=csrf%40example.com&password=a+long+password%21"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(web.CSRFHeader, "forged-token-forged-token-forged-token")
		if resp := c.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged header: %d", resp.StatusCode)
		}
		if c.Cookie(accounts.SessionCookie) != "" {
			t.Fatal("a session was created without a CSRF token")
		}
	})
}

func TestBurstOfBadLoginsGets429s(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "target@example.com", "the real long password", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)
		limited := 0
		for i := 0; i < 50; i++ {
			resp := c.PostForm("/login", apptest.Values("email", "target@example.com", "password", "guess-"+string(rune('a'+i%26))+"-attempt"))
			body := apptest.Body(t, resp)
			switch {
			case resp.StatusCode >= 500:
				t.Fatalf("attempt %d: %d", i, resp.StatusCode)
			case resp.StatusCode == http.StatusTooManyRequests:
				limited++
				if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
					t.Fatalf("429 without Retry-After (%q)", ra)
				}
				if !strings.Contains(body, "Too many attempts") {
					t.Fatalf("429 page does not say why: %.300s", body)
				}
			case resp.StatusCode != http.StatusUnprocessableEntity:
				t.Fatalf("attempt %d: status %d", i, resp.StatusCode)
			}
		}
		if limited < 40 {
			t.Fatalf("%d of 50 bad logins got 429, want at least 40", limited)
		}
		// htmx gets the form partial with the message, swapped in on 429.
		c.Header.Set("HX-Request", "true")
		resp := c.PostForm("/login", apptest.Values("email", "target@example.com", "password", "one more guess"))
		body := apptest.Body(t, resp)
		c.Header.Del("HX-Request")
		if resp.StatusCode != http.StatusTooManyRequests || strings.Contains(body, "<html") || !strings.Contains(body, `id="login-form"`) || !strings.Contains(body, "Please wait") {
			t.Fatalf("htmx 429: %d %.300s", resp.StatusCode, body)
		}
		// The right password waits too while the account is blocked.
		resp = c.PostForm("/login", apptest.Values("email", "target@example.com", "password", "the real long password"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("right password during the block: %d", resp.StatusCode)
		}
	})
}

func TestLoginSessionAndLogout(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "kai@example.com", "kai's long password", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)

		resp := c.Get("/account")
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Faccount" {
			t.Fatalf("anonymous /account: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc := apptest.Doc(t, c.Get("/login?next=%2Faccount"))
		if v, _ := doc.Find(`input[name="next"]`).Attr("value"); v != "/account" {
			t.Fatalf("next = %q", v)
		}
		// An off-site next is ignored.
		resp = c.PostForm("/login", apptest.Values("email", "KAI@example.com", "password", "kai's long password", "next", "//evil.example/"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("login: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		ck := setCookie(resp, accounts.SessionCookie)
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.MaxAge != 0 {
			t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, not Secure on http, no Max-Age without remember", ck)
		}
		first := ck.Value

		doc = apptest.Doc(t, c.Get("/account"))
		if !strings.Contains(doc.Find("main").Text(), "kai@example.com") {
			t.Fatal("account page does not show the address")
		}
		doc = apptest.Doc(t, c.Get("/account/sessions"))
		if !strings.Contains(doc.Find("table").Text(), "This device") {
			t.Fatal("sessions page does not mark this device")
		}

		// Logging in again (remember me) gives a new session id.
		resp = c.PostForm("/login", apptest.Values("email", "kai@example.com", "password", "kai's long password", "remember", "1"))
		resp.Body.Close()
		ck = setCookie(resp, accounts.SessionCookie)
		if ck == nil || ck.Value == first || ck.MaxAge < 29*24*3600 {
			t.Fatalf("remembered login cookie = %+v", ck)
		}

		resp = c.PostForm("/logout", nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if c.Cookie(accounts.SessionCookie) != "" {
			t.Fatal("session cookie kept after logout")
		}
		// The old cookie is dead on the server too.
		c.SetCookie(accounts.SessionCookie, ck.Value)
		resp = c.Get("/account")
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("/account with a logged-out cookie: %d", resp.StatusCode)
		}
	})
}

func TestSecureCookiesOnHTTPS(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t), func(c *app.Config) { c.BaseURL = "https://help.example.com" })
	seedUser(t, a, "sec@example.com", "a long password!", identity.RoleCustomer, "")
	c := apptest.NewClient(t, a)
	resp := c.PostForm("/login", apptest.Values("email", "sec@example.com", "password", "a long password!"))
	resp.Body.Close()
	if ck := setCookie(resp, accounts.SessionCookie); ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("session cookie on https = %+v, want Secure and HttpOnly", ck)
	}
}

func TestAPITokensPageAndMe(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "dev@acme.example", "dev's long password", identity.RoleCustomer, "Acme")
		c := apptest.NewClient(t, a)
		resp := c.PostForm("/login", apptest.Values("email", "dev@acme.example", "password", "dev's long password"))
		resp.Body.Close()

		resp = c.PostForm("/account/tokens", apptest.Values("name", "billing sync"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create token: %d", resp.StatusCode)
		}
		doc := apptest.Doc(t, resp)
		token, _ := doc.Find("#new-token").Attr("value")
		if !strings.HasPrefix(token, "fd_") {
			t.Fatalf("token shown = %q", token)
		}
		// Shown once: the list only has the prefix.
		body := apptest.Body(t, c.Get("/account/tokens"))
		if strings.Contains(body, token) || !strings.Contains(body, token[:9]) || !strings.Contains(body, "billing sync") {
			t.Fatal("tokens page must list the prefix and name, never the token")
		}

		api := apptest.NewClient(t, a)
		get := func(auth string) (int, map[string]any) {
			req, _ := http.NewRequest(http.MethodGet, "/api/v1/me", nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp := api.Do(req)
			defer resp.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&m)
			return resp.StatusCode, m
		}
		code, me := get("Bearer " + token)
		if code != 200 || me["email"] != "dev@acme.example" || me["role"] != "customer" || me["org"] != "Acme" || me["name"] != "Seeded" {
			t.Fatalf("/api/v1/me = %d %v", code, me)
		}
		for _, auth := range []string{"", "Bearer fd_wrong", "Basic abc"} {
			if code, m := get(auth); code != 401 || m["error"] == nil {
				t.Errorf("auth %q: %d %v, want 401 with error", auth, code, m)
			}
		}
		// The browser session does not authenticate the API.
		req, _ := http.NewRequest(http.MethodGet, "/api/v1/me", nil)
		if resp := c.Do(req); resp.StatusCode != 401 {
			t.Fatalf("API with only the session cookie: %d", resp.StatusCode)
		}

		id, _ := doc.Find(`form[action$="/revoke"]`).Attr("action")
		resp = c.PostForm(id, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if code, _ := get("Bearer " + token); code != 401 {
			t.Fatalf("revoked token: %d", code)
		}
	})
}
