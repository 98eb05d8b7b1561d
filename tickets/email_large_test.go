package tickets_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/mail/inbound"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func base64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return out.String() + s + "\n"
}

// TestEmailLargeAttachmentStreamsIntoTicket: a mail over the streaming
// threshold (a 3 MB PDF with an RFC 2231 name and an inline image) becomes
// a ticket whose files are byte for byte what the customer sent — name,
// type, size and SHA-256 — and download as such, on SQLite and PostgreSQL.
func TestEmailLargeAttachmentStreamsIntoTicket(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := newEmailWorld(t, b)
		pdf, png := make([]byte, 3<<20+5), make([]byte, 150<<10+2)
		_, _ = rand.Read(pdf)
		_, _ = rand.Read(png)
		w.deliver(t, `From: Jörg <joerg@example.com>
To: support@frontdesk.test
Subject: Large scan
Message-ID: <large-scan@example.com>
Date: Tue, 01 Dec 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>The scan is attached.</p><img src="cid:logo@example.com">
--rel
Content-Type: image/png
Content-ID: <logo@example.com>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

`+base64Lines(png)+`--rel--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64

`+base64Lines(pdf)+`--outer--
`)
		e := w.waitLog(t, "<large-scan@example.com>")
		if e.Decision != inbound.DecisionNewTicket || e.TicketNumber == nil {
			t.Fatalf("log %+v", e)
		}
		tk, ms := w.messages(t, *e.TicketNumber)
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "The scan is attached.") {
			t.Fatalf("%d messages: %+v", len(ms), ms)
		}
		want := map[string]struct {
			ctype, cid string
			data       []byte
		}{
			"logo.png":   {"image/png", "logo@example.com", png},
			"Résumé.pdf": {"application/pdf", "", pdf},
		}
		agent := w.client(t, w.alice)
		seen := 0
		for _, a := range ms[0].Attachments {
			if a.Filename == "original-email.eml.gz" {
				continue
			}
			x, ok := want[a.Filename]
			if !ok {
				t.Errorf("unexpected attachment %q", a.Filename)
				continue
			}
			seen++
			sum := sha256.Sum256(x.data)
			if a.ContentType != x.ctype || a.ContentID != x.cid || a.Size != int64(len(x.data)) || a.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s: %s cid=%q %d bytes sha %s; want %s cid=%q %d bytes sha %x", a.Filename, a.ContentType, a.ContentID,
					a.Size, a.SHA256, x.ctype, x.cid, len(x.data), sum)
			}
			resp := agent.Get(fmt.Sprintf("/tickets/%d/files/%d/%s", tk.Number, a.ID, url.PathEscape(a.Filename)))
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != string(x.data) || !strings.HasPrefix(resp.Header.Get("Content-Type"), x.ctype) {
				t.Errorf("download %s: status %d, %d bytes, type %q", a.Filename, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
			}
		}
		if seen != len(want) {
			t.Errorf("%d of %d attachments on the ticket", seen, len(want))
		}
		// The raw message is kept too, whole.
		rc, err := inbound.OpenRaw(w.ctx, w.app.DB, w.app.Files, e.RawSHA256)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		if n != e.RawSize || n < 4<<20 {
			t.Errorf("raw message %d bytes, log says %d", n, e.RawSize)
		}
	})
}
