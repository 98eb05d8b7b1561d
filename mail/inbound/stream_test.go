package inbound_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/mail/inbound"
)

// attachmentView is what a user gets of an attachment.
type attachmentView struct {
	Filename, ContentType, ContentID, Origin string
	Inline                                   bool
	Size                                     int
	Content                                  []byte
}

func viewAttachments(t *testing.T, m *inbound.Message) (out []attachmentView, streamed int) {
	t.Helper()
	for _, a := range m.Attachments {
		rc, err := a.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", a.Filename, err)
		}
		if a.Streamed() {
			streamed++
		}
		out = append(out, attachmentView{a.Filename, a.ContentType, a.ContentID, a.Origin, a.Inline, a.Size(), b})
	}
	return out, streamed
}

// TestStreamingParseMatchesEnmime runs every corpus fixture through the
// streaming path (thresholds forced to 0, so every base64 file part is cut
// and read back from the raw message) and through enmime alone: the
// outcome must be the same in every field a user or the deliverer sees.
func TestStreamingParseMatchesEnmime(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	if len(files) < 60 {
		t.Fatalf("%d fixtures", len(files))
	}
	total := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".eml"), func(t *testing.T) {
			want := inbound.ParseAndClassify(raw, fixtureOpts)
			restore := inbound.SetStreamThresholds(0, 0)
			got := inbound.ParseAndClassify(raw, fixtureOpts)
			restore()
			wantAtt, n := viewAttachments(t, want)
			if n != 0 {
				t.Fatalf("%d attachments streamed on the normal path of a small message", n)
			}
			gotAtt, n := viewAttachments(t, got)
			total += n
			if !reflect.DeepEqual(gotAtt, wantAtt) {
				t.Errorf("attachments differ:\nstreaming %s\nenmime    %s", describe(gotAtt), describe(wantAtt))
			}
			want.Attachments, got.Attachments = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("messages differ:\nstreaming %+v\nenmime    %+v", got, want)
			}
		})
	}
	if total < 10 {
		t.Errorf("only %d attachments took the streaming path; the corpus should exercise it", total)
	}
	t.Logf("%d attachments streamed", total)
}

func describe(as []attachmentView) string {
	var b strings.Builder
	for _, a := range as {
		fmt.Fprintf(&b, "[%s %s cid=%q inline=%v origin=%q size=%d sha=%x] ", a.Filename, a.ContentType, a.ContentID, a.Inline, a.Origin, a.Size, sha256.Sum256(a.Content))
	}
	return b.String()
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

// LargeMessage builds a multipart mail with a text body in ISO-8859-1
// quoted-printable, an HTML alternative showing an inline image, a big
// PDF with an RFC 2231 file name, the inline PNG and a small zip.
func largeMessage(pdf, png, zip []byte) []byte {
	var b strings.Builder
	b.WriteString("From: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.com>\r\nTo: support@frontdesk.test\r\n" +
		"Subject: =?UTF-8?B?R3LDtsOfZSBEYXRlaQ==?=\r\nMessage-ID: <large-1@example.com>\r\nDate: Tue, 01 Dec 2026 09:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\nThis is a multipart message.\r\n" +
		"--outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n" +
		"--rel\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Hallo, anbei die Datei f=FCr M=FCller.\r\n" +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hallo, anbei die Datei.</p><img src=\"cid:logo@example.com\">\r\n" +
		"--alt--\r\n" +
		"--rel\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-ID: <logo@example.com>\r\nContent-Disposition: inline; filename=\"logo.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap76(base64.StdEncoding.EncodeToString(png)))
	b.WriteString("--rel--\r\n" +
		"--outer\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n filename*=UTF-8''R%C3%A9sum%C3%A9%20gro%C3%9F.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap76(base64.StdEncoding.EncodeToString(pdf)))
	b.WriteString("--outer\r\nContent-Type: application/zip; name=\"small.zip\"\r\nContent-Disposition: attachment; filename=\"small.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap76(base64.StdEncoding.EncodeToString(zip)))
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

// TestStreamingLargeAttachment: a 3 MB message takes the streaming path
// with the default thresholds; its big parts are not held in memory but
// read back exactly, and the rest of the message is as enmime reads it.
func TestStreamingLargeAttachment(t *testing.T) {
	pdf, png, zip := randomBytes(t, 3<<20+7), randomBytes(t, 200<<10+1), randomBytes(t, 10<<10)
	raw := largeMessage(pdf, png, zip)
	m := inbound.Parse(bytes.NewReader(raw))
	if m.Subject != "Größe Datei" || m.From.Name != "Jörg" || m.Text != "Hallo, anbei die Datei für Müller." ||
		!strings.Contains(m.HTML, `src="cid:logo@example.com"`) || m.Unparsed || len(m.ParseErrors) > 0 {
		t.Fatalf("message: %q %q %q %q %v", m.Subject, m.From.Name, m.Text, m.HTML, m.ParseErrors)
	}
	if _, ok := m.Header["X-Frontdesk-Spooled-Part"]; ok {
		t.Error("the walk's marker leaked into the header")
	}
	got, _ := viewAttachments(t, m)
	want := []attachmentView{
		{Filename: "logo.png", ContentType: "image/png", ContentID: "logo@example.com", Inline: true, Size: len(png), Content: png},
		{Filename: "Résumé groß.pdf", ContentType: "application/pdf", Size: len(pdf), Content: pdf},
		{Filename: "small.zip", ContentType: "application/zip", Size: len(zip), Content: zip},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("attachments:\n got %s\nwant %s", describe(got), describe(want))
	}
	for _, a := range m.Attachments {
		if big := a.Size() > 64<<10; a.Streamed() != big {
			t.Errorf("%s (%d bytes): streamed %v", a.Filename, a.Size(), a.Streamed())
		}
	}
	// A stray character in the base64 (a warning for enmime) keeps the
	// part on enmime's path, with enmime's outcome.
	bad := bytes.Replace(raw, []byte("Content-Transfer-Encoding: base64\r\n\r\n"), []byte("Content-Transfer-Encoding: base64\r\n\r\n!"), 2)
	m = inbound.Parse(bytes.NewReader(bad))
	for _, a := range m.Attachments {
		if a.Filename != "small.zip" && a.Streamed() {
			t.Errorf("%s with a stray character was streamed", a.Filename)
		}
	}
}
