package kb

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// serve runs the test app on a loopback port for a browser.
func (e *editorEnv) serve() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.app.Listener(ln)
	}()
	e.t.Cleanup(func() {
		_ = e.app.ShutdownWithTimeout(5 * time.Second)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// TestEditorInBrowser types into the editor in Chromium: the preview
// follows the Markdown without a page load, saving redirects to the saved
// article, and a failed save swaps the form in place with the message and
// the text kept. Every agent page passes the basic accessibility check.
func TestEditorInBrowser(t *testing.T) {
	e := newEditorEnv(t, dbtest.Open(t, dbtest.SQLite(t)))
	cat := e.createCategory("Billing", nil)
	e.createCategory("Invoices", &cat.ID)
	base := e.serve()
	b := browsertest.New(t)
	b.Run(t, "sign in as an agent", network.Enable(), network.SetExtraHTTPHeaders(network.Headers{"X-Test-As": "agent"}))

	var marker int
	b.Run(t, "open the editor",
		chromedp.Navigate(base+"/agent/kb/new"),
		chromedp.WaitVisible("#body", chromedp.ByID),
		chromedp.Evaluate(`window.kbMarker = 42`, nil))
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("editor accessibility: %v", p)
	}
	b.Run(t, "type an article",
		chromedp.SendKeys("#title", "Browser article", chromedp.ByID),
		chromedp.SendKeys("#body", "## Live heading\n\nSome **bold** text", chromedp.ByID))
	var previewText string
	b.Run(t, "preview follows the typing",
		chromedp.WaitVisible("#preview h2#live-heading", chromedp.ByQuery),
		chromedp.Text("#preview strong", &previewText, chromedp.ByQuery),
		chromedp.Evaluate(`window.kbMarker || 0`, &marker))
	if previewText != "bold" || marker != 42 {
		t.Fatalf("preview strong=%q, page kept=%v", previewText, marker == 42)
	}

	var loc, flash string
	b.Run(t, "save the draft",
		chromedp.Click(`#kb-editor button[name="status"][value=""]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash-success", chromedp.ByQuery),
		chromedp.Location(&loc),
		chromedp.Text(".flash-success", &flash, chromedp.ByQuery))
	if !strings.HasSuffix(loc, "/agent/kb/1/edit") || !strings.Contains(flash, "Browser article") {
		t.Fatalf("after save: %s %q", loc, flash)
	}

	var titleErr, body, focused string
	b.Run(t, "a failed save swaps the form in place",
		chromedp.Evaluate(`window.kbMarker = 43`, nil),
		chromedp.Evaluate(`document.getElementById("title").value = ""`, nil),
		chromedp.Click(`#kb-editor button[name="status"][value=""]`, chromedp.ByQuery),
		chromedp.WaitVisible("#title-error", chromedp.ByID),
		chromedp.Text("#title-error", &titleErr, chromedp.ByID),
		chromedp.Value("#body", &body, chromedp.ByID),
		chromedp.Evaluate(`window.kbMarker || 0`, &marker),
		chromedp.Evaluate(`document.activeElement && document.activeElement.id`, &focused))
	if !strings.Contains(titleErr, "title") || !strings.Contains(body, "Live heading") || marker != 43 {
		t.Fatalf("422 swap: error %q, body %q, same page %v", titleErr, body, marker == 43)
	}
	if focused != "title" {
		t.Errorf("focus after the failed save is on %q, want the title field", focused)
	}
	// The swapped-in form still previews live.
	b.Run(t, "preview after the swap",
		// The caret of the new textarea is at the start.
		chromedp.SendKeys("#body", "### Another\n\n", chromedp.ByID),
		chromedp.WaitVisible("#preview h3#another", chromedp.ByQuery))

	// htmx sends the clicked button's status with the form.
	b.Run(t, "save and publish",
		// The first save's flash is still on the page; the next must be new.
		chromedp.Evaluate(`document.querySelectorAll(".flash-success").forEach(el => el.remove())`, nil),
		chromedp.SendKeys("#title", "Browser article", chromedp.ByID),
		chromedp.Click(`#kb-editor button[name="status"][value="published"]`, chromedp.ByQuery),
		chromedp.WaitVisible(".flash-success", chromedp.ByQuery),
		chromedp.Text(".flash-success", &flash, chromedp.ByQuery))
	if !strings.Contains(flash, "Published") {
		t.Errorf("flash after publishing: %q", flash)
	}
	if a, err := e.svc.Article(context.Background(), 1); err != nil || a.Title != "Browser article" || a.Status != StatusPublished || !strings.Contains(a.Body, "### Another") {
		t.Fatalf("saved article: %+v %v", a, err)
	}
	for _, page := range []string{"/agent/kb", "/agent/kb/categories", "/agent/kb/reports", "/agent/kb/1/revisions", "/agent/kb/1/revisions/1", "/agent/kb/categories/1/edit"} {
		b.Run(t, "open "+page, chromedp.Navigate(base+page), chromedp.WaitVisible("h1", chromedp.ByQuery))
		if p := b.A11yProblems(t); len(p) > 0 {
			t.Errorf("%s accessibility: %v", page, p)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("browser console: %v", p)
	}
}
