package inbound_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/mail/inbound"
)

// FuzzParseClassify: whatever bytes arrive in the mailbox, parsing,
// classifying, threading and quote folding never panic, always yield a
// Message with a decision and a reason, and the HTML shown to agents
// carries no script.
func FuzzParseClassify(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/ms-tnef\r\n\r\nx\"\x9f>\x01\x00\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := inbound.ParseAndClassify(raw, fixtureOpts)
		if m == nil {
			t.Fatal("nil message")
		}
		if m.Class.Kind == "" || m.Class.Reason == "" {
			t.Fatalf("no decision: %+v", m.Class)
		}
		if strings.Contains(strings.ToLower(m.HTML), "<script") {
			t.Fatalf("script survived sanitising: %q", m.HTML)
		}
		inbound.SplitQuoted(m.Text)
		inbound.SubjectTicketNumber(m.Subject)
		inbound.PlusTicketNumber(m.Recipients(), "support@frontdesk.test")
		_ = m.ThreadIDs()
	})
}

// FuzzDecodeTNEF: a hostile winmail.dat never panics or reads out of
// bounds.
func FuzzDecodeTNEF(f *testing.F) {
	f.Add([]byte("x\x9f>\"\x01\x00"))
	f.Add([]byte("x\x9f>\"\x01\x00\x02\x02\x90\x06\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, _, _ := inbound.DecodeTNEF(b)
		for _, a := range files {
			if a.Filename == "" || a.ContentType == "" {
				t.Fatalf("attachment without name or type: %+v", a)
			}
		}
	})
}

// FuzzStreamingParse runs the same inputs through the streaming path
// (thresholds forced to 0): it never panics, and every part it cut opens
// to exactly the size it announced.
func FuzzStreamingParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD\r\n--x--\r\n"))
	f.Cleanup(inbound.SetStreamThresholds(0, 0))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := inbound.ParseAndClassify(raw, fixtureOpts)
		if m == nil || m.Class.Kind == "" {
			t.Fatal("no message or decision")
		}
		for _, a := range m.Attachments {
			rc, err := a.Open()
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != int64(a.Size()) {
				t.Fatalf("%s: read %d bytes (%v), size says %d", a.Filename, n, err, a.Size())
			}
		}
	})
}
