package accounts_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail"
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

// Issue 8 item 7: parallel wrong passwords are evaluated no more often
// than sequential ones: the block is checked and the failure recorded in
// one transaction.
func TestParallelWrongPasswordsGetNoExtraGuesses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("target@example.com", "target's long password")
		errs := make([]error, 20)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.Login(e.ctx, "target@example.com", fmt.Sprintf("guess %d", i), fmt.Sprintf("192.0.2.%d", i))
			}()
		}
		wg.Wait()
		evaluated := 0
		for i, err := range errs {
			var rl *accounts.RateLimitError
			switch {
			case errors.Is(err, accounts.ErrInvalidCredentials):
				evaluated++
			case errors.As(err, &rl):
			default:
				t.Errorf("login %d: %v", i, err)
			}
		}
		// Sequentially: FailureThreshold free failures, the next one blocks.
		if want := accounts.DefaultLimits.FailureThreshold + 1; evaluated != want {
			t.Errorf("%d of 20 parallel wrong passwords were checked, want %d (as one after another)", evaluated, want)
		}
		// The owner still gets in once the block has passed.
		e.clock.Advance(accounts.DefaultLimits.MaxBlock + time.Second)
		if _, err := e.svc.Login(e.ctx, "target@example.com", "target's long password", "192.0.2.200"); err != nil {
			t.Fatalf("right password after the block: %v", err)
		}
	})
}

// Issue 8 item 8: a successful password reset proves ownership and lifts
// the account's login block and attempt count.
func TestPasswordResetLiftsLoginBlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		e.signupVerified("locked@example.com", "the old long password")
		var limited *accounts.RateLimitError
		for i := 0; i < 12; i++ {
			_, err := e.svc.Login(e.ctx, "locked@example.com", "wrong guess", "198.51.100.9")
			if err != nil && !errors.Is(err, accounts.ErrInvalidCredentials) && !errors.As(err, &limited) {
				t.Fatal(err)
			}
		}
		if limited == nil {
			t.Fatal("setup: the account was never blocked")
		}
		if err := e.svc.RequestPasswordReset(e.ctx, "locked@example.com", "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.ResetPassword(e.ctx, e.lastToken("locked@example.com", "/password/reset"), "a brand new long password", "198.51.100.9"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Login(e.ctx, "locked@example.com", "a brand new long password", "198.51.100.9"); err != nil {
			t.Fatalf("login right after the reset: %v, want success", err)
		}
	})
}

// Issue 8 item 15: serve --demo prints only passwords that still work.
func TestDemoLoginsPrintOnlyWorkingPasswords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEnv(t, db)
		if _, err := e.svc.SeedDemo(e.ctx, false); err != nil {
			t.Fatal(err)
		}
		carol := e.user("carol@acme.example")
		if err := e.svc.ChangePassword(e.ctx, carol.ID, 0, "demo-carol-2026", "carol's own secret phrase", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		lines, err := e.svc.SeedDemo(e.ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		out := strings.Join(lines, "\n")
		if strings.Contains(out, "demo-carol-2026") {
			t.Errorf("carol's old demo password is still printed:\n%s", out)
		}
		if !strings.Contains(out, "carol@acme.example") || !strings.Contains(out, "password changed") {
			t.Errorf("carol's line should say her password changed:\n%s", out)
		}
		re := regexp.MustCompile(`(\S+@\S+)\s+password: (\S+)`)
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			if _, err := e.svc.Login(e.ctx, m[1], m[2], "192.0.2.1"); err != nil {
				t.Errorf("printed login %s / %s does not work: %v", m[1], m[2], err)
			}
		}
	})
}

// Issue 8 item 4: /account/email answers the same whether or not the
// address has an account (its owner gets a note), and is rate limited
// before anything else.
func TestEmailChangeDoesNotRevealAccounts(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	seedUser(t, a, "prober@example.com", "a long password!", identity.RoleCustomer, "")
	seedUser(t, a, "existing@example.com", "another long password", identity.RoleCustomer, "")
	c := apptest.NewClient(t, a)
	login(t, c, "prober@example.com", "a long password!")
	answer := func(email string) (int, string) {
		resp := c.PostForm("/account/email", apptest.Values("email", email, "current_password", "a long password!"))
		resp.Body.Close()
		page := apptest.Body(t, c.Get("/account"))
		flash := regexp.MustCompile(`(?s)<div class="flash[^>]*>(.*?)</div>`).FindStringSubmatch(page)
		msg := ""
		if flash != nil {
			msg = strings.ReplaceAll(flash[1], email, "ADDRESS")
		}
		return resp.StatusCode, msg
	}
	s1, m1 := answer("nobody-here@example.com")
	s2, m2 := answer("existing@example.com")
	if s1 != s2 || m1 != m2 {
		t.Errorf("free address: %d %q; existing address: %d %q — the answers differ", s1, m1, s2, m2)
	}
	if n := outboxCount(t, a, "existing@example.com"); n != 1 {
		t.Errorf("the existing address's owner got %d mails, want 1 note", n)
	}
	// The limit counts every request, whatever it would answer.
	limited := false
	for i := 0; i < 6; i++ {
		resp := c.PostForm("/account/email", apptest.Values("email", "existing@example.com", "current_password", "wrong"))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = true
		}
	}
	if !limited {
		t.Error("probing /account/email is not rate limited")
	}
}

// Issue 8 item 3: a name with a line break is refused at sign-up and in
// the profile; a user whose stored name has one (from before) still gets
// a reset link, and nobody sees a 500.
func TestNamesWithLineBreaks(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		c := apptest.NewClient(t, a)
		resp := c.PostForm("/signup", apptest.Values("name", "Eve\r\nBcc: victim@example.com", "email", "eve@example.com", "password", "a long enough password"))
		doc := apptest.Doc(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#signup-name-error").Text(), "one line") {
			t.Errorf("signup with a line break in the name: %d %q", resp.StatusCode, doc.Find("#signup-name-error").Text())
		}
		seedUser(t, a, "legacy@example.com", "a long password!", identity.RoleCustomer, "")
		login(t, c, "legacy@example.com", "a long password!")
		resp = c.PostForm("/account/profile", apptest.Values("name", "Legacy\nUser"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("profile with a line break: %d, want 422", resp.StatusCode)
		}
		// A name stored before this rule existed.
		if _, err := a.DB.NewUpdate().Model((*accounts.User)(nil)).Set("name = ?", "Legacy\r\nBcc: victim@example.com").
			Where("email = ?", "legacy@example.com").Exec(t.Context()); err != nil {
			t.Fatal(err)
		}
		anon := apptest.NewClient(t, a)
		resp = anon.PostForm("/password/forgot", apptest.Values("email", "legacy@example.com"))
		if body := apptest.Body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
			t.Fatalf("forgot password for a name with a line break: %d", resp.StatusCode)
		}
		outboxToken(t, a, "legacy@example.com", "/password/reset")
	})
}

// Issue 8 items 9 and 14: an emailed link opened while someone else is
// signed in says who is signed in and what the link is for, and lets them
// choose; re-opening a used verification link says the address is
// verified.
func TestLinksNeverSilentlySwitchAccounts(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	seedUser(t, a, "boss@example.com", "the admin's password", identity.RoleAdmin, "")
	cust := apptest.NewClient(t, a)
	resp := cust.PostForm("/signup", apptest.Values("name", "New Customer", "email", "newbie@example.com", "password", "newbie's long password"))
	resp.Body.Close()
	token := outboxToken(t, a, "newbie@example.com", "/verify")

	admin := apptest.NewClient(t, a)
	login(t, admin, "boss@example.com", "the admin's password")
	resp = admin.Get("/verify?token=" + token)
	body := apptest.Body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "boss@example.com") || !strings.Contains(body, "newbie@example.com") {
		t.Fatalf("verify link while signed in as someone else: %d, want a page naming both accounts:\n%s", resp.StatusCode, body)
	}
	whoAmI := func(c *apptest.Client) string {
		return strings.TrimSpace(apptest.Doc(t, c.Get("/account")).Find("#email-h + p strong").Text())
	}
	if got := whoAmI(admin); got != "boss@example.com" {
		t.Fatalf("after opening the link the browser is signed in as %q", got)
	}
	// Choosing "stay": the address is confirmed, the admin stays.
	resp = admin.PostForm("/verify", apptest.Values("token", token, "stay", "1"))
	resp.Body.Close()
	if got := whoAmI(admin); got != "boss@example.com" {
		t.Fatalf("after confirming for the customer the browser is signed in as %q", got)
	}
	if u, _ := accounts.NewService(accounts.Deps{DB: a.DB}).UserByEmail(t.Context(), "newbie@example.com"); u.VerifiedAt == nil {
		t.Fatal("the customer's address was not confirmed")
	}
	// Item 14: the customer re-opens the used link.
	resp = cust.Get("/verify?token=" + token)
	resp.Body.Close()
	page := apptest.Body(t, cust.Get(resp.Header.Get("Location")))
	if !strings.Contains(page, "already verified") {
		t.Errorf("re-opened verification link: %d → %s, want 'already verified':\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}

	// Reset and magic links name both accounts too, and a reset done from
	// the admin's browser leaves the admin signed in.
	anon := apptest.NewClient(t, a)
	resp = anon.PostForm("/password/forgot", apptest.Values("email", "newbie@example.com"))
	resp.Body.Close()
	reset := outboxToken(t, a, "newbie@example.com", "/password/reset")
	body = apptest.Body(t, admin.Get("/password/reset?token="+reset))
	if !strings.Contains(body, "boss@example.com") || !strings.Contains(body, "newbie@example.com") {
		t.Errorf("reset page does not say who is signed in and whose password it sets:\n%s", body)
	}
	resp = admin.PostForm("/password/reset", apptest.Values("token", reset, "password", "newbie's second password"))
	resp.Body.Close()
	if got := whoAmI(admin); got != "boss@example.com" {
		t.Errorf("after resetting the customer's password the admin is signed in as %q", got)
	}
}

// Issue 8 items 13 and 16: what the sign-up page, the demo article and the
// verification email say matches what happens.
func TestSignupWordsMatchBehaviour(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	c := apptest.NewClient(t, a)
	if max, _ := apptest.Doc(t, c.Get("/signup")).Find("#signup-name").Attr("maxlength"); max != "200" {
		t.Errorf("name field maxlength = %q, want 200 (the server's limit)", max)
	}
	resp := c.PostForm("/signup", apptest.Values("name", "Words", "email", "words@example.com", "password", "words' long password"))
	sent := apptest.Doc(t, resp).Find("main").Text()
	signedIn := c.Cookie(accounts.SessionCookie) != ""
	login(t, c, "words@example.com", "words' long password") // fails the test when an unverified user cannot log in
	article, err := os.ReadFile("../kb/demo/account/create-an-account.md")
	if err != nil {
		t.Fatal(err)
	}
	if claims := strings.Contains(string(article), "signed in straight away"); claims != signedIn {
		t.Errorf("the article says signed in straight away = %v, sign-up signs in = %v", claims, signedIn)
	}
	if strings.Contains(sent, "finish signing up") || !strings.Contains(strings.ToLower(sent), "log in") {
		t.Errorf("the sign-up page should say the new user can log in already: %q", sent)
	}
	if !strings.Contains(string(article), "log in right away") {
		t.Error("the article does not say that a new user can log in right away")
	}
	var m mail.Entry
	if err := a.DB.NewSelect().Model(&m).Where("to_address = ?", "words@example.com").Limit(1).Scan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.TextBody, "hours") || !strings.Contains(m.TextBody, "7 days") {
		t.Errorf("verification email should say 7 days:\n%s", m.TextBody)
	}
}
