package admin_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/authztest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestEveryAdminTemplateRenders drives each admin page and each partial
// (through the htmx request or the failed form that answers it) with the
// fixture world's data, and fails on a template error, "<no value>" or an
// escaped-away value (ZgotmplZ) — so a template mistake on a path the
// flow tests do not reach still fails here. The outbox pages (mail
// package, mounted under /admin) are included.
func TestEveryAdminTemplateRenders(t *testing.T) {
	w := world(t, dbtest.SQLite(t))
	c := w.Client(t, authztest.Admin)
	user, org, msg := w.Values["target.user"], w.Values["orgA.id"], w.Values["outbox.message"]

	check := func(what string, resp *http.Response, want int) {
		t.Helper()
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out := string(body)
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", what, resp.StatusCode, want)
		}
		for _, bad := range []string{"<no value>", "ZgotmplZ", "template:"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: output contains %q", what, bad)
			}
		}
		if len(strings.TrimSpace(out)) == 0 {
			t.Errorf("%s: empty output", what)
		}
	}
	hx := func(method, path string, form url.Values) *http.Response {
		var body io.Reader
		if form != nil {
			form.Set("_csrf", c.CSRF())
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, path, body)
		req.Header.Set("HX-Request", "true")
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return c.Do(req)
	}

	// Pages (admin/dashboard, users, user, orgs, org, audit, settings;
	// mail/outbox, outbox_message) with _nav, _pager and _audit_table.
	for _, p := range []string{"/admin/", "/admin/users", "/admin/users/" + user, "/admin/orgs", "/admin/orgs/" + org,
		"/admin/audit", "/admin/settings", "/admin/outbox", "/admin/outbox/" + msg} {
		check("GET "+p, c.Get(p), 200)
	}
	// Partials answered to htmx: _users_results, _audit_results,
	// _user_panel, _outbox_rows.
	check("users results", hx("GET", "/admin/users?q=a", nil), 200)
	check("audit results", hx("GET", "/admin/audit?actor=a", nil), 200)
	check("user panel", hx("GET", "/admin/users/"+user, nil), 200)
	check("outbox rows", hx("GET", "/admin/outbox?status=sent", nil), 200)
	// Failed forms re-render their partial with the messages: _org_create
	// (with _org_fields), _org_form, _org_members, _settings_form.
	check("org create", hx("POST", "/admin/orgs", url.Values{"name": {""}}), 422)
	check("org form", hx("POST", "/admin/orgs/"+org, url.Values{"name": {""}}), 422)
	check("org members", hx("POST", "/admin/orgs/"+org+"/members", url.Values{"email": {"nobody@nowhere.test"}}), 422)
	check("settings form", hx("POST", "/admin/settings", url.Values{"name": {"Frontdesk"}, "color": {"red"}}), 422)
}
