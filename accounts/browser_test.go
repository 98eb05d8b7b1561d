package accounts_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail/mailtest"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// serveAt builds the app with its base URL set to a listener opened first,
// so links in the mail it sends point at the running server.
func serveAt(t *testing.T, b dbtest.Backend, opts ...apptest.Option) (*app.App, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	opts = append(opts, func(c *app.Config) { c.BaseURL = base })
	a := apptest.New(t, b, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return a, base
}

// linkTo returns the first link in msg whose path starts with path.
func linkTo(t *testing.T, msg mailtest.Message, base, path string) string {
	t.Helper()
	for _, l := range mailtest.Links(msg) {
		if strings.HasPrefix(l, base+path) {
			return l
		}
	}
	t.Fatalf("no %s%s link in %q: %v", base, path, msg.Subject, mailtest.Links(msg))
	return ""
}

// TestBrowserSignupVerifyResetLogin is the end-to-end check: sign
// up, confirm through the emailed link, log out, reset the password
// through the emailed link, and log in with the new password.
func TestBrowserSignupVerifyResetLogin(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		srv := mailtest.Start(t)
		_, base := serveAt(t, b, func(c *app.Config) { c.SMTPURL = srv.URL() })
		br := browsertest.New(t)
		const email = "june@example.com"
		var text string

		br.Run(t, "open sign-up", chromedp.Navigate(base+"/signup"), chromedp.WaitVisible("#signup-name", chromedp.ByQuery))
		if p := br.A11yProblems(t); len(p) > 0 {
			t.Errorf("sign-up page accessibility: %v", p)
		}
		br.Run(t, "sign up",
			chromedp.SendKeys("#signup-name", "June", chromedp.ByQuery),
			chromedp.SendKeys("#signup-email", email, chromedp.ByQuery),
			chromedp.SendKeys("#signup-password", "june's first long password", chromedp.ByQuery),
			chromedp.Click("#signup-form button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible("#accounts-sent", chromedp.ByQuery),
			chromedp.Text("#accounts-sent", &text, chromedp.ByQuery),
		)
		if !strings.Contains(text, "Check your email") {
			t.Fatalf("after sign-up: %q", text)
		}

		verify := linkTo(t, srv.WaitFor(t, email, 15*time.Second), base, "/verify?token=")
		br.Run(t, "verify", chromedp.Navigate(verify), chromedp.WaitVisible(".flash-success", chromedp.ByQuery),
			chromedp.Text("main", &text, chromedp.ByQuery))
		if !strings.Contains(text, "email address is confirmed") || !strings.Contains(text, email) {
			t.Fatalf("after verification: %q", text)
		}
		var banners int
		br.Run(t, "no banner", chromedp.Evaluate(`document.querySelectorAll(".banner").length`, &banners))
		if banners != 0 {
			t.Fatal("verified user still sees the confirm-your-email banner")
		}

		br.Run(t, "log out",
			chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery),
			chromedp.WaitVisible(`a[href="/login"]`, chromedp.ByQuery),
		)

		br.Run(t, "forgot password",
			chromedp.Navigate(base+"/password/forgot"),
			chromedp.WaitVisible("#forgot-email", chromedp.ByQuery),
			chromedp.SendKeys("#forgot-email", email, chromedp.ByQuery),
			chromedp.Click("#forgot-form button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible("#accounts-sent", chromedp.ByQuery),
		)
		reset := linkTo(t, srv.WaitFor(t, email, 15*time.Second), base, "/password/reset?token=")
		br.Run(t, "reset password",
			chromedp.Navigate(reset),
			chromedp.WaitVisible("#reset-password", chromedp.ByQuery),
			chromedp.SendKeys("#reset-password", "june's second long password", chromedp.ByQuery),
			chromedp.Click("#reset-form button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible("#login-email", chromedp.ByQuery),
			chromedp.Text("main", &text, chromedp.ByQuery),
		)
		if !strings.Contains(text, "password is changed") {
			t.Fatalf("after reset: %q", text)
		}
		if p := br.A11yProblems(t); len(p) > 0 {
			t.Errorf("login page accessibility: %v", p)
		}

		br.Run(t, "old password refused",
			chromedp.SendKeys("#login-email", email, chromedp.ByQuery),
			chromedp.SendKeys("#login-password", "june's first long password", chromedp.ByQuery),
			chromedp.Click("#login-form button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible("#login-form .error-text", chromedp.ByQuery),
			chromedp.Text("#login-form .error-text", &text, chromedp.ByQuery),
		)
		if !strings.Contains(text, "do not match") {
			t.Fatalf("old password: %q", text)
		}
		br.Run(t, "log in with the new password",
			// The re-rendered form kept the email and, as it must, not the password.
			chromedp.SendKeys("#login-password", "june's second long password", chromedp.ByQuery),
			chromedp.Click("#login-form button[type=submit]", chromedp.ByQuery),
			chromedp.WaitVisible(`header a[href="/account"]`, chromedp.ByQuery),
			chromedp.Text(`header a[href="/account"]`, &text, chromedp.ByQuery),
		)
		if text != "June" {
			t.Fatalf("logged in as %q, want June", text)
		}
		for _, page := range []string{"/account", "/account/sessions", "/account/tokens"} {
			br.Run(t, "open "+page, chromedp.Navigate(base+page), chromedp.WaitVisible("h1", chromedp.ByQuery))
			if p := br.A11yProblems(t); len(p) > 0 {
				t.Errorf("%s accessibility: %v", page, p)
			}
		}
		if p := br.Problems(); len(p) > 0 {
			t.Errorf("browser console problems: %v", p)
		}
	})
}
