package admin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestBrowserAdminPages logs an admin in with a real browser, checks every
// admin page for console errors (CSP included) and basic accessibility,
// and uses the htmx-enhanced parts: as-you-type user search and an inline
// role change that swaps the user panel in place.
func TestBrowserAdminPages(t *testing.T) {
	b := dbtest.SQLite(t)
	a := apptest.New(t, b)
	w := authztest.NewWorld(t, a)
	base := apptest.Serve(t, a)
	br := browsertest.New(t)
	target := w.Values["target.user"]

	br.Run(t, "log in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#login-email", chromedp.ByQuery),
		chromedp.SendKeys("#login-email", "admin@frontdesk.test", chromedp.ByQuery),
		chromedp.SendKeys("#login-password", authztest.Password, chromedp.ByQuery),
		chromedp.Submit("#login-password", chromedp.ByQuery),
		chromedp.WaitVisible(`a[href="/admin"]`, chromedp.ByQuery),
	)

	pages := []string{"/admin", "/admin/users", "/admin/users/" + target, "/admin/orgs",
		"/admin/orgs/" + w.Values["target.org"], "/admin/audit", "/admin/settings"}
	for _, p := range pages {
		var h1 string
		br.Run(t, "open "+p, chromedp.Navigate(base+p), chromedp.WaitVisible("h1", chromedp.ByQuery),
			chromedp.Text("h1", &h1, chromedp.ByQuery))
		if h1 == "" || strings.Contains(h1, "not found") {
			t.Errorf("%s: h1 %q", p, h1)
		}
		if pr := br.A11yProblems(t); len(pr) > 0 {
			t.Errorf("%s accessibility: %v", p, pr)
		}
	}

	// As-you-type search narrows the table without a page load.
	var rows string
	br.Run(t, "search users",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible("#admin-users-q", chromedp.ByQuery),
		chromedp.SendKeys("#admin-users-q", "bob", chromedp.ByQuery),
		chromedp.Poll(`document.querySelectorAll("#admin-users-results tbody tr").length === 1`, nil,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text("#admin-users-results", &rows, chromedp.ByQuery),
	)
	if !strings.Contains(rows, "bob@b.test") {
		t.Errorf("search results: %q", rows)
	}

	// Inline role change: the panel is swapped, the page stays.
	var notice, url string
	br.Run(t, "change role inline",
		chromedp.Navigate(base+"/admin/users/"+target),
		chromedp.WaitVisible("#admin-user-role", chromedp.ByQuery),
		chromedp.SetValue("#admin-user-role", "agent", chromedp.ByQuery),
		chromedp.Click(`#admin-user-panel form[action$="/role"] button`, chromedp.ByQuery),
		chromedp.WaitVisible("#admin-user-panel .flash-success", chromedp.ByQuery),
		chromedp.Text("#admin-user-panel .flash-success", &notice, chromedp.ByQuery),
		chromedp.Location(&url),
	)
	if notice != "Role changed to agent." || url != base+"/admin/users/"+target {
		t.Errorf("after inline role change: notice %q at %s", notice, url)
	}

	// A bad colour answers 422; htmx swaps the form with the message in.
	var msg string
	br.Run(t, "bad colour",
		chromedp.Navigate(base+"/admin/settings"),
		chromedp.WaitVisible("#set-color", chromedp.ByQuery),
		chromedp.SetValue("#set-color", "red", chromedp.ByQuery),
		chromedp.Click(`#admin-settings-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#set-color-error", chromedp.ByQuery),
		chromedp.Text("#set-color-error", &msg, chromedp.ByQuery),
	)
	if !strings.Contains(msg, "six hex digits") {
		t.Errorf("colour error: %q", msg)
	}
	if pr := br.Problems(); len(pr) > 0 {
		t.Errorf("browser problems: %v", pr)
	}
}
