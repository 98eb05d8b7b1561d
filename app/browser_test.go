package app_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestHomePageInChromium loads the portal in a real browser: the page
// renders, htmx is loaded and configured, nothing is logged to the console
// (a CSP violation would be), and the basic accessibility checks pass.
func TestHomePageInChromium(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	base := apptest.Serve(t, a)
	b := browsertest.New(t)

	var title, h1 string
	var htmxVersion string
	var evalAllowed bool
	b.Run(t, "open home page",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("h1", chromedp.ByQuery),
		chromedp.Title(&title),
		chromedp.Text("h1", &h1, chromedp.ByQuery),
		chromedp.Poll(`window.htmx && htmx.version`, &htmxVersion),
		chromedp.Evaluate(`htmx.config.allowEval`, &evalAllowed),
	)
	if title == "" || h1 == "" {
		t.Errorf("title %q, h1 %q", title, h1)
	}
	if htmxVersion != "2.0.11" {
		t.Errorf("htmx version %q", htmxVersion)
	}
	if evalAllowed {
		t.Error("htmx eval is allowed; the CSP-friendly config did not load")
	}
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("accessibility: %v", p)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}

	// Keyboard: the first stop in tab order is the skip link, and it
	// targets the focusable main region. (Read from the DOM: a synthetic Tab
	// depends on whether the headless window has focus.)
	var first, target string
	var mainFocusable bool
	b.Run(t, "tab order",
		chromedp.Evaluate(`(() => {
			const sel = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])';
			const el = [...document.querySelectorAll(sel)].find(e => !e.disabled);
			return el ? el.className : "";
		})()`, &first),
		chromedp.Evaluate(`document.querySelector(".skip-link").getAttribute("href")`, &target),
		chromedp.Evaluate(`document.querySelector("main#main").tabIndex === -1`, &mainFocusable),
	)
	if first != "skip-link" || target != "#main" || !mainFocusable {
		t.Errorf("first tab stop %q → %q (main focusable: %v), want the skip link to #main", first, target, mainFocusable)
	}
}

// TestHTMXErrorsAreShown: an htmx form posted after the CSRF cookie is
// gone is answered 403, which htmx does not swap. The user must still see
// what happened and how to get out of it, instead of a button that does
// nothing.
func TestHTMXErrorsAreShown(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	if err := a.SeedDemo(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	base := apptest.Serve(t, a)
	b := browsertest.New(t)

	var message string
	var hiddenBefore, focused bool
	b.Run(t, "open an article",
		chromedp.Navigate(base+"/kb/a/reset-your-password"),
		chromedp.WaitVisible("#kb-feedback form", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("htmx-error").hidden`, &hiddenBefore),
	)
	if !hiddenBefore {
		t.Fatal("the error region shows before anything went wrong")
	}
	b.Run(t, "lose the CSRF cookie and vote",
		network.DeleteCookies("fd_csrf").WithURL(base+"/"),
		chromedp.Click(`#kb-feedback button[value="yes"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#htmx-error", chromedp.ByQuery),
		chromedp.Text("#htmx-error", &message, chromedp.ByQuery),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id === "htmx-error"`, &focused),
	)
	if !strings.Contains(message, "Reload the page") || !strings.Contains(message, "expired") {
		t.Errorf("message after a 403 = %q, want it to say the page expired and to reload", message)
	}
	if !focused {
		t.Error("the message does not take focus, so a screen reader or keyboard user may miss it")
	}
	var stillForm int
	b.Run(t, "the form is still there", chromedp.Evaluate(`document.querySelectorAll("#kb-feedback form").length`, &stillForm))
	if stillForm != 1 {
		t.Error("the unswapped 403 replaced the form")
	}
}
