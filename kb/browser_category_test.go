package kb_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestBrowserCategorySearchAsYouType: on a category page the live search
// stays in that category, says so, and links to the same search
// everywhere (htmx used to send only q from the input).
func TestBrowserCategorySearchAsYouType(t *testing.T) {
	f := newPortalFixture(t, dbtest.SQLite(t))
	ctx := t.Context()
	billing, err := f.svc.SaveCategory(ctx, kb.CategoryInput{Name: "Billing", Slug: "billing"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveArticle(ctx, kb.ArticleInput{Title: "Password for the billing portal", Summary: "The invoice portal has its own password.",
		Body: "Ask your administrator for the billing password.", CategoryID: &billing.ID, Status: kb.StatusPublished}, nil, ""); err != nil {
		t.Fatal(err)
	}
	base := apptest.Serve(t, f.app)
	b := browsertest.New(t)

	var results, scope, href string
	var marker bool
	b.Run(t, "open the account category", chromedp.Navigate(base+"/kb/c/account"), chromedp.WaitVisible("#category-q", chromedp.ByID),
		chromedp.Text(".kb-scope", &scope, chromedp.ByQuery))
	if !strings.Contains(scope, "Your account") {
		t.Errorf("the category page does not say the search is limited: %q", scope)
	}
	b.Run(t, "type a query",
		chromedp.Evaluate(`window.__noReload = true`, nil),
		chromedp.SendKeys("#category-q", "password", chromedp.ByID),
		chromedp.WaitVisible(`#kb-results .kb-hit-title`, chromedp.ByQuery),
		chromedp.Text(`#kb-results`, &results, chromedp.ByQuery),
		chromedp.Evaluate(`window.__noReload === true`, &marker),
	)
	if !marker {
		t.Error("the page reloaded while typing")
	}
	if !strings.Contains(results, "Reset your password") {
		t.Errorf("results miss the category's article: %q", results)
	}
	if strings.Contains(results, "billing portal") {
		t.Errorf("results show an article of another category: %q", results)
	}
	if !strings.Contains(results, "in Your account") {
		t.Errorf("results do not say they are limited to the category: %q", results)
	}
	b.Run(t, "search everything",
		chromedp.Click(`#kb-results .kb-search-all`, chromedp.ByQuery),
		chromedp.WaitVisible(`#search-q`, chromedp.ByID),
		chromedp.Text(`#kb-results`, &results, chromedp.ByQuery),
		chromedp.Location(&href),
	)
	if strings.Contains(href, "category=") {
		t.Errorf("search-everything link keeps the category: %s", href)
	}
	if !strings.Contains(results, "billing portal") || !strings.Contains(results, "Reset your password") {
		t.Errorf("searching everything should show both articles: %q", results)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}
