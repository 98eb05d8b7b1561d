package tickets_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/mail/imaptest"
	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// A 1x1 PNG.
var pixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

// fetchMail delivers raw to the fixture's mailbox and fetches it once
// (the app is not serving, so no fetcher worker competes).
func fetchMail(t *testing.T, f *fixture, imapURL string, raws ...string) {
	t.Helper()
	c := imaptest.Dial(t, imapURL)
	for _, raw := range raws {
		imaptest.Deliver(t, c, "INBOX", crlf(raw))
	}
	fe, err := f.app.MailFetcher()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fe.FetchOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func ticketOf(t *testing.T, f *fixture, messageID string) int64 {
	t.Helper()
	var n int64
	if err := f.app.DB.NewSelect().Table("mail_inbound_log").Column("ticket_number").
		Where("message_id = ?", messageID).Scan(f.ctx, &n); err != nil {
		t.Fatalf("%s: %v", messageID, err)
	}
	return n
}

// TestEmailQuotesFoldAndInlineImagesShow: on both ticket pages an email's
// quoted history (Gmail HTML quote; "> " lines and a "-- " signature in a
// text mail) sits folded in a <details> "Show quoted text" toggle, while
// what the customer wrote stays visible, and a cid: inline image is shown
// in place from the message's own attachment (served as an image with
// nosniff). A cid: naming no image of that message is not resolved.
func TestEmailQuotesFoldAndInlineImagesShow(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		imapURL := imaptest.MemServer(t)
		f := newFixture(t, b, func(c *app.Config) { c.IMAPURL = imapURL })
		html := `From: Carol <carol@acme.test>
To: support@frontdesk.test
Subject: Screenshot of the error
Message-ID: <carol-html@acme.test>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="R"

--R
Content-Type: text/html; charset=utf-8

<div dir="ltr">Here is what I see:<br><img src="cid:shot.1@acme.test" alt="screenshot"></div>
<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 30, 2026 at 9:00 AM Support &lt;<a href="mailto:support@frontdesk.test">support@frontdesk.test</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote">Could you send a screenshot of the OLD-QUOTED-TEXT?</blockquote></div>
--R
Content-Type: image/png; name="shot.png"
Content-Disposition: inline; filename="shot.png"
Content-ID: <shot.1@acme.test>
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(pixelPNG) + `
--R--
`
		text := `From: Carol <carol@acme.test>
To: support@frontdesk.test
Subject: Printer again
Message-ID: <carol-text@acme.test>
Content-Type: text/plain; charset=utf-8

It still jams after the update.

Carol

On Tue, Dec 1, 2026 at 10:00, Support <support@frontdesk.test> wrote:
> Please install the PREVIOUS-UPDATE and try again.
> Thanks
-- 
Carol SIGNATURE-LINE
`
		foreign := `From: Carol <carol@acme.test>
To: support@frontdesk.test
Subject: Another one
Message-ID: <carol-foreign@acme.test>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>See <img src="cid:shot.1@acme.test" alt="other"> here.</p>
`
		interleaved := `From: Carol <carol@acme.test>
To: support@frontdesk.test
Subject: Answers inline
Message-ID: <carol-inline@acme.test>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<div>My answers are inline.</div><div class="gmail_quote"><div class="gmail_attr">On Tue, Dec 1, 2026 at 10:00 AM Support &lt;support@frontdesk.test&gt; wrote:<br></div>
<blockquote class="gmail_quote">Which model? QUESTION-ONE</blockquote><div>A LaserJet ANSWER-ONE</div>
<blockquote class="gmail_quote">Which firmware? QUESTION-TWO</blockquote><div>Version 2.31 ANSWER-TWO</div></div>
`
		fetchMail(t, f, imapURL, html, text, foreign, interleaved)
		htmlNo, textNo, foreignNo := ticketOf(t, f, "<carol-html@acme.test>"), ticketOf(t, f, "<carol-text@acme.test>"), ticketOf(t, f, "<carol-foreign@acme.test>")
		inlineNo := ticketOf(t, f, "<carol-inline@acme.test>")

		for _, page := range []struct {
			who  string
			c    *apptest.Client
			base string
		}{{"customer", f.client(t, f.carol), "/tickets"}, {"agent", f.client(t, f.alice), "/agent/tickets"}} {
			// HTML mail: image in place, Gmail quote folded.
			resp0 := page.c.Get(fmt.Sprintf("%s/%d", page.base, htmlNo))
			if resp0.StatusCode != 200 {
				t.Fatalf("%s: %d %s", page.who, resp0.StatusCode, apptest.Body(t, resp0))
			}
			doc := apptest.Doc(t, resp0)
			msg := doc.Find(".tk-conversation .tk-message").First()
			visible := msg.Find(".tk-body").First()
			if !strings.Contains(visible.Text(), "Here is what I see") || strings.Contains(visible.Text(), "OLD-QUOTED-TEXT") {
				t.Errorf("%s: visible body %q", page.who, visible.Text())
			}
			if s := msg.Find("details.tk-quoted > summary").Text(); s != "Show quoted text" {
				t.Errorf("%s: toggle %q", page.who, s)
			}
			if q := msg.Find("details.tk-quoted").Text(); !strings.Contains(q, "OLD-QUOTED-TEXT") || !strings.Contains(q, "wrote:") {
				t.Errorf("%s: folded part %q", page.who, q)
			}
			src, _ := visible.Find(`img[alt="screenshot"]`).Attr("src")
			prefix := fmt.Sprintf("%s/%d/files/", page.base, htmlNo)
			if !strings.HasPrefix(src, prefix) || !strings.HasSuffix(src, "/shot.png") {
				t.Fatalf("%s: inline image src %q, want %s…/shot.png", page.who, src, prefix)
			}
			resp := page.c.Get(src)
			img, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || string(img) != string(pixelPNG) {
				t.Errorf("%s: image %d %q %q (%d bytes)", page.who, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"), len(img))
			}

			// Text mail: "> " lines and the signature folded.
			doc = apptest.Doc(t, page.c.Get(fmt.Sprintf("%s/%d", page.base, textNo)))
			msg = doc.Find(".tk-conversation .tk-message").First()
			visible = msg.Find(".tk-body").First()
			if !strings.Contains(visible.Text(), "It still jams") || strings.Contains(visible.Text(), "PREVIOUS-UPDATE") || strings.Contains(visible.Text(), "SIGNATURE-LINE") {
				t.Errorf("%s: text mail visible %q", page.who, visible.Text())
			}
			if q := msg.Find("details.tk-quoted").Text(); !strings.Contains(q, "PREVIOUS-UPDATE") || !strings.Contains(q, "SIGNATURE-LINE") {
				t.Errorf("%s: text mail folded %q", page.who, q)
			}

			// Interleaved answers: each quoted question folds in place,
			// every answer shows.
			doc = apptest.Doc(t, page.c.Get(fmt.Sprintf("%s/%d", page.base, inlineNo)))
			msg = doc.Find(".tk-conversation .tk-message").First()
			body := msg.Find(".tk-body").First()
			folds := body.Find("details.tk-quoted")
			if folds.Length() != 2 || !strings.Contains(folds.Eq(0).Text(), "QUESTION-ONE") || !strings.Contains(folds.Eq(1).Text(), "QUESTION-TWO") ||
				folds.Eq(0).Find("summary").Text() != "Show quoted text" {
				t.Errorf("%s: %d in-place folds: %q", page.who, folds.Length(), folds.Text())
			}
			folds.Remove()
			if shown := body.Text(); !strings.Contains(shown, "ANSWER-ONE") || !strings.Contains(shown, "ANSWER-TWO") || strings.Contains(shown, "QUESTION") {
				t.Errorf("%s: interleaved mail shows %q", page.who, shown)
			}

			// A cid: that names no image of this message stays unresolved.
			doc = apptest.Doc(t, page.c.Get(fmt.Sprintf("%s/%d", page.base, foreignNo)))
			src, _ = doc.Find(`.tk-conversation img[alt="other"]`).Attr("src")
			if strings.Contains(src, "/files/") {
				t.Errorf("%s: a foreign cid: resolved to %q", page.who, src)
			}
			if doc.Find(".tk-conversation details.tk-quoted").Length() != 0 {
				t.Errorf("%s: a mail without a quote got a toggle", page.who)
			}
		}
		_ = inbound.SplitQuoted
	})
}
