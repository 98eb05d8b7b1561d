package kb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestEditorCreateValidatesAndKeepsInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		cat := e.createCategory("Billing", nil)
		sec := e.createCategory("Invoices", &cat.ID)

		// The new-article form lists the section under its category.
		code, page := e.get("agent", "/agent/kb/new")
		if code != http.StatusOK {
			t.Fatalf("new = %d", code)
		}
		doc := parseHTML(t, page)
		opts := doc.Find("#category_id option")
		if opts.Length() != 3 || !strings.Contains(opts.Eq(2).Text(), "Invoices") || !strings.HasPrefix(opts.Eq(2).Text(), "\u00a0") {
			t.Errorf("category options: %q", opts.Text())
		}
		if doc.Find(`#preview[hx-post="/agent/kb/preview"][hx-trigger="input changed delay:400ms from:#body"][hx-target="#preview"]`).Length() != 1 {
			t.Error("editor has no live preview wired to #body")
		}

		bad := url.Values{
			"title": {"  "}, "slug": {"Not A Slug"}, "summary": {"Short summary"},
			"body": {"## Steps\n\nKeep <this> text"}, "tags": {"billing, invoices"},
			"category_id": {fmt.Sprint(sec.ID)}, "position": {"first"},
		}
		for _, htmx := range []bool{false, true} {
			resp := e.post("agent", "/agent/kb", bad, htmx)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("htmx=%v: bad input = %d, want 422", htmx, resp.StatusCode)
			}
			doc := parseHTML(t, body)
			if htmx == strings.Contains(body, "<html") {
				t.Errorf("htmx=%v: full page=%v", htmx, !htmx)
			}
			checks := map[string]string{
				"#title-error":    "Give the article a title.",
				"#slug-error":     "lower-case letters",
				"#position-error": "whole number",
			}
			for sel, want := range checks {
				if got := doc.Find(sel).Text(); !strings.Contains(got, want) {
					t.Errorf("htmx=%v: %s = %q, want %q", htmx, sel, got, want)
				}
			}
			if v, _ := doc.Find("#slug").Attr("value"); v != "Not A Slug" {
				t.Errorf("slug not kept: %q", v)
			}
			if got := doc.Find("#body").Text(); got != "## Steps\n\nKeep <this> text" {
				t.Errorf("body not kept: %q", got)
			}
			if got := doc.Find("#summary").Text(); got != "Short summary" {
				t.Errorf("summary not kept: %q", got)
			}
			if _, ok := doc.Find("#category_id option[selected]").Attr("value"); !ok || doc.Find("#category_id option[selected]").AttrOr("value", "") != fmt.Sprint(sec.ID) {
				t.Errorf("category not kept")
			}
			if inv, _ := doc.Find("#title").Attr("aria-invalid"); inv != "true" {
				t.Error("title not marked invalid")
			}
			if doc.Find("#title").AttrOr("aria-describedby", "") != "title-error" {
				t.Error("title error not linked")
			}
		}
		if n, _ := db.NewSelect().Model((*Article)(nil)).Count(context.Background()); n != 0 {
			t.Fatalf("invalid input saved %d articles", n)
		}

		good := url.Values{
			"title": {"Download an invoice"}, "summary": {"Get a PDF copy."},
			"body": {"Open **Billing**."}, "tags": {"Billing, PDF"},
			"category_id": {fmt.Sprint(sec.ID)}, "position": {"2"}, "note": {"first draft"},
		}
		wantRedirect(t, e.post("agent", "/agent/kb", good, false), "/agent/kb/1/edit")
		a, err := e.svc.Article(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "Download an invoice" || a.Slug != "download-an-invoice" || a.Status != StatusDraft ||
			a.Tags != "billing,pdf" || a.CategoryID == nil || *a.CategoryID != sec.ID || a.Position != 2 ||
			a.AuthorID == nil || *a.AuthorID != e.users["agent"].UserID {
			t.Fatalf("saved article: %+v", a)
		}
		// The flash and the saved values show on the editor.
		code, page = e.get("agent", "/agent/kb/1/edit")
		doc = parseHTML(t, page)
		if code != http.StatusOK || doc.Find("#title").AttrOr("value", "") != "Download an invoice" {
			t.Fatalf("edit page %d", code)
		}
		if !strings.Contains(doc.Find("#preview").Text(), "Billing") || doc.Find("#preview strong").Length() != 1 {
			t.Errorf("preview not rendered: %q", doc.Find("#preview").Text())
		}

		// A slug another article uses is refused with the input kept.
		e.createArticle("Other", "x", StatusDraft, nil)
		resp := e.post("agent", "/agent/kb/1", url.Values{"title": {"Renamed"}, "slug": {"other"}, "body": {"changed body"}}, true)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already uses this address") || !strings.Contains(body, "changed body") {
			t.Fatalf("duplicate slug = %d:\n%s", resp.StatusCode, body)
		}

		// The "Preview without saving" button re-renders without saving.
		resp = e.post("agent", "/agent/kb/1", url.Values{"title": {"Draft title"}, "body": {"# Heading"}, "action": {"preview"}}, false)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="heading"`) {
			t.Fatalf("no-JS preview = %d", resp.StatusCode)
		}
		if a, _ := e.svc.Article(context.Background(), 1); a.Title != "Download an invoice" {
			t.Fatalf("preview saved the article: %q", a.Title)
		}
	})
}

func TestEditorListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		cat := e.createCategory("Billing", nil)
		e.createArticle("Pay an invoice", "x", StatusPublished, &cat.ID)
		e.createArticle("Refund policy", "x", StatusDraft, &cat.ID)
		e.createArticle("Reset your password", "x", StatusDraft, nil)
		e.createArticle("Old pricing", "x", StatusArchived, nil)

		tests := []struct {
			query string
			want  []string
		}{
			{"", []string{"Old pricing", "Reset your password", "Refund policy", "Pay an invoice"}},
			{"?status=draft", []string{"Reset your password", "Refund policy"}},
			{fmt.Sprintf("?category=%d", cat.ID), []string{"Refund policy", "Pay an invoice"}},
			{"?q=PASSWORD", []string{"Reset your password"}},
			{"?status=published&q=refund", nil},
		}
		for _, tt := range tests {
			code, page := e.get("agent", "/agent/kb"+tt.query)
			if code != http.StatusOK {
				t.Fatalf("%s = %d", tt.query, code)
			}
			var got []string
			parseHTML(t, page).Find("#kb-articles tbody tr td:first-child a").Each(func(_ int, s *goquery.Selection) {
				got = append(got, s.Text())
			})
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("list%s = %q, want %q", tt.query, got, tt.want)
			}
		}
		// The status tabs count every article.
		_, page := e.get("agent", "/agent/kb")
		tabs := parseHTML(t, page).Find(".kb-status-tabs").Text()
		for _, want := range []string{"All 4", "Drafts 2", "Published 1", "Archived 1"} {
			if !strings.Contains(strings.Join(strings.Fields(tabs), " "), want) {
				t.Errorf("tabs %q missing %q", tabs, want)
			}
		}
		// htmx filter requests get the table alone.
		req, _ := http.NewRequest(http.MethodGet, "/agent/kb?status=draft", nil)
		resp := e.do("agent", req, true)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, "Refund policy") || strings.Contains(body, "Pay an invoice") {
			t.Fatalf("htmx list = %d:\n%s", resp.StatusCode, body)
		}
	})
}

func TestEditorPublishControlsThePublicPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		a := e.createArticle("Change your billing email", "Go to **Settings**.", StatusDraft, nil)
		public := "/kb/a/" + a.Slug
		edit := fmt.Sprintf("/agent/kb/%d/edit", a.ID)
		publicStatus := func() int {
			code, _ := e.get("", public)
			return code
		}
		if code := publicStatus(); code != http.StatusNotFound {
			t.Fatalf("draft public page = %d, want 404", code)
		}
		// Publish from the status endpoint.
		wantRedirect(t, e.post("agent", fmt.Sprintf("/agent/kb/%d/status", a.ID), url.Values{"status": {"published"}}, false), edit)
		if code, body := e.get("", public); code != http.StatusOK || !strings.Contains(body, "Change your billing email") {
			t.Fatalf("published public page = %d", code)
		}
		// The editor shows "Save and unpublish"; using it with an edit
		// saves the edit and hides the page again.
		_, page := e.get("agent", edit)
		if parseHTML(t, page).Find(`button[name="status"][value="draft"]`).Length() != 1 {
			t.Fatal("no unpublish button on a published article")
		}
		form := url.Values{"title": {"Change your billing email address"}, "body": {"Go to **Settings**."}, "status": {"draft"}}
		resp := e.post("agent", fmt.Sprintf("/agent/kb/%d", a.ID), form, true)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("HX-Redirect") != edit {
			t.Fatalf("htmx unpublish = %d HX-Redirect=%q", resp.StatusCode, resp.Header.Get("HX-Redirect"))
		}
		if code := publicStatus(); code != http.StatusNotFound {
			t.Fatalf("unpublished public page = %d, want 404", code)
		}
		// Saving and publishing from the editor.
		form.Set("status", "published")
		wantRedirect(t, e.post("agent", fmt.Sprintf("/agent/kb/%d", a.ID), form, false), edit)
		if code, body := e.get("", public); code != http.StatusOK || !strings.Contains(body, "Change your billing email address") {
			t.Fatalf("republished public page = %d", code)
		}
		// Archiving hides it as well.
		wantRedirect(t, e.post("agent", fmt.Sprintf("/agent/kb/%d/status", a.ID), url.Values{"status": {"archived"}}, false), edit)
		if code := publicStatus(); code != http.StatusNotFound {
			t.Fatalf("archived public page = %d, want 404", code)
		}
		// Deleting removes it for agents too.
		wantRedirect(t, e.post("agent", fmt.Sprintf("/agent/kb/%d/delete", a.ID), nil, false), "/agent/kb")
		if code, _ := e.get("agent", edit); code != http.StatusNotFound {
			t.Fatalf("deleted article editor = %d, want 404", code)
		}
	})
}

func TestEditorPreview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		resp := e.post("agent", "/agent/kb/preview", url.Values{"body": {"## Hello\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) **bold**"}}, true)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || strings.Contains(body, "<html") {
			t.Fatalf("preview = %d:\n%s", resp.StatusCode, body)
		}
		if !strings.Contains(body, `<h2 id="hello">Hello</h2>`) || !strings.Contains(body, "<strong>bold</strong>") {
			t.Errorf("preview not rendered: %s", body)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "javascript:") {
			t.Errorf("preview not sanitised: %s", body)
		}
		resp = e.post("agent", "/agent/kb/preview", url.Values{"body": {""}}, true)
		if body := readBody(t, resp); !strings.Contains(body, "Nothing to preview yet") {
			t.Errorf("empty preview: %s", body)
		}
	})
}
