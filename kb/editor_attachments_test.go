package kb

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// uploadFile posts a multipart upload the way the editor's form does.
func (e *editorEnv) uploadFile(as string, articleID int64, filename string, data []byte, htmx bool) *http.Response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField(web.CSRFField, testCSRF)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/agent/kb/%d/attachments", articleID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(as, req, htmx)
}

func testPNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEditorAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db, func(d *EditorDeps) { d.MaxAttachment = 64 << 10 })
		a := e.createArticle("Screenshots", "x", StatusDraft, nil)
		pngData := testPNG(t)

		// htmx upload answers the list with the snippet to paste.
		resp := e.uploadFile("agent", a.ID, "My screen shot.png", pngData, true)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
			t.Fatalf("upload = %d:\n%s", resp.StatusCode, body)
		}
		const fileURL = "/kb/files/1/My-screen-shot.png"
		doc := parseHTML(t, body)
		if got := doc.Find("#kb-snippet-1").AttrOr("value", ""); got != "![My-screen-shot]("+fileURL+")" {
			t.Fatalf("snippet = %q", got)
		}
		// A plain form upload goes back to the editor, which lists the file.
		resp = e.uploadFile("agent", a.ID, "notes.txt", []byte("plain notes\n"), false)
		wantRedirect(t, resp, fmt.Sprintf("/agent/kb/%d/edit#attachments", a.ID))
		_, page := e.get("agent", fmt.Sprintf("/agent/kb/%d/edit", a.ID))
		if got := parseHTML(t, page).Find("#kb-snippet-2").AttrOr("value", ""); got != "[notes.txt](/kb/files/2/notes.txt)" {
			t.Errorf("text snippet = %q", got)
		}
		svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		if resp := e.uploadFile("agent", a.ID, "logo.svg", svg, true); resp.StatusCode != http.StatusOK {
			t.Fatalf("svg upload = %d", resp.StatusCode)
		}

		refused := []struct {
			name string
			data []byte
			want string
		}{
			{"page.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "can be attached"},
			{"tool.exe", append([]byte("MZ\x90\x00\x03"), make([]byte, 600)...), "can be attached"},
			{"fake.png", []byte("<html><body>not a png</body></html>"), "can be attached"},
			{"big.png", append(append([]byte{}, pngData...), make([]byte, 65<<10)...), "too large"},
			{"empty.txt", nil, "empty"},
		}
		for _, tt := range refused {
			resp := e.uploadFile("agent", a.ID, tt.name, tt.data, true)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.want) {
				t.Errorf("upload %s = %d, want 422 with %q:\n%s", tt.name, resp.StatusCode, tt.want, body)
			}
		}
		if n, _ := db.NewSelect().Model((*Attachment)(nil)).Count(context.Background()); n != 3 {
			t.Fatalf("%d attachments stored, want 3", n)
		}

		fetch := func(as, target string) *http.Response {
			req, _ := http.NewRequest(http.MethodGet, target, nil)
			return e.do(as, req, false)
		}
		// Draft: staff only.
		for _, as := range []string{"", "customer"} {
			if resp := fetch(as, fileURL); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%q fetches a draft's file: %d", as, resp.StatusCode)
			}
		}
		resp = fetch("agent", fileURL)
		got := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || got != string(pngData) {
			t.Fatalf("agent fetch = %d (%d bytes)", resp.StatusCode, len(got))
		}
		wantHeaders := map[string]string{
			"Content-Type":           "image/png",
			"X-Content-Type-Options": "nosniff",
			"Content-Disposition":    `inline; filename=My-screen-shot.png`,
			"Cache-Control":          "private, no-store",
		}
		for k, v := range wantHeaders {
			if resp.Header.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
			}
		}
		if resp := fetch("agent", "/kb/files/1/other.png"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("wrong file name = %d, want 404", resp.StatusCode)
		}

		// Published: everyone; SVG always as a download.
		if _, err := e.svc.SetStatus(context.Background(), a.ID, StatusPublished, nil); err != nil {
			t.Fatal(err)
		}
		resp = fetch("", fileURL)
		if readBody(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=3600" {
			t.Fatalf("anonymous fetch of a published file = %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		resp = fetch("", "/kb/files/3/logo.svg")
		readBody(t, resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("svg served as %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
		resp = fetch("customer", "/kb/files/2/notes.txt")
		if body := readBody(t, resp); body != "plain notes\n" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("text file = %q %q", body, resp.Header.Get("Content-Type"))
		}

		// Delete a file.
		resp = e.post("agent", fmt.Sprintf("/agent/kb/%d/attachments/2/delete", a.ID), nil, true)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || strings.Contains(body, "notes.txt") {
			t.Fatalf("delete attachment = %d", resp.StatusCode)
		}
		if resp := fetch("agent", "/kb/files/2/notes.txt"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted file still served: %d", resp.StatusCode)
		}
		// Unpublishing hides the files again.
		if _, err := e.svc.SetStatus(context.Background(), a.ID, StatusDraft, nil); err != nil {
			t.Fatal(err)
		}
		if resp := fetch("", fileURL); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unpublished article's file = %d, want 404", resp.StatusCode)
		}
	})
}

func TestSniffAttachment(t *testing.T) {
	tests := []struct {
		name, file string
		data       string
		want       string
		ok         bool
	}{
		{"text", "a.txt", "hello", "text/plain", true},
		{"csv", "a.csv", "a,b\n1,2\n", "text/csv", true},
		{"markdown", "a.md", "# Title\n", "text/markdown", true},
		{"svg", "a.svg", `<svg xmlns="http://www.w3.org/2000/svg"></svg>`, "image/svg+xml", true},
		{"svg named txt", "a.txt", `<?xml version="1.0"?><svg></svg>`, "image/svg+xml", true},
		{"html named png", "a.png", "<html><body>x</body></html>", "", false},
		{"xml", "a.xml", `<?xml version="1.0"?><root/>`, "", false},
		{"pdf", "a.pdf", "%PDF-1.7\n...", "application/pdf", true},
		{"zip", "a.zip", "PK\x03\x04rest", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := sniffAttachment(tt.file, []byte(tt.data))
			if got != tt.want || ok != tt.ok {
				t.Errorf("sniffAttachment(%s) = %q %v, want %q %v", tt.file, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	tests := map[string]string{
		"report.pdf":              "report.pdf",
		"../../etc/passwd":        "passwd",
		`C:\Users\me\photo 1.JPG`: "photo-1.JPG",
		"résumé (final).txt":      "r-sum-final-.txt",
		"...":                     "file",
		"":                        "file",
		"<script>.png":            "script-.png",
	}
	for in, want := range tests {
		if got := cleanFilename(in); got != want {
			t.Errorf("cleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
