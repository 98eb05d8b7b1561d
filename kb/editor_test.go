package kb

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/audit"
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

// The editor tests' browser: its CSRF cookie and the token its pages carry.
const testCSRFNonce = "test-csrf-nonce-0123456789abcdefghijklmnopq"

var (
	testCSRFKey = []byte("kb editor tests' csrf key, 32 b!")
	testCSRF    = web.CSRFTokenFor(testCSRFKey, testCSRFNonce)
)

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
	// Revision authors are named by the real accounts service, as app wires it.
	e := &editorEnv{t: t, db: db, svc: NewService(Deps{DB: db, BaseURL: "http://frontdesk.test",
		Users: accounts.NewService(accounts.Deps{DB: db})}), users: map[string]*identity.Identity{}}
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
		Views: engine, BodyLimit: 26 << 20, DisableStartupMessage: true, Immutable: true, // as app.New
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
	e.app.Use(web.CSRF(web.CSRFConfig{Key: testCSRFKey}), func(c *fiber.Ctx) error {
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
	req.AddCookie(&http.Cookie{Name: web.CSRFCookie, Value: testCSRFNonce})
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
	a, err := e.svc.SaveArticle(context.Background(), ArticleInput{Title: title, Body: body, Status: status, CategoryID: categoryID}, &audit.Entry{ActorID: &uid}, "")
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
