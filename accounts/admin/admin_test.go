package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// world builds the app with its fixture users on backend b.
func world(t *testing.T, b dbtest.Backend) *authztest.World {
	t.Helper()
	return authztest.NewWorld(t, apptest.New(t, b))
}

func wantStatus(t *testing.T, resp *http.Response, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d", resp.Request.Method, resp.Request.URL, resp.StatusCode, want)
	}
}

func auditRows(t *testing.T, w *authztest.World, action string, targetID int64) []accounts.AuditEntry {
	t.Helper()
	var rows []accounts.AuditEntry
	if err := w.App.DB.NewSelect().Model(&rows).Where("action = ?", action).Where("target_id = ?", targetID).
		Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRoleChangeIsAuditedAndTakesEffect(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		alice := w.Actors[authztest.CustomerA].User
		aliceBrowser := w.Client(t, authztest.CustomerA)
		adminBrowser := w.Client(t, authztest.Admin)

		wantStatus(t, aliceBrowser.Get("/agent/kb/"), http.StatusNotFound)

		// Without the CSRF token (a forged cross-site form) nothing changes.
		forged := apptest.Values("role", "admin", "_csrf", "forged-token-forged-token-forged-token")
		wantStatus(t, adminBrowser.PostForm(fmt.Sprintf("/admin/users/%d/role", alice.ID), forged), http.StatusForbidden)
		wantStatus(t, aliceBrowser.Get("/admin/"), http.StatusNotFound)

		resp := adminBrowser.PostForm(fmt.Sprintf("/admin/users/%d/role", alice.ID), apptest.Values("role", "agent"))
		wantStatus(t, resp, http.StatusSeeOther)
		resp = adminBrowser.Get(resp.Header.Get("Location"))
		body := apptest.Body(t, resp)
		if !strings.Contains(body, "Role changed to agent.") {
			t.Errorf("no confirmation after role change:\n%s", body)
		}

		// Her very next request, on the session she already had.
		wantStatus(t, aliceBrowser.Get("/agent/kb/"), http.StatusOK)

		rows := auditRows(t, w, "user.role_change", alice.ID)
		if len(rows) != 1 || rows[0].ActorEmail != "admin@frontdesk.test" || !strings.Contains(rows[0].Detail, "customer → agent") {
			t.Fatalf("audit rows = %+v", rows)
		}
		// The audit page lists it, filtered by action.
		doc := apptest.Doc(t, adminBrowser.Get("/admin/audit?action=user.role_change"))
		if got := doc.Find("table.admin-table tbody tr").Length(); got != 1 {
			t.Errorf("audit page shows %d role changes, want 1", got)
		}
	})
}

func TestAdminCannotDemoteOrDeactivateThemselves(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		me := w.Actors[authztest.Admin].User
		c := w.Client(t, authztest.Admin)
		for _, tc := range []struct{ path, msg string }{
			{fmt.Sprintf("/admin/users/%d/role", me.ID), "cannot change your own role"},
			{fmt.Sprintf("/admin/users/%d/deactivate", me.ID), "cannot deactivate your own account"},
		} {
			resp := c.PostForm(tc.path, apptest.Values("role", "customer"))
			wantStatus(t, resp, http.StatusUnprocessableEntity)
			if body := apptest.Body(t, resp); !strings.Contains(body, tc.msg) {
				t.Errorf("%s: message %q missing", tc.path, tc.msg)
			}
		}
		wantStatus(t, c.Get("/admin/"), http.StatusOK)
	})
}

func TestDeactivationEndsSessions(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		bob := w.Actors[authztest.CustomerB].User
		bobBrowser := w.Client(t, authztest.CustomerB)
		adminBrowser := w.Client(t, authztest.Admin)
		wantStatus(t, bobBrowser.Get("/account/"), http.StatusOK)

		// Inline (htmx) action: the panel comes back, not a whole page.
		adminBrowser.Header.Set("HX-Request", "true")
		resp := adminBrowser.PostForm(fmt.Sprintf("/admin/users/%d/deactivate", bob.ID), nil)
		wantStatus(t, resp, http.StatusOK)
		body := apptest.Body(t, resp)
		if strings.Contains(body, "<html") || !strings.Contains(body, "all its sessions were ended") {
			t.Errorf("htmx deactivate should answer the panel fragment:\n%s", body)
		}
		adminBrowser.Header.Del("HX-Request")

		resp = bobBrowser.Get("/account/")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("deactivated user's session still works: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		n, err := w.App.DB.NewSelect().Model((*accounts.Session)(nil)).Where("user_id = ?", bob.ID).Count(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("sessions left: %d (%v)", n, err)
		}
		if len(auditRows(t, w, "user.deactivate", bob.ID)) != 1 {
			t.Error("deactivation not audited")
		}

		// Nor can he log in again while deactivated.
		again := apptest.NewClient(t, w.App)
		resp = again.PostForm("/login", apptest.Values("email", bob.Email, "password", authztest.Password))
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			t.Fatalf("deactivated user logged in: %s", resp.Header.Get("Location"))
		}

		// Reactivated, he can log in again.
		wantStatus(t, adminBrowser.PostForm(fmt.Sprintf("/admin/users/%d/reactivate", bob.ID), nil), http.StatusSeeOther)
		w.LogInWithForm(t, again, bob.Email, authztest.Password)
		wantStatus(t, again.Get("/account/"), http.StatusOK)
		if len(auditRows(t, w, "user.reactivate", bob.ID)) != 1 {
			t.Error("reactivation not audited")
		}
	})
}

func TestOrganisationSaved(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		c := w.Client(t, authztest.Admin)
		resp := c.PostForm("/admin/orgs", apptest.Values(
			"name", "Example Industries", "slug", "", "domains", "Example.com\n@example.org, example.com",
			"high_value", "1"))
		wantStatus(t, resp, http.StatusSeeOther)
		loc := resp.Header.Get("Location")

		o := new(accounts.Organization)
		if err := w.App.DB.NewSelect().Model(o).Relation("Domains").Where("slug = ?", "example-industries").
			Scan(context.Background()); err != nil {
			t.Fatalf("org not saved: %v", err)
		}
		if loc != fmt.Sprintf("/admin/orgs/%d", o.ID) {
			t.Errorf("redirect to %q", loc)
		}
		var domains []string
		for _, d := range o.Domains {
			domains = append(domains, d.Domain)
		}
		if strings.Join(domains, ",") != "example.com,example.org" && strings.Join(domains, ",") != "example.org,example.com" {
			t.Errorf("domains = %v", domains)
		}
		if !o.HighValue || o.MembersSeeAllTickets {
			t.Errorf("flags = high %v, shared %v", o.HighValue, o.MembersSeeAllTickets)
		}
		if len(auditRows(t, w, "org.create", o.ID)) != 1 {
			t.Error("org creation not audited")
		}

		// Edit: drop a domain, share tickets.
		resp = c.PostForm(loc, apptest.Values("name", "Example Industries", "slug", "example-industries",
			"domains", "example.org", "members_see_all_tickets", "on"))
		wantStatus(t, resp, http.StatusSeeOther)
		doc := apptest.Doc(t, c.Get(loc))
		if got := strings.TrimSpace(doc.Find("#org-domains").Text()); got != "example.org" {
			t.Errorf("domains field shows %q", got)
		}
		if _, ok := doc.Find(`input[name=members_see_all_tickets]`).Attr("checked"); !ok {
			t.Error("shared-tickets flag not saved")
		}
		if _, ok := doc.Find(`input[name=high_value]`).Attr("checked"); ok {
			t.Error("high-value flag should be cleared")
		}

		// Members: add by email (case-insensitive), then remove.
		bob := w.Actors[authztest.CustomerB].User
		resp = c.PostForm(loc+"/members", apptest.Values("email", "BOB@b.test"))
		wantStatus(t, resp, http.StatusSeeOther)
		if !strings.Contains(apptest.Body(t, c.Get(loc)), "bob@b.test") {
			t.Error("member not listed")
		}
		resp = c.PostForm(loc+"/members", apptest.Values("email", "nobody@nowhere.test"))
		wantStatus(t, resp, http.StatusUnprocessableEntity)
		wantStatus(t, c.PostForm(fmt.Sprintf("%s/members/%d/remove", loc, bob.ID), nil), http.StatusSeeOther)
		u := new(accounts.User)
		if err := w.App.DB.NewSelect().Model(u).Where("id = ?", bob.ID).Scan(context.Background()); err != nil || u.OrgID != nil {
			t.Errorf("bob still in an org: %v %v", u.OrgID, err)
		}
	})
}

// TestDomainAutoJoin: a domain an admin saves on an organisation makes a
// user who signs up and verifies an address there a member.
func TestDomainAutoJoin(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		admin := w.Client(t, authztest.Admin)
		wantStatus(t, admin.PostForm(fmt.Sprintf("/admin/orgs/%d", w.OrgA.ID),
			apptest.Values("name", "Org A", "slug", "org-a", "domains", "joinme.test")), http.StatusSeeOther)

		visitor := apptest.NewClient(t, w.App)
		resp := visitor.PostForm("/signup", apptest.Values("name", "Jo", "email", "jo@JoinMe.test", "password", authztest.Password))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("sign-up: %d", resp.StatusCode)
		}
		var body string
		if err := w.App.DB.NewSelect().Table("mail_outbox").Column("text_body").
			Where("to_address = ?", "jo@joinme.test").Order("id DESC").Limit(1).Scan(context.Background(), &body); err != nil {
			t.Fatalf("verification mail: %v", err)
		}
		link := verifyLink.FindString(body)
		if link == "" {
			t.Fatalf("no verify link in %q", body)
		}
		resp = visitor.Get(strings.TrimPrefix(link, w.App.Config.BaseURL))
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("verify: %d", resp.StatusCode)
		}
		u := new(accounts.User)
		if err := w.App.DB.NewSelect().Model(u).Where("email = ?", "jo@joinme.test").Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if u.VerifiedAt == nil || u.OrgID == nil || *u.OrgID != w.OrgA.ID {
			t.Fatalf("after verification: verified %v, org %v (want %d)", u.VerifiedAt != nil, u.OrgID, w.OrgA.ID)
		}
	})
}

var verifyLink = regexp.MustCompile(`https?://\S+/verify\?token=[A-Za-z0-9_-]+`)

func TestBadInputKeepsTheForm(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		c := w.Client(t, authztest.Admin)
		tests := []struct {
			name, path string
			form       []string
			field, msg string // id of the input marked invalid, message shown
			kept       string // a value the user typed, shown again
		}{
			{"duplicate slug", "/admin/orgs", []string{"name", "Copycat", "slug", "org-b"},
				"org-slug", "Another organisation already uses this slug.", "Copycat"},
			{"duplicate slug on edit", fmt.Sprintf("/admin/orgs/%d", w.OrgA.ID), []string{"name", "Renamed A", "slug", "org-b"},
				"org-slug", "Another organisation already uses this slug.", "Renamed A"},
			{"domain of another org", "/admin/orgs", []string{"name", "Other", "domains", "b.test"},
				"org-domains", "", "Other"},
			{"bad domain", "/admin/orgs", []string{"name", "Other", "domains", "not a domain!"},
				"org-domains", "is not a domain name", "Other"},
			{"bad colour", "/admin/settings", []string{"name", "Acme Help", "color", "#12345g"},
				"set-color", "six hex digits", "#12345g"},
			{"logo over http", "/admin/settings", []string{"name", "Acme Help", "logo_url", "http://example.com/x.png"},
				"set-logo", "https://", "Acme Help"},
		}
		// Give org B a domain for the "domain of another org" case.
		wantStatus(t, c.PostForm(fmt.Sprintf("/admin/orgs/%d", w.OrgB.ID),
			apptest.Values("name", "Org B", "slug", "org-b", "domains", "b.test")), http.StatusSeeOther)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp := c.PostForm(tc.path, apptest.Values(tc.form...))
				wantStatus(t, resp, http.StatusUnprocessableEntity)
				doc := apptest.Doc(t, resp)
				in := doc.Find("#" + tc.field)
				if v, _ := in.Attr("aria-invalid"); v != "true" {
					t.Errorf("#%s not marked invalid", tc.field)
				}
				desc, _ := in.Attr("aria-describedby")
				errText := doc.Find("#" + tc.field + "-error").Text()
				if !strings.Contains(desc, tc.field+"-error") || errText == "" || !strings.Contains(errText, tc.msg) {
					t.Errorf("#%s: describedby %q, error %q, want %q", tc.field, desc, errText, tc.msg)
				}
				html, _ := doc.Html()
				if !strings.Contains(html, tc.kept) {
					t.Errorf("input %q not kept", tc.kept)
				}
			})
		}
		// Nothing was saved.
		if got := w.App.Settings.Get(context.Background(), "brand.name", ""); got != "" {
			t.Errorf("brand.name saved despite errors: %q", got)
		}
		n, _ := w.App.DB.NewSelect().Model((*accounts.Organization)(nil)).Where("slug = ?", "org-b").Count(context.Background())
		if n != 1 {
			t.Errorf("%d orgs with slug org-b", n)
		}
	})
}

func TestSettingsChangeTheBrand(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		c := w.Client(t, authztest.Admin)
		resp := c.PostForm("/admin/settings", apptest.Values(
			"name", "Acme Help", "tagline", "We answer fast.", "color", "#FFCC00", "logo_url", "https://cdn.example.com/logo.png"))
		wantStatus(t, resp, http.StatusSeeOther)
		doc := apptest.Doc(t, w.Client(t, authztest.Anonymous).Get("/"))
		if got := strings.TrimSpace(doc.Find(".brand span").Text()); got != "Acme Help" {
			t.Errorf("brand name on the home page = %q", got)
		}
		if src, _ := doc.Find(".brand img").Attr("src"); src != "https://cdn.example.com/logo.png" {
			t.Errorf("logo = %q", src)
		}
		css := apptest.Body(t, c.Get("/brand.css"))
		if !strings.Contains(css, "--brand:#ffcc00") {
			t.Errorf("brand.css = %q", css)
		}
		if w.App.Settings.Bool(context.Background(), "accounts.magic_link", true) {
			t.Error("unticked magic-link switch should save false")
		}
		rows := []accounts.AuditEntry{}
		if err := w.App.DB.NewSelect().Model(&rows).Where("action = ?", "settings.update").Scan(context.Background()); err != nil || len(rows) != 1 {
			t.Errorf("settings audit rows: %d (%v)", len(rows), err)
		}
	})
}

func TestUserSearch(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		c := w.Client(t, authztest.Admin)
		emails := func(path string) []string {
			t.Helper()
			resp := c.Get(path)
			wantStatus(t, resp, http.StatusOK)
			var out []string
			apptest.Doc(t, resp).Find("table.admin-table tbody tr td:first-child a").Each(func(_ int, s *goquery.Selection) {
				out = append(out, s.Text())
			})
			return out
		}
		tests := []struct{ path, want string }{
			{"/admin/users?q=ALICE", "alice@a.test"},
			{"/admin/users?q=a.test", "alice@a.test,unverified@a.test"},
			{"/admin/users?role=agent", "agent@frontdesk.test"},
			{fmt.Sprintf("/admin/users?org=%d", w.OrgB.ID), "bob@b.test"},
			{"/admin/users?org=none", "admin@frontdesk.test,agent@frontdesk.test"},
			{"/admin/users?q=%25", ""}, // a literal %, not a wildcard
			{"/admin/users?role=customer&q=target", "target@t.test"},
		}
		for _, tc := range tests {
			if got := strings.Join(emails(tc.path), ","); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.path, got, tc.want)
			}
		}
		// htmx search answers the results fragment only.
		c.Header.Set("HX-Request", "true")
		body := apptest.Body(t, c.Get("/admin/users?q=bob"))
		if strings.Contains(body, "<html") || !strings.Contains(body, "bob@b.test") {
			t.Errorf("htmx search should answer the results fragment:\n%s", body)
		}
	})
}

func TestResendVerification(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		w := world(t, b)
		c := w.Client(t, authztest.Admin)
		unverified := w.Actors[authztest.Unverified].User
		outbox := func() int {
			n, err := w.App.DB.NewSelect().Table("mail_outbox").Where("to_address = ?", unverified.Email).Count(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		before := outbox()
		if !strings.Contains(apptest.Body(t, c.Get(fmt.Sprintf("/admin/users/%d", unverified.ID))), "Resend verification email") {
			t.Error("no resend button for an unverified user")
		}
		wantStatus(t, c.PostForm(fmt.Sprintf("/admin/users/%d/verification", unverified.ID), nil), http.StatusSeeOther)
		if outbox() != before+1 {
			t.Errorf("outbox to %s: %d messages, want %d", unverified.Email, outbox(), before+1)
		}
		if len(auditRows(t, w, "user.verification_resent", unverified.ID)) != 1 {
			t.Error("resend not audited")
		}
		// A verified user has nothing to resend.
		alice := w.Actors[authztest.CustomerA].User
		if strings.Contains(apptest.Body(t, c.Get(fmt.Sprintf("/admin/users/%d", alice.ID))), "Resend verification email") {
			t.Error("resend button shown for a verified user")
		}
		wantStatus(t, c.PostForm(fmt.Sprintf("/admin/users/%d/verification", alice.ID), nil), http.StatusUnprocessableEntity)
	})
}
