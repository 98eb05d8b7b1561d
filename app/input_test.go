package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// Issue 8 item 2: a NUL byte (or a broken UTF-8 sequence) in any form
// field or query parameter never reaches the database as such: no 500 on
// either backend, and what is stored is the text without it.
func TestControlCharactersNeverReachTheDatabase(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		if err := a.SeedDemo(context.Background(), io.Discard); err != nil {
			t.Fatal(err)
		}
		anon := apptest.NewClient(t, a)
		cust := apptest.NewClient(t, a)
		agent := apptest.NewClient(t, a)
		for c, who := range map[*apptest.Client][2]string{
			cust:  {"carol@acme.example", "demo-carol-2026"},
			agent: {"alice@demo.frontdesk.test", "demo-alice-2026"},
		} {
			resp := c.PostForm("/login", apptest.Values("email", who[0], "password", who[1]))
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("login %s: %d", who[0], resp.StatusCode)
			}
		}
		check := func(what string, resp *http.Response) string {
			t.Helper()
			body := apptest.Body(t, resp)
			if resp.StatusCode >= 500 {
				t.Errorf("%s: %d", what, resp.StatusCode)
			}
			return body
		}
		const nul = "\x00"
		check("login", anon.PostForm("/login", apptest.Values("email", "x"+nul+"@example.com", "password", "pass"+nul+"word")))
		check("signup", anon.PostForm("/signup", apptest.Values("name", "Nul"+nul+"Name", "email", "nul"+nul+"@example.com", "password", "a long "+nul+" password")))
		check("forgot", anon.PostForm("/password/forgot", apptest.Values("email", "carol"+nul+"@acme.example")))
		check("profile", cust.PostForm("/account/profile", apptest.Values("name", "Carol"+nul+" \xff Customer")))
		check("token", cust.PostForm("/account/tokens", apptest.Values("name", "laptop"+nul)))
		check("feedback", anon.PostForm("/kb/a/create-an-account/feedback", apptest.Values("helpful", "no", "comment", "bad"+nul+"bytes")))
		check("kb article", agent.PostForm("/agent/kb/", apptest.Values("title", "Nul"+nul+" title", "body", "Body with "+nul+" inside", "status", "")))
		check("kb preview", agent.PostForm("/agent/kb/preview", apptest.Values("body", "x"+nul)))
		for _, q := range []string{"%00", "pass%00word", "%ff%fe", "a%01b%1f"} {
			check("search "+q, anon.Get("/kb/search?q="+q))
			check("api search "+q, anon.Get("/api/v1/kb/search?q="+q))
		}
		var name string
		if err := a.DB.NewSelect().Table("users").Column("name").Where("email = ?", "carol@acme.example").Scan(context.Background(), &name); err != nil {
			t.Fatal(err)
		}
		if name != "Carol \uFFFD Customer" {
			t.Errorf("stored name = %q, want the text without the NUL and with the broken byte replaced", name)
		}
		// The search page shows the query it searched, cleaned.
		body := check("search shown", anon.Get("/kb/search?q="+url.QueryEscape("pass\x00word")))
		if strings.Contains(body, "\x00") {
			t.Error("the search page echoes a NUL byte")
		}
	})
}
