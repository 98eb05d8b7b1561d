package accounts_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// outboxToken returns the token of the newest queued link to address
// whose path is path (the app runs without SMTP, so mail waits there).
func outboxToken(t *testing.T, a *app.App, to, path string) string {
	t.Helper()
	var ms []mail.Entry
	if err := a.DB.NewSelect().Model(&ms).Where("to_address = ?", to).Order("id DESC").Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		for _, f := range strings.Fields(m.TextBody) {
			u, err := url.Parse(f)
			if err == nil && u.Path == path && u.Query().Get("token") != "" {
				return u.Query().Get("token")
			}
		}
	}
	t.Fatalf("no %s link queued for %s", path, to)
	return ""
}

func outboxCount(t *testing.T, a *app.App, to string) int {
	t.Helper()
	n, err := a.DB.NewSelect().Model((*mail.Entry)(nil)).Where("to_address = ?", to).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func login(t *testing.T, c *apptest.Client, email, password string) {
	t.Helper()
	resp := c.PostForm("/login", apptest.Values("email", email, "password", password))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d", email, resp.StatusCode)
	}
}

func TestForgotPasswordAnswersTheSame(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "known@example.com", "a long password!", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)
		answer := func(email string) (int, string) {
			resp := c.PostForm("/password/forgot", apptest.Values("email", email))
			doc := apptest.Doc(t, resp)
			// The answer names the address typed; compare the rest.
			return resp.StatusCode, strings.ReplaceAll(doc.Find("#accounts-sent").Text(), email, "ADDR")
		}
		codeKnown, known := answer("known@example.com")
		codeUnknown, unknown := answer("unknown@example.com")
		if codeKnown != 200 || codeKnown != codeUnknown || known != unknown || known == "" {
			t.Fatalf("known: %d %q\nunknown: %d %q", codeKnown, known, codeUnknown, unknown)
		}
		if outboxCount(t, a, "known@example.com") != 1 || outboxCount(t, a, "unknown@example.com") != 0 {
			t.Fatal("reset mail must go to the known address only")
		}
		// The reset page shows its form for a live link and a clear page
		// for a bad one.
		token := outboxToken(t, a, "known@example.com", "/password/reset")
		if resp := c.Get("/password/reset?token=" + token); resp.StatusCode != 200 {
			t.Fatalf("reset page: %d", resp.StatusCode)
		}
		resp := c.Get("/password/reset?token=nope")
		if body := apptest.Body(t, resp); resp.StatusCode != 400 || !strings.Contains(body, "expired or was already used") {
			t.Fatalf("bad reset link: %d", resp.StatusCode)
		}
		resp = c.PostForm("/password/reset", apptest.Values("token", token, "password", "short"))
		if body := apptest.Body(t, resp); resp.StatusCode != 422 || !strings.Contains(body, "at least 10") {
			t.Fatalf("weak reset password: %d", resp.StatusCode)
		}
		resp = c.PostForm("/password/reset", apptest.Values("token", token, "password", "a brand new password"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Fatalf("reset: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		login(t, c, "known@example.com", "a brand new password")
		// The used link answers inside the form (htmx swaps 422).
		c.Header.Set("HX-Request", "true")
		resp = c.PostForm("/password/reset", apptest.Values("token", token, "password", "yet another password"))
		body := apptest.Body(t, resp)
		c.Header.Del("HX-Request")
		if resp.StatusCode != 422 || !strings.Contains(body, "already used") || !strings.Contains(body, `href="/password/forgot"`) {
			t.Fatalf("reused link: %d %.300s", resp.StatusCode, body)
		}
	})
}

func TestVerifyLinkLogsInAndClearsBanner(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		c := apptest.NewClient(t, a)
		resp := c.PostForm("/signup", apptest.Values("name", "Uma", "email", "uma@example.com", "password", "uma's long password"))
		resp.Body.Close()
		login(t, c, "uma@example.com", "uma's long password")
		doc := apptest.Doc(t, c.Get("/account"))
		if doc.Find(".banner").Length() != 1 {
			t.Fatal("unverified user must see the banner")
		}
		// Resend queues a second link.
		resp = c.PostForm("/account/verify/resend", nil)
		resp.Body.Close()
		if n := outboxCount(t, a, "uma@example.com"); n != 2 {
			t.Fatalf("mails after resend = %d, want 2", n)
		}
		fresh := apptest.NewClient(t, a)
		resp = fresh.Get("/verify?token=" + outboxToken(t, a, "uma@example.com", "/verify"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("verify: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc = apptest.Doc(t, fresh.Get("/account"))
		if doc.Find(".banner").Length() != 0 || !strings.Contains(doc.Find(".flash-success").Text(), "confirmed") {
			t.Fatal("verified user: banner still shown or no confirmation")
		}
	})
}

func TestMagicLinkPages(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "mo@example.com", "a long password!", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)
		if resp := c.Get("/login/magic"); resp.StatusCode != 404 {
			t.Fatalf("magic link page while disabled: %d", resp.StatusCode)
		}
		if body := apptest.Body(t, c.Get("/login")); strings.Contains(body, "/login/magic") {
			t.Fatal("login page offers magic links while disabled")
		}
		if err := a.Settings.Set(context.Background(), map[string]string{accounts.SettingMagicLink: "true"}); err != nil {
			t.Fatal(err)
		}
		if body := apptest.Body(t, c.Get("/login")); !strings.Contains(body, "/login/magic") {
			t.Fatal("login page does not offer magic links")
		}
		resp := c.PostForm("/login/magic", apptest.Values("email", "MO@example.com"))
		if body := apptest.Body(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "Check your email") {
			t.Fatalf("request: %d", resp.StatusCode)
		}
		token := outboxToken(t, a, "mo@example.com", "/login/magic")
		// Opening the link shows a button; only the POST uses it.
		doc := apptest.Doc(t, c.Get("/login/magic?token="+token))
		if v, _ := doc.Find(`form[action="/login/magic/confirm"] input[name="token"]`).Attr("value"); v != token {
			t.Fatal("confirm page lacks the token form")
		}
		resp = c.PostForm("/login/magic/confirm", apptest.Values("token", token))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || c.Cookie(accounts.SessionCookie) == "" {
			t.Fatalf("magic login: %d", resp.StatusCode)
		}
		if resp := c.Get("/account"); resp.StatusCode != 200 {
			t.Fatalf("/account after magic login: %d", resp.StatusCode)
		}
		resp = c.PostForm("/login/magic/confirm", apptest.Values("token", token))
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("second use: %d", resp.StatusCode)
		}
	})
}

func TestAccountProfileEmailAndPassword(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "ivy@example.com", "ivy's long password", identity.RoleCustomer, "")
		c := apptest.NewClient(t, a)
		login(t, c, "ivy@example.com", "ivy's long password")
		other := apptest.NewClient(t, a)
		login(t, other, "ivy@example.com", "ivy's long password")

		// Profile: bad input re-renders (htmx partial) with the input kept.
		c.Header.Set("HX-Request", "true")
		resp := c.PostForm("/account/profile", apptest.Values("name", "  ", "notify_product_news", "1"))
		body := apptest.Body(t, resp)
		c.Header.Del("HX-Request")
		if resp.StatusCode != 422 || strings.Contains(body, "<html") || !strings.Contains(body, "Enter your name.") {
			t.Fatalf("profile 422: %d %.200s", resp.StatusCode, body)
		}
		resp = c.PostForm("/account/profile", apptest.Values("name", "Ivy Green", "notify_product_news", "1"))
		resp.Body.Close()
		u := seededUser(t, a, "ivy@example.com")
		if u.Name != "Ivy Green" || !u.NotifyProductNews || u.NotifyTicketUpdates {
			t.Fatalf("profile saved as %+v", u)
		}

		// Email change: wrong current password → 422 on the full page.
		resp = c.PostForm("/account/email", apptest.Values("email", "ivy@new.example", "current_password", "nope nope nope"))
		doc := apptest.Doc(t, resp)
		if resp.StatusCode != 422 || doc.Find("#email-current-password-error").Length() != 1 {
			t.Fatalf("email change with wrong password: %d", resp.StatusCode)
		}
		if v, _ := doc.Find("#email-new").Attr("value"); v != "ivy@new.example" {
			t.Fatalf("new email not kept: %q", v)
		}
		resp = c.PostForm("/account/email", apptest.Values("email", "ivy@new.example", "current_password", "ivy's long password"))
		resp.Body.Close()
		resp = c.Get("/account/email/confirm?token=" + outboxToken(t, a, "ivy@new.example", "/account/email/confirm"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || seededUser(t, a, "ivy@new.example").ID != u.ID {
			t.Fatalf("email confirm: %d", resp.StatusCode)
		}

		// Password change keeps this session and ends the other one.
		resp = c.PostForm("/account/password", apptest.Values("current_password", "ivy's long password", "new_password", "ivy's newer password"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("password change: %d", resp.StatusCode)
		}
		if resp := c.Get("/account"); resp.StatusCode != 200 {
			t.Fatalf("this session after password change: %d", resp.StatusCode)
		}
		if resp := other.Get("/account"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("other session after password change: %d, want logged out", resp.StatusCode)
		}
		var actions []string
		if err := a.DB.NewSelect().Model((*accounts.AuditEntry)(nil)).Column("action").Where("target_id = ?", u.ID).Order("id").Scan(context.Background(), &actions); err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(actions, ",")
		for _, want := range []string{accounts.AuditLoginSuccess, accounts.AuditEmailChange, accounts.AuditPasswordChange} {
			if !strings.Contains(joined, want) {
				t.Errorf("audit %v lacks %s", actions, want)
			}
		}
	})
}

func TestSessionsPageEndsSessions(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		seedUser(t, a, "ole@example.com", "ole's long password", identity.RoleCustomer, "")
		seedUser(t, a, "pia@example.com", "pia's long password", identity.RoleCustomer, "")
		c, c2, c3 := apptest.NewClient(t, a), apptest.NewClient(t, a), apptest.NewClient(t, a)
		login(t, c, "ole@example.com", "ole's long password")
		login(t, c2, "ole@example.com", "ole's long password")
		login(t, c3, "ole@example.com", "ole's long password")
		pia := apptest.NewClient(t, a)
		login(t, pia, "pia@example.com", "pia's long password")

		doc := apptest.Doc(t, c.Get("/account/sessions"))
		if n := doc.Find("tbody tr").Length(); n != 3 {
			t.Fatalf("sessions listed = %d, want 3", n)
		}
		// Someone else's session id answers 404.
		piaDoc := apptest.Doc(t, pia.Get("/account/sessions"))
		piaEnd, _ := piaDoc.Find(`form[action$="/end"]`).Attr("action")
		if resp := c.PostForm(piaEnd, nil); resp.StatusCode != 404 {
			t.Fatalf("ending another user's session: %d", resp.StatusCode)
		}
		resp := c.PostForm("/account/sessions/end-others", nil)
		resp.Body.Close()
		for i, cl := range []*apptest.Client{c2, c3} {
			if resp := cl.Get("/account"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("session %d after end-others: %d", i+2, resp.StatusCode)
			}
		}
		if resp := c.Get("/account"); resp.StatusCode != 200 {
			t.Fatalf("this session after end-others: %d", resp.StatusCode)
		}
		if resp := pia.Get("/account"); resp.StatusCode != 200 {
			t.Fatalf("another user's session was ended: %d", resp.StatusCode)
		}
	})
}

func seededUser(t *testing.T, a *app.App, email string) *accounts.User {
	t.Helper()
	u, err := accounts.NewService(accounts.Deps{DB: a.DB}).UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
