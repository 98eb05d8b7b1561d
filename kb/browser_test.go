package kb_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestBrowserSearchAsYouTypeAndVote is the "done when": a visitor
// types a misspelled query on the home page, sees the right article appear
// without a page load, opens it and votes.
func TestBrowserSearchAsYouTypeAndVote(t *testing.T) {
	f := newPortalFixture(t, dbtest.SQLite(t))
	base := apptest.Serve(t, f.app)
	b := browsertest.New(t)

	var marker bool
	var href, results string
	b.Run(t, "open home", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#home-q", chromedp.ByID))
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("home accessibility: %v", p)
	}
	b.Run(t, "type a misspelled query",
		// A page load would wipe this marker; an htmx swap keeps it.
		chromedp.Evaluate(`window.__noReload = true`, nil),
		chromedp.SendKeys("#home-q", "pasword resett", chromedp.ByID),
		chromedp.WaitVisible(`#kb-results .kb-hit-title`, chromedp.ByQuery),
		chromedp.Text(`#kb-results`, &results, chromedp.ByQuery),
		chromedp.Evaluate(`window.__noReload === true`, &marker),
		chromedp.Location(&href),
	)
	if !marker {
		t.Error("the page reloaded: results did not come in as a partial")
	}
	if strings.TrimRight(href, "/") != base {
		t.Errorf("URL changed to %s while typing", href)
	}
	if !strings.Contains(results, "Reset your password") {
		t.Fatalf("results do not show the article: %q", results)
	}
	if strings.Contains(results, "Secret password roadmap") {
		t.Error("a draft appeared in the results")
	}

	var title, thanks string
	b.Run(t, "open the article",
		chromedp.Click(`#kb-results .kb-hit-title`, chromedp.ByQuery),
		chromedp.WaitVisible(`.kb-article h1`, chromedp.ByQuery),
		chromedp.Text(`.kb-article h1`, &title, chromedp.ByQuery),
		chromedp.Location(&href),
	)
	if title != "Reset your password" || !strings.Contains(href, "/kb/a/reset-your-password") {
		t.Fatalf("opened %q at %s", title, href)
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("article accessibility: %v", p)
	}
	b.Run(t, "vote yes",
		chromedp.Evaluate(`window.__noReload = true`, nil),
		chromedp.Click(`#kb-feedback button[value="yes"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`.kb-thanks`, chromedp.ByQuery),
		chromedp.Text(`.kb-thanks`, &thanks, chromedp.ByQuery),
		chromedp.Evaluate(`window.__noReload === true`, &marker),
	)
	if !strings.Contains(thanks, "Thanks for your feedback") || !marker {
		t.Errorf("after voting: %q (same page: %v)", thanks, marker)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
	got, err := f.svc.Article(t.Context(), f.password.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.HelpfulYes != 1 {
		t.Errorf("helpful_yes = %d, want 1", got.HelpfulYes)
	}
}
