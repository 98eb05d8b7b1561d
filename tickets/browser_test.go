package tickets_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	keys "github.com/chromedp/chromedp/kb"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/tickets"
)

// The whole help-desk loop in Chromium: a customer opens a ticket with an
// attachment (seeing a KB suggestion while typing the subject), an agent
// finds it in Unassigned, assigns it to themself, replies and adds an
// internal note; the customer sees the reply but not the note, marks the
// ticket solved and rates it.
func TestTicketLoopInChromium(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	ctx := context.Background()
	if _, err := f.app.KB.SaveArticle(ctx, kb.ArticleInput{Title: "Reset your password", Slug: "reset-your-password",
		Body: "Use **Forgot password** on the login page to reset your password.", Status: kb.StatusPublished}, nil, ""); err != nil {
		t.Fatal(err)
	}
	base := apptest.Serve(t, f.app)
	b := browsertest.New(t)
	shot := filepath.Join(t.TempDir(), "shot.png")
	if err := os.WriteFile(shot, []byte("\x89PNG\r\n\x1a\nnot really"), 0o600); err != nil {
		t.Fatal(err)
	}
	login := func(step, email string) {
		b.Run(t, step,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible("#login-email", chromedp.ByQuery),
			chromedp.SendKeys("#login-email", email, chromedp.ByQuery),
			chromedp.SendKeys("#login-password", password, chromedp.ByQuery),
			chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitNotPresent("#login-form", chromedp.ByQuery),
		)
	}
	logout := func() {
		b.Run(t, "log out", chromedp.Click(`//button[text()="Log out"]`, chromedp.BySearch), chromedp.WaitVisible(`//a[text()="Log in"]`, chromedp.BySearch))
	}

	login("customer logs in", "carol@acme.test")
	var suggestions string
	b.Run(t, "customer opens a request and sees a suggestion while typing",
		chromedp.Click(`//a[text()="New request"]`, chromedp.BySearch),
		chromedp.WaitVisible("#tk-subject", chromedp.ByQuery),
		chromedp.SendKeys("#tk-subject", "cannot reset password", chromedp.ByQuery),
		chromedp.Poll(`(() => { const t = document.querySelector("#tk-suggestions").textContent; return t.includes("Reset your password") && t; })()`,
			&suggestions, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("new request accessibility: %v", p)
	}
	var url string
	b.Run(t, "customer sends it with an attachment",
		chromedp.SendKeys("#tk-text", "The reset link never arrives.", chromedp.ByQuery),
		chromedp.SetUploadFiles("#tk-files", []string{shot}, chromedp.ByQuery),
		chromedp.Click(`//button[text()="Send request"]`, chromedp.BySearch),
		chromedp.WaitVisible(".tk-attachments", chromedp.ByQuery),
		chromedp.Location(&url),
	)
	if !strings.HasSuffix(url, "/tickets/1001") {
		t.Fatalf("after sending: %s", url)
	}
	logout()

	login("agent logs in", "alice@desk.test")
	b.Run(t, "agent finds it in Unassigned and assigns it to themself",
		chromedp.Navigate(base+"/agent?view=unassigned"),
		chromedp.WaitVisible(`//a[text()="cannot reset password"]`, chromedp.BySearch),
		chromedp.Click(`//a[text()="cannot reset password"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//button[text()="Assign to me"]`, chromedp.BySearch),
		chromedp.Click(`//button[text()="Assign to me"]`, chromedp.BySearch),
		chromedp.WaitNotPresent(`//button[text()="Assign to me"]`, chromedp.BySearch),
	)
	if p := b.A11yProblems(t); len(p) > 0 {
		t.Errorf("agent ticket accessibility: %v", p)
	}
	b.Run(t, "agent replies",
		chromedp.SendKeys("#tk-reply-text", "I have resent the link; please check your inbox.", chromedp.ByQuery),
		chromedp.Click(`//button[text()="Send public reply"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[contains(@class, "flash") and contains(., "Reply sent.")]`, chromedp.BySearch),
	)
	b.Run(t, "agent adds an internal note",
		chromedp.SendKeys("#tk-reply-text", "Mail provider blocked her domain.", chromedp.ByQuery),
		chromedp.Click(`//button[text()="Add internal note"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[contains(@class, "flash") and contains(., "Internal note added.")]`, chromedp.BySearch),
	)
	tk, _ := f.svc.TicketByNumber(ctx, 1001)
	if tk.Assignee() != f.alice.ID || tk.Status != tickets.StatusOpen {
		t.Fatalf("after the agent: assignee %d status %s", tk.Assignee(), tk.Status)
	}
	logout()

	login("customer logs in again", "carol@acme.test")
	var conversation string
	b.Run(t, "customer reads the reply",
		chromedp.Navigate(base+"/tickets/1001"),
		chromedp.WaitVisible(".tk-conversation", chromedp.ByQuery),
		chromedp.Text(".tk-conversation", &conversation, chromedp.ByQuery),
	)
	if !strings.Contains(conversation, "I have resent the link") || strings.Contains(conversation, "Mail provider blocked") {
		t.Fatalf("customer's conversation: %q", conversation)
	}
	b.Run(t, "customer marks it solved and rates it",
		chromedp.Click(`//button[text()="Mark as solved"]`, chromedp.BySearch),
		chromedp.WaitVisible("#rating", chromedp.ByQuery),
		chromedp.Click(`input[name=rating][value=good]`, chromedp.ByQuery),
		chromedp.SendKeys("#tk-rating-comment", "Fixed, thanks!", chromedp.ByQuery),
		chromedp.Click(`//button[text()="Send rating"]`, chromedp.BySearch),
		chromedp.WaitVisible(`//div[contains(@class, "flash") and contains(., "Thank you for rating")]`, chromedp.BySearch),
	)
	tk, _ = f.svc.TicketByNumber(ctx, 1001)
	if tk.Status != tickets.StatusSolved || tk.Rating != "good" || tk.RatingComment != "Fixed, thanks!" {
		t.Fatalf("after the customer: status %s rating %q %q", tk.Status, tk.Rating, tk.RatingComment)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}

// The agent keyboard shortcuts in Chromium: j/k move through the inbox,
// Enter opens the selected ticket, ? shows the help, r puts the cursor in
// the reply box and e solves the ticket.
func TestAgentShortcutsInChromium(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	for _, s := range []string{"Alpha one", "Beta two", "Gamma three"} { // newest last: listed first
		if _, err := f.svc.CreateTicket(f.ctx, tickets.NewTicket{RequesterID: f.carol.ID, Subject: s, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	base := apptest.Serve(t, f.app)
	b := browsertest.New(t)
	b.Run(t, "agent logs in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible("#login-email", chromedp.ByQuery),
		chromedp.SendKeys("#login-email", "alice@desk.test", chromedp.ByQuery),
		chromedp.SendKeys("#login-password", password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#login-form", chromedp.ByQuery),
	)
	var selected, focused, url string
	b.Run(t, "j, j, k, j select the second row",
		chromedp.Navigate(base+"/agent?view=unassigned"),
		chromedp.WaitVisible(`//a[text()="Gamma three"]`, chromedp.BySearch),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"), chromedp.KeyEvent("j"),
		chromedp.Text(`tr[aria-selected="true"] a`, &selected, chromedp.ByQuery),
		chromedp.Evaluate(`document.activeElement.textContent`, &focused),
	)
	if selected != "Beta two" || focused != "Beta two" {
		t.Fatalf("selected %q, focus on %q; want the second row, Beta two", selected, focused)
	}
	b.Run(t, "Enter opens it",
		chromedp.KeyEvent(keys.Enter),
		chromedp.WaitVisible("#tk-reply-text", chromedp.ByQuery),
		chromedp.Location(&url),
	)
	if !strings.HasSuffix(url, "/agent/tickets/1002") {
		t.Fatalf("Enter opened %s, want ticket 1002", url)
	}
	var helpOpen bool
	b.Run(t, "? shows the help",
		chromedp.KeyEvent("?"),
		chromedp.Evaluate(`document.getElementById("tk-shortcuts").open`, &helpOpen),
	)
	if !helpOpen {
		t.Fatal("? did not open the shortcuts help")
	}
	b.Run(t, "r goes to the reply box",
		chromedp.KeyEvent(keys.Escape),
		chromedp.Poll(`!document.getElementById("tk-shortcuts").open`, nil, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.KeyEvent("r"),
		chromedp.Evaluate(`document.activeElement.id`, &focused),
	)
	if focused != "tk-reply-text" {
		t.Fatalf("r focused %q", focused)
	}
	b.Run(t, "e solves (not while typing)",
		chromedp.KeyEvent("e"), // typed into the reply box
		chromedp.Evaluate(`document.activeElement.blur()`, nil),
		chromedp.KeyEvent("e"),
		chromedp.WaitVisible(`//div[contains(@class, "flash") and contains(., "Ticket updated.")]`, chromedp.BySearch),
	)
	tk, _ := f.svc.TicketByNumber(f.ctx, 1002)
	if tk.Status != tickets.StatusSolved {
		t.Fatalf("after e: %s", tk.Status)
	}
	if others, _ := f.svc.TicketByNumber(f.ctx, 1003); others.Status == tickets.StatusSolved {
		t.Fatal("e solved another ticket")
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("console: %v", p)
	}
}
