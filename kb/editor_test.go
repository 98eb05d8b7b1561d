package kb

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/browsertest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/static"
	"github.com/frontdesk/frontdesk/views"
)

// The editor is not mounted by app/wire.go yet, so these tests build a
// small Fiber app the way app.New does: the embedded templates with the
// same helper names, the CSRF middleware, an identity set per request
// (X-Test-As: agent|admin|customer; none = anonymous), the public portal
// and the editor's Mount.

const testCSRF = "test-csrf-token-0123456789abcdefghijklmnopq"

type editorEnv struct {
	t     *testing.T
	db    *bun.DB
	svc   *Service
	app   *fiber.App
	users map[string]*identity.Identity
}

type testUserRow struct {
	bun.BaseModel `bun:"table:users"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Email     string    `bun:"email"`
	Name      string    `bun:"name"`
	Role      string    `bun:"role"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

func testTemplateFuncs(t *testing.T) template.FuncMap {
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	ts := func(layout string) func(time.Time) string {
		return func(tm time.Time) string {
			if tm.IsZero() {
				return ""
			}
			return tm.UTC().Format(layout)
		}
	}
	return template.FuncMap{
		"asset":     assets.URL,
		"hasPrefix": strings.HasPrefix,
		"lower":     strings.ToLower,
		"join":      strings.Join,
		"add":       func(a, b int) int { return a + b },
		"date":      ts("2 Jan 2006"),
		"datetime":  ts("2 Jan 2006 15:04 UTC"),
		"isoTime":   ts(time.RFC3339),
		"ago":       ts("2 Jan 2006"),
		"dict": func(kv ...any) (map[string]any, error) {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m, nil
		},
	}
}

func newEditorEnv(t *testing.T, db *bun.DB, deps ...func(*EditorDeps)) *editorEnv {
	t.Helper()
	ctx := context.Background()
	e := &editorEnv{t: t, db: db, svc: NewService(Deps{DB: db, BaseURL: "http://frontdesk.test"}), users: map[string]*identity.Identity{}}
	now := time.Now().UTC()
	for _, u := range []struct{ key, name string }{{"agent", "Ada Agent"}, {"admin", "Ann Admin"}, {"customer", "Carl Customer"}} {
		row := &testUserRow{Email: u.key + "@example.com", Name: u.name, Role: u.key, CreatedAt: now, UpdatedAt: now}
		if _, err := db.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			t.Fatalf("insert user: %v", err)
		}
		e.users[u.key] = &identity.Identity{UserID: row.ID, Email: row.Email, Name: row.Name, Role: identity.Role(u.key), Verified: true, SessionID: 1}
	}

	engine := html.NewFileSystem(http.FS(views.FS), ".html")
	engine.AddFuncMap(testTemplateFuncs(t))
	e.app = fiber.New(fiber.Config{
		Views: engine, BodyLimit: 26 << 20, DisableStartupMessage: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			if fe, ok := err.(*fiber.Error); ok {
				code = fe.Code
			} else {
				t.Logf("%s %s: %v", c.Method(), c.Path(), err)
			}
			return c.Status(code).SendString(err.Error())
		},
	})
	if err := engine.Load(); err != nil {
		t.Fatalf("templates: %v", err)
	}
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	e.app.Use(func(c *fiber.Ctx) error {
		// The app's policy, so a browser test sees what production forbids.
		c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		return c.Next()
	})
	e.app.Get(static.Prefix+"*", assets.Handler())
	e.app.Get("/brand.css", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
		return c.SendString(":root{--brand:#1d4ed8;--brand-contrast:#ffffff}\n")
	})
	e.app.Use(web.CSRF(false), func(c *fiber.Ctx) error {
		if id := e.users[c.Get("X-Test-As")]; id != nil {
			identity.Set(c, id)
		}
		return c.Next()
	})
	d := EditorDeps{Service: e.svc}
	for _, f := range deps {
		f(&d)
	}
	NewEditorHandlers(d).Mount(e.app)
	NewPortal(e.svc, false).Mount(e.app)
	return e
}

// do sends a request as the given user ("" = anonymous) with the CSRF
// cookie set; form posts carry the token like a page's form does.
func (e *editorEnv) do(as string, req *http.Request, htmx bool) *http.Response {
	e.t.Helper()
	req.AddCookie(&http.Cookie{Name: web.CSRFCookie, Value: testCSRF})
	if as != "" {
		req.Header.Set("X-Test-As", as)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp
}

func (e *editorEnv) get(as, target string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	resp := e.do(as, req, false)
	return resp.StatusCode, readBody(e.t, resp)
}

func (e *editorEnv) post(as, target string, form url.Values, htmx bool) *http.Response {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[web.CSRFField]; !ok {
		form.Set(web.CSRFField, testCSRF)
	}
	req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(as, req, htmx)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseHTML(t *testing.T, s string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// wantRedirect asserts a 303 to location and returns nothing else.
func wantRedirect(t *testing.T, resp *http.Response, location string) {
	t.Helper()
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != location {
		t.Fatalf("got %d Location=%q, want 303 to %q; body:\n%s", resp.StatusCode, resp.Header.Get("Location"), location, body)
	}
}

// createArticle saves an article through the service as the agent.
func (e *editorEnv) createArticle(title, body, status string, categoryID *int64) *Article {
	e.t.Helper()
	uid := e.users["agent"].UserID
	a, err := e.svc.SaveArticle(context.Background(), ArticleInput{Title: title, Body: body, Status: status, CategoryID: categoryID}, &uid, "")
	if err != nil {
		e.t.Fatalf("save article: %v", err)
	}
	return a
}

func (e *editorEnv) createCategory(name string, parent *int64) *Category {
	e.t.Helper()
	c, err := e.svc.SaveCategory(context.Background(), CategoryInput{Name: name, ParentID: parent})
	if err != nil {
		e.t.Fatalf("save category: %v", err)
	}
	return c
}

func TestEditorAccessIsGuarded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		cat := e.createCategory("Billing", nil)
		a := e.createArticle("Pay an invoice", "Body", StatusDraft, &cat.ID)
		id, cid := a.ID, cat.ID
		gets := []string{
			"/agent/kb", "/agent/kb/new", "/agent/kb/reports", "/agent/kb/categories",
			fmt.Sprintf("/agent/kb/categories/%d/edit", cid),
			fmt.Sprintf("/agent/kb/%d/edit", id), fmt.Sprintf("/agent/kb/%d/revisions", id),
			fmt.Sprintf("/agent/kb/%d/revisions/1", id),
		}
		posts := []string{
			"/agent/kb", "/agent/kb/preview", "/agent/kb/categories",
			fmt.Sprintf("/agent/kb/categories/%d", cid), fmt.Sprintf("/agent/kb/categories/%d/delete", cid),
			fmt.Sprintf("/agent/kb/%d", id), fmt.Sprintf("/agent/kb/%d/status", id), fmt.Sprintf("/agent/kb/%d/delete", id),
			fmt.Sprintf("/agent/kb/%d/revisions/1/restore", id), fmt.Sprintf("/agent/kb/%d/attachments", id),
			fmt.Sprintf("/agent/kb/%d/attachments/1/delete", id),
		}
		for _, p := range gets {
			if code, _ := e.get("agent", p); code != http.StatusOK {
				t.Errorf("agent GET %s = %d, want 200", p, code)
			}
			req, _ := http.NewRequest(http.MethodGet, p, nil)
			resp := e.do("", req, false)
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("anonymous GET %s = %d %q, want 303 to /login", p, resp.StatusCode, loc)
			}
			if code, _ := e.get("customer", p); code != http.StatusNotFound {
				t.Errorf("customer GET %s = %d, want 404", p, code)
			}
		}
		for _, p := range posts {
			form := url.Values{"title": {"Hacked"}, "name": {"Hacked"}, "status": {"published"}, "body": {"x"}}
			if resp := e.post("customer", p, form, false); resp.StatusCode != http.StatusNotFound {
				t.Errorf("customer POST %s = %d, want 404", p, resp.StatusCode)
			}
			if resp := e.post("", p, form, false); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s = %d, want 401", p, resp.StatusCode)
			}
		}
		// Nothing a refused request sent was applied.
		got, err := e.svc.Article(context.Background(), id)
		if err != nil || got.Title != "Pay an invoice" || got.Status != StatusDraft {
			t.Fatalf("article changed by refused requests: %+v, %v", got, err)
		}
		// Without the CSRF token even an agent's post is refused.
		if resp := e.post("agent", fmt.Sprintf("/agent/kb/%d/status", id), url.Values{web.CSRFField: {"wrong"}, "status": {"published"}}, false); resp.StatusCode != http.StatusForbidden {
			t.Errorf("agent POST without CSRF token = %d, want 403", resp.StatusCode)
		}
	})
}

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

func TestEditorRevisionsDiffAndRestore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		a := e.createArticle("Reset your password", "Open the login page.\nClick <Forgot>.\nCheck your inbox.", StatusPublished, nil)
		base := fmt.Sprintf("/agent/kb/%d", a.ID)
		form := url.Values{
			"title": {"Reset a forgotten password"}, "slug": {a.Slug},
			"body": {"Open the login page.\nClick \"Forgot password\".\nCheck your inbox.\nThe link works for one hour."},
			"note": {"Clearer steps"},
		}
		wantRedirect(t, e.post("admin", base, form, false), base+"/edit")

		code, page := e.get("agent", base+"/revisions")
		if code != http.StatusOK {
			t.Fatalf("history = %d", code)
		}
		rows := parseHTML(t, page).Find("tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("history rows = %d, want 2", rows.Length())
		}
		first := strings.Join(strings.Fields(rows.Eq(0).Text()), " ")
		for _, want := range []string{"Revision 2", "current", "Ann Admin", "Clearer steps", "published"} {
			if !strings.Contains(first, want) {
				t.Errorf("newest history row %q lacks %q", first, want)
			}
		}
		if second := rows.Eq(1).Text(); !strings.Contains(second, "Ada Agent") || !strings.Contains(second, "Revision 1") {
			t.Errorf("oldest history row %q", second)
		}

		// Revision 2 against revision 1: the changed line and the new one.
		code, page = e.get("agent", base+"/revisions/2")
		if code != http.StatusOK {
			t.Fatalf("revision 2 = %d", code)
		}
		doc := parseHTML(t, page)
		del := doc.Find(".kb-diff tr.del").Text()
		ins := doc.Find(".kb-diff tr.ins").Text()
		if !strings.Contains(del, "Click <Forgot>.") || !strings.Contains(ins, `Click "Forgot password".`) || !strings.Contains(ins, "The link works for one hour.") {
			t.Errorf("diff del=%q ins=%q", del, ins)
		}
		if !strings.Contains(page, "Click &lt;Forgot&gt;.") {
			t.Error("diff text not escaped")
		}
		if got := doc.Find(".kb-field-changes tbody").Text(); !strings.Contains(got, "Reset your password") || !strings.Contains(got, "Reset a forgotten password") {
			t.Errorf("title change not shown: %q", got)
		}
		if doc.Find(`form[action$="/restore"]`).Length() != 0 {
			t.Error("the current revision offers a restore")
		}

		// Revision 1 against the current version.
		code, page = e.get("agent", base+"/revisions/1?against=current")
		doc = parseHTML(t, page)
		if code != http.StatusOK || !strings.Contains(doc.Find(".kb-diff tr.ins").Text(), "one hour") {
			t.Fatalf("revision 1 vs current = %d", code)
		}
		if doc.Find(`form[action$="/revisions/1/restore"]`).Length() != 1 {
			t.Fatal("no restore form for an old revision")
		}
		if code, _ := e.get("agent", base+"/revisions/9"); code != http.StatusNotFound {
			t.Errorf("missing revision = %d, want 404", code)
		}

		// Restore revision 1: a new revision 3 with the old text, still published.
		wantRedirect(t, e.post("agent", base+"/revisions/1/restore", nil, false), base+"/edit")
		got, err := e.svc.Article(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 3 || got.Title != "Reset your password" || !strings.Contains(got.Body, "Click <Forgot>.") || got.Status != StatusPublished {
			t.Fatalf("after restore: rev %d %q %q %s", got.Revision, got.Title, got.Body, got.Status)
		}
		_, page = e.get("agent", base+"/revisions")
		if !strings.Contains(page, "restored revision 1") || parseHTML(t, page).Find("tbody tr").Length() != 3 {
			t.Errorf("history after restore:\n%s", page)
		}
		if code, body := e.get("", "/kb/a/"+got.Slug); code != http.StatusOK || !strings.Contains(body, "Reset your password") {
			t.Errorf("public page after restore = %d", code)
		}
	})
}

func TestEditorCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		ctx := context.Background()
		post := func(target string, kv ...string) *http.Response {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return e.post("agent", target, v, false)
		}
		wantRedirect(t, post("/agent/kb/categories", "name", "Billing", "description", "Invoices and payments", "position", "1"), "/agent/kb/categories")
		billing, err := e.svc.CategoryBySlug(ctx, "billing")
		if err != nil || billing.Description != "Invoices and payments" || billing.Position != 1 {
			t.Fatalf("billing: %+v %v", billing, err)
		}
		wantRedirect(t, post("/agent/kb/categories", "name", "Invoices", "parent_id", fmt.Sprint(billing.ID)), "/agent/kb/categories")
		invoices, err := e.svc.CategoryBySlug(ctx, "invoices")
		if err != nil || invoices.ParentID == nil || *invoices.ParentID != billing.ID {
			t.Fatalf("invoices: %+v %v", invoices, err)
		}

		// The page lists the section under its category, and only
		// top-level categories are offered as parents.
		_, page := e.get("agent", "/agent/kb/categories")
		doc := parseHTML(t, page)
		rows := doc.Find(".kb-category-table tbody tr")
		if rows.Length() != 2 || !strings.Contains(rows.Eq(1).Text(), "Invoices") || !rows.Eq(1).HasClass("kb-section-row") {
			t.Fatalf("category rows: %q", rows.Text())
		}
		if opts := doc.Find("#cat-parent option"); opts.Length() != 2 || strings.Contains(opts.Text(), "Invoices") {
			t.Errorf("parent options: %q", opts.Text())
		}

		// No sections inside sections.
		resp := post("/agent/kb/categories", "name", "Deep", "description", "kept", "parent_id", fmt.Sprint(invoices.ID))
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "one level deep") {
			t.Fatalf("nested section = %d:\n%s", resp.StatusCode, body)
		}
		doc = parseHTML(t, body)
		if doc.Find("#cat-name").AttrOr("value", "") != "Deep" || doc.Find("#cat-description").Text() != "kept" {
			t.Error("input not kept after a refused nested section")
		}
		// A category that has sections cannot become a section.
		other := e.createCategory("Account", nil)
		resp = post(fmt.Sprintf("/agent/kb/categories/%d", billing.ID), "name", "Billing", "parent_id", fmt.Sprint(other.ID))
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "has sections of its own") {
			t.Fatalf("category with sections made a section = %d", resp.StatusCode)
		}
		// Edit: rename and move.
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d", invoices.ID), "name", "Invoices and receipts", "slug", "invoices", "parent_id", fmt.Sprint(billing.ID), "position", "3"), "/agent/kb/categories")
		if c, _ := e.svc.Category(ctx, invoices.ID); c.Name != "Invoices and receipts" || c.Position != 3 {
			t.Fatalf("edited section: %+v", c)
		}
		if code, page := e.get("agent", fmt.Sprintf("/agent/kb/categories/%d/edit", invoices.ID)); code != http.StatusOK || !strings.Contains(page, "Invoices and receipts") {
			t.Fatalf("edit page = %d", code)
		}

		// Only empty categories can be deleted.
		a := e.createArticle("Pay an invoice", "x", StatusDraft, &invoices.ID)
		tests := []struct {
			id   int64
			want string
		}{
			{billing.ID, "still has 1 section"},
			{invoices.ID, "still has 1 article"},
		}
		for _, tt := range tests {
			resp := post(fmt.Sprintf("/agent/kb/categories/%d/delete", tt.id))
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, tt.want) || !strings.Contains(body, "only an empty category can be deleted") {
				t.Errorf("delete %d = %d, want 409 with %q:\n%s", tt.id, resp.StatusCode, tt.want, body)
			}
			if _, err := e.svc.Category(ctx, tt.id); err != nil {
				t.Errorf("refused delete removed category %d: %v", tt.id, err)
			}
		}
		if got, _ := e.svc.Article(ctx, a.ID); got.CategoryID == nil || *got.CategoryID != invoices.ID {
			t.Fatal("refused delete uncategorised the article")
		}
		if err := e.svc.DeleteArticle(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d/delete", invoices.ID)), "/agent/kb/categories")
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d/delete", billing.ID)), "/agent/kb/categories")
		if n, _ := db.NewSelect().Model((*Category)(nil)).Count(ctx); n != 1 {
			t.Fatalf("%d categories left, want 1", n)
		}
		if code, _ := e.get("agent", fmt.Sprintf("/agent/kb/categories/%d/edit", billing.ID)); code != http.StatusNotFound {
			t.Errorf("deleted category edit = %d", code)
		}
	})
}

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
