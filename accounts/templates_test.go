package accounts_test

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/views"
)

// TestEveryAccountsTemplateRenders renders each page and partial in
// views/accounts with sample data in its fullest state (errors, revoked
// and used tokens, an organisation, a flash), so a template mistake on a
// path the flow tests do not reach still fails here.
func TestEveryAccountsTemplateRenders(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	now := time.Now().UTC()
	orgID := int64(7)
	user := &accounts.User{ID: 1, Email: "sam@example.com", Name: "Sam", Role: identity.RoleCustomer, OrgID: &orgID,
		Org: &accounts.Organization{ID: orgID, Name: "Acme Corp"}, CreatedAt: now}
	form := fiber.Map{"Name": "Sam", "Email": "sam@example.com", "Next": "/tickets", "Remember": true, "Token": "tok",
		"NotifyTicketUpdates": true, "NotifyProductNews": false}
	errs := web.FieldErrors{"name": "Enter your name.", "email": "Enter a valid email address.", "password": "Too short.",
		"current_password": "Wrong.", "new_password": "Too common."}
	sub := fiber.Map{"Form": form, "Errors": errs, "FormError": "", "CSRF": "csrf-token"}
	data := fiber.Map{
		"Title": "Sample", "Message": "A message.", "Form": form, "Errors": errs, "FormError": "Too many attempts.",
		"RetryAfter": 30, "MagicLink": true, "Token": "tok", "NewToken": "fd_secret",
		"Account": user, "Profile": sub, "Email": sub, "Pass": sub, "Current": int64(1),
		"Sessions": []accounts.Session{
			{ID: 1, UserAgent: "Firefox", IP: "192.0.2.1", Remember: true, CreatedAt: now, LastSeenAt: now},
			{ID: 2, CreatedAt: now, LastSeenAt: now.Add(-3 * time.Hour)},
		},
		"Tokens": []accounts.APIToken{
			{ID: 1, Name: "ci", Prefix: "fd_abcdef", CreatedAt: now, LastUsedAt: &now},
			{ID: 2, Name: "old", Prefix: "fd_123456", CreatedAt: now, RevokedAt: &now},
		},
		"User":  &identity.Identity{UserID: 1, Email: "sam@example.com", Name: "Sam", Role: identity.RoleCustomer},
		"Brand": web.Brand{Name: "Frontdesk", PrimaryColor: "#1d4ed8", LogoURL: "/logo.svg"},
		"CSRF":  "csrf-token", "Flash": &web.Flash{Kind: "success", Message: "Saved."}, "Path": "/account",
	}
	entries, err := fs.ReadDir(views.FS, "accounts")
	if err != nil {
		t.Fatal(err)
	}
	engine := a.Fiber.Config().Views
	for _, e := range entries {
		name := "accounts/" + strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		if e.Name() == "_field.html" {
			continue // a {{define}} used by the forms
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := engine.Render(&buf, name, data); err != nil {
				t.Fatalf("render: %v", err)
			}
			out := buf.String()
			if strings.Contains(out, "<no value>") || strings.Contains(out, "ZgotmplZ") {
				t.Fatalf("bad output: %s", out)
			}
			if !strings.HasPrefix(e.Name(), "_") && strings.Count(out, "<h1") != 1 {
				t.Errorf("page has %d h1 elements, want 1", strings.Count(out, "<h1"))
			}
		})
	}
}
