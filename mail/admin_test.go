package mail_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/views"
)

// pageTemplates holds the layouts and the mail pages only, so this test
// does not depend on other domains' templates or functions.
func pageTemplates(t *testing.T) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	for _, dir := range []string{"layouts", "mail", "admin"} { // the layout draws admin/_nav on /admin pages
		err := fs.WalkDir(views.FS, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(views.FS, p)
			m[p] = &fstest.MapFile{Data: b}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// adminApp serves the outbox pages; the X-Test-Role header chooses who is
// asking (none: anonymous).
func adminApp(t *testing.T, db *bun.DB) *fiber.App {
	engine := html.NewFileSystem(http.FS(pageTemplates(t)), ".html")
	engine.AddFuncMap(map[string]any{
		"asset":     func(p string) string { return "/static/" + p },
		"hasPrefix": strings.HasPrefix,
		"lower":     strings.ToLower,
		"join":      strings.Join,
		"add":       func(a, b int) int { return a + b },
		"date":      func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":  func(t time.Time) string { return t.Format("2 Jan 2006 15:04 UTC") },
		"isoTime":   func(t time.Time) string { return t.Format(time.RFC3339) },
		"ago":       func(t time.Time) string { return "a moment ago" },
		"dict":      func(kv ...any) map[string]any { return nil },
	})
	app := fiber.New(fiber.Config{Views: engine})
	app.Use(func(c *fiber.Ctx) error {
		if role := c.Get("X-Test-Role"); role != "" {
			identity.Set(c, &identity.Identity{UserID: 1, Email: role + "@example.com", Role: identity.Role(role), Verified: true})
		}
		return c.Next()
	})
	fdmail.NewAdmin(fdmail.AdminDeps{DB: db, Guard: policy.Require(policy.Administer)}).Mount(app)
	return app
}

func do(t *testing.T, app *fiber.App, method, path, role string, hx bool) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(url.Values{}.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if role != "" {
		req.Header.Set("X-Test-Role", role)
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestOutboxPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		ob := newOutbox(t, nil)
		pendingID, err := ob.Enqueue(ctx, db, hello("gina@example.com"))
		if err != nil {
			t.Fatal(err)
		}
		failed := hello("hank@example.com")
		failed.Subject = "Your <invoice> is ready"
		failedID, err := ob.Enqueue(ctx, db, failed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.NewUpdate().Model((*fdmail.Entry)(nil)).
			Set("status = ?", fdmail.StatusFailed).Set("attempts = 8").
			Set("last_error = ?", "smtp: RCPT TO rejected: SMTP error 550: no such user").
			Where("id = ?", failedID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		app := adminApp(t, db)
		pending, failedPath := "/admin/outbox/"+itoa(pendingID), "/admin/outbox/"+itoa(failedID)

		tests := []struct {
			name, method, path, role string
			hx                       bool
			wantStatus               int
			wantLocation             string
			want, wantNot            []string
		}{
			{"anonymous is sent to log in", "GET", "/admin/outbox", "", false, 303, "/login?next=%2Fadmin%2Foutbox", nil, nil},
			{"customer does not see the outbox", "GET", "/admin/outbox", "customer", false, 404, "", nil, []string{"gina@example.com"}},
			{"agent does not see the outbox", "GET", "/admin/outbox", "agent", false, 404, "", nil, []string{"gina@example.com"}},
			{"customer cannot read a message", "GET", pending, "customer", false, 404, "", nil, []string{"abc123"}},
			{"customer cannot retry", "POST", failedPath + "/retry", "customer", false, 404, "", nil, nil},
			{"admin lists all", "GET", "/admin/outbox", "admin", false, 200, "",
				[]string{"<h1>Outbox</h1>", "gina@example.com", "hank@example.com", "Your &lt;invoice&gt; is ready", "no such user", "No SMTP server is configured"}, nil},
			{"admin filters failed", "GET", "/admin/outbox?status=failed", "admin", false, 200, "",
				[]string{"hank@example.com"}, []string{"gina@example.com"}},
			{"htmx filter gets the rows only", "GET", "/admin/outbox?status=pending", "admin", true, 200, "",
				[]string{`id="outbox-rows"`, "gina@example.com"}, []string{"<html", "hank@example.com"}},
			{"unknown status", "GET", "/admin/outbox?status=bogus", "admin", false, 400, "", nil, nil},
			{"admin reads a message", "GET", pending, "admin", false, 200, "",
				[]string{"Hello Zoë,", `href="https://help.acme.test/verify?token=abc123"`, "@help.acme.test&gt;", "HTML version (source)", "&lt;p&gt;Hello Zoë,&lt;/p&gt;"},
				[]string{"Retry now", "<p>Hello Zoë,</p>"}},
			{"failed message offers retry", "GET", failedPath, "admin", false, 200, "", []string{"Retry now", "no such user"}, nil},
			{"missing message", "GET", "/admin/outbox/99999", "admin", false, 404, "", nil, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp, body := do(t, app, tt.method, tt.path, tt.role, tt.hx)
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("status %d, want %d\n%s", resp.StatusCode, tt.wantStatus, body)
				}
				if tt.wantLocation != "" && resp.Header.Get("Location") != tt.wantLocation {
					t.Errorf("Location %q, want %q", resp.Header.Get("Location"), tt.wantLocation)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("body lacks %q", w)
					}
				}
				for _, w := range tt.wantNot {
					if strings.Contains(body, w) {
						t.Errorf("body contains %q", w)
					}
				}
			})
		}

		if e := entry(t, db, failedID); e.Status != fdmail.StatusFailed {
			t.Fatalf("customer's retry changed the row to %q", e.Status)
		}
		resp, _ := do(t, app, "POST", failedPath+"/retry", "admin", false)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != failedPath {
			t.Fatalf("retry: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if e := entry(t, db, failedID); e.Status != fdmail.StatusPending || e.Attempts != 0 {
			t.Fatalf("after retry: status %q attempts %d", e.Status, e.Attempts)
		}
		_, body := do(t, app, "GET", failedPath, "admin", false)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if doc.Find("h1").Length() != 1 || doc.Find(`button:contains("Retry now")`).Length() != 0 {
			t.Errorf("requeued message page: %d h1, retry button still shown", doc.Find("h1").Length())
		}
		resp, _ = do(t, app, "POST", pending+"/retry", "admin", false)
		if resp.StatusCode != 303 {
			t.Fatalf("retry of a pending message: status %d", resp.StatusCode)
		}
		if e := entry(t, db, pendingID); e.Status != fdmail.StatusPending || e.Attempts != 0 {
			t.Fatalf("retry touched a pending row: %q", e.Status)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
