package kb_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// portalFixture is a help center with one category, three published
// articles, one draft and one archived article, seeded before the app
// starts so its index is built from them.
type portalFixture struct {
	app      *app.App
	db       *bun.DB
	svc      *kb.Service
	password *kb.Article
	draft    *kb.Article
	archived *kb.Article
}

func newPortalFixture(t *testing.T, b dbtest.Backend) *portalFixture {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t, b)
	svc := kb.NewService(kb.Deps{DB: db})
	cat, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Your account", Slug: "account", Description: "Sign in and profile."})
	if err != nil {
		t.Fatal(err)
	}
	save := func(in kb.ArticleInput) *kb.Article {
		t.Helper()
		in.CategoryID = &cat.ID
		a, err := svc.SaveArticle(ctx, in, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	f := &portalFixture{db: db, svc: svc}
	f.password = save(kb.ArticleInput{Title: "Reset your password", Summary: "Choose a new password with the emailed link.",
		Body: "## Steps\n\nOpen the link.\n\n## Expiry\n\nOne hour.\n\n## Trouble\n\nCheck spam.\n", Tags: "password,login", Status: kb.StatusPublished})
	save(kb.ArticleInput{Title: "Receive email notifications", Summary: "Which emails we send.", Body: "Notifications about tickets.", Status: kb.StatusPublished})
	save(kb.ArticleInput{Title: "Download invoices", Summary: "Invoices as PDF.", Body: "Open billing.", Status: kb.StatusPublished})
	f.draft = save(kb.ArticleInput{Title: "Secret password roadmap", Summary: "Unreleased.", Body: "password plans", Status: kb.StatusDraft})
	f.archived = save(kb.ArticleInput{Title: "Old password policy", Body: "password rules from 2019", Status: kb.StatusArchived})
	f.app = apptest.New(t, b)
	return f
}

func loginAs(t *testing.T, a *app.App, role identity.Role) *apptest.Client {
	t.Helper()
	acc := accounts.NewService(accounts.Deps{DB: a.DB})
	email := string(role) + "@kb.example"
	if _, err := acc.CreateUser(context.Background(), accounts.CreateUserInput{Email: email, Name: string(role), Password: "correct horse battery staple", Role: role}); err != nil {
		t.Fatal(err)
	}
	c := apptest.NewClient(t, a)
	resp := c.PostForm("/login", apptest.Values("email", email, "password", "correct horse battery staple"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d", role, resp.StatusCode)
	}
	return c
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestHelpCenterPages(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newPortalFixture(t, b)
		apptest.Serve(t, f.app) // runs the workers: index follower, search log writer
		anon := apptest.NewClient(t, f.app)
		customer := loginAs(t, f.app, identity.RoleCustomer)
		agent := loginAs(t, f.app, identity.RoleAgent)

		cases := []struct {
			name       string
			client     *apptest.Client
			path       string
			status     int
			contains   []string
			notContain []string
		}{
			{"home", anon, "/", 200, []string{"Your account", "3 articles", "Reset your password", `hx-get="/kb/search"`, `action="/kb/search"`}, []string{"Secret password roadmap", "Old password policy"}},
			{"kb index", anon, "/kb", 200, []string{"Help center", "/kb/c/account"}, nil},
			{"category", anon, "/kb/c/account", 200, []string{"<h1>Your account</h1>", "Download invoices"}, []string{"Secret password roadmap"}},
			{"unknown category", anon, "/kb/c/nope", 404, nil, nil},
			{"published article", anon, "/kb/a/reset-your-password", 200, []string{
				"<h1>Reset your password</h1>", `<link rel="canonical" href="http://frontdesk.test/kb/a/reset-your-password">`,
				`<meta name="description" content="Choose a new password with the emailed link.">`, "On this page", `href="#expiry"`,
				"Was this article helpful?", "Last updated", `href="/kb/c/account"`}, nil},
			{"draft for anonymous", anon, "/kb/a/secret-password-roadmap", 404, nil, []string{"Unreleased"}},
			{"draft for customer", customer, "/kb/a/secret-password-roadmap", 404, nil, []string{"Unreleased"}},
			{"archived for customer", customer, "/kb/a/old-password-policy", 404, nil, nil},
			{"draft for agent", agent, "/kb/a/secret-password-roadmap", 200, []string{"Secret password roadmap", "Preview"}, nil},
			{"search page", anon, "/kb/search?q=pasword", 200, []string{"<html", "Reset your password", "<mark>"}, []string{"Secret password roadmap", "Old password policy"}},
			{"search empty state", anon, "/kb/search?q=zzzxqqq", 200, []string{"No articles match", `href="/tickets/new"`}, nil},
			{"search without query", anon, "/kb/search", 200, []string{"Search the help center"}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp := tc.client.Get(tc.path)
				body := apptest.Body(t, resp)
				if resp.StatusCode != tc.status {
					t.Fatalf("GET %s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
				}
				for _, w := range tc.contains {
					if !strings.Contains(body, w) {
						t.Errorf("GET %s: missing %q", tc.path, w)
					}
				}
				for _, w := range tc.notContain {
					if strings.Contains(body, w) {
						t.Errorf("GET %s: leaked %q", tc.path, w)
					}
				}
			})
		}

		t.Run("search partial", func(t *testing.T) {
			c := apptest.NewClient(t, f.app)
			c.Header.Set("HX-Request", "true")
			resp := c.Get("/kb/search?q=passw")
			body := apptest.Body(t, resp)
			if resp.StatusCode != 200 || strings.Contains(body, "<html") || !strings.Contains(body, "Reset your password") {
				t.Fatalf("partial: %d %s", resp.StatusCode, body)
			}
			if strings.Contains(body, "Secret password roadmap") {
				t.Error("draft in search partial")
			}
			// Typing on: the same logged search is refined, not duplicated.
			apptest.Body(t, c.Get("/kb/search?q=password"))
			// The log is written in the background: wait for it.
			var rows []kb.SearchLog
			waitFor(t, "the search log row", func() bool {
				rows = nil
				if err := f.db.NewSelect().Model(&rows).Where("normalized LIKE 'pass%'").Scan(context.Background()); err != nil {
					t.Fatal(err)
				}
				return len(rows) > 0
			})
			if len(rows) != 1 || rows[0].Normalized != "password" {
				t.Errorf("search log = %+v, want one row for the final query", rows)
			}
			// Opening a result records the click.
			doc := apptest.Doc(t, c.Get("/kb/search?q=password"))
			href, _ := doc.Find(".kb-hit-title").First().Attr("href")
			if !strings.Contains(href, "?s=") {
				t.Fatalf("result link %q does not carry the search id", href)
			}
			apptest.Body(t, c.Get(href))
			waitFor(t, "the click", func() bool {
				var clicked kb.SearchLog
				if err := f.db.NewSelect().Model(&clicked).Where("id = ?", rows[0].ID).Scan(context.Background()); err != nil {
					t.Fatal(err)
				}
				return clicked.ClickedArticleID != nil && *clicked.ClickedArticleID == f.password.ID
			})
		})

		t.Run("result titles are escaped", func(t *testing.T) {
			a, err := f.svc.SaveArticle(context.Background(), kb.ArticleInput{Title: `Fix <script>alert("x")</script> & 'quoted' zebrafish errors`,
				Summary: "Hostile title.", Body: "zebrafish", Status: kb.StatusPublished}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			c := apptest.NewClient(t, f.app)
			c.Header.Set("HX-Request", "true")
			var body string
			waitFor(t, "the new article in search", func() bool {
				body = apptest.Body(t, c.Get("/kb/search?q=zebrafish"))
				return strings.Contains(body, "kb-hit-title")
			})
			if strings.Contains(body, "<script>") || !strings.Contains(body, `Fix &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39; zebrafish errors</a>`) {
				t.Fatalf("title not escaped once:\n%s", body)
			}
			doc := apptest.Doc(t, c.Get("/kb/search?q=zebrafish"))
			href, _ := doc.Find(".kb-hit-title").First().Attr("href")
			if !strings.HasPrefix(href, "/kb/a/"+a.Slug+"?s=") {
				t.Errorf("result link %q, want /kb/a/%s?s=<search id>", href, a.Slug)
			}
			if got := doc.Find(".kb-hit .kb-snippet mark").First().Text(); got != "zebrafish" {
				t.Errorf("snippet mark %q, want zebrafish", got)
			}
		})

		t.Run("api search", func(t *testing.T) {
			resp := anon.Get("/api/v1/kb/search?q=password&limit=5")
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var got struct {
				Results []map[string]any `json:"results"`
				Total   *int             `json:"total"`
				TookMS  *float64         `json:"took_ms"`
			}
			if err := json.Unmarshal([]byte(apptest.Body(t, resp)), &got); err != nil {
				t.Fatal(err)
			}
			if got.Total == nil || got.TookMS == nil || len(got.Results) == 0 || *got.Total != len(got.Results) {
				t.Fatalf("shape: %+v", got)
			}
			for _, key := range []string{"id", "slug", "title", "snippet", "score", "url"} {
				if _, ok := got.Results[0][key]; !ok {
					t.Errorf("result has no %q", key)
				}
			}
			if got.Results[0]["url"] != "http://frontdesk.test/kb/a/reset-your-password" {
				t.Errorf("first result = %v", got.Results[0])
			}
			for _, r := range got.Results {
				if r["slug"] == f.draft.Slug || r["slug"] == f.archived.Slug {
					t.Errorf("API leaked %v", r["slug"])
				}
			}
			resp = anon.Get("/api/v1/kb/search")
			if body := apptest.Body(t, resp); resp.StatusCode != 400 || !strings.Contains(body, `"error"`) {
				t.Errorf("no q: %d %s", resp.StatusCode, body)
			}
		})

		t.Run("sitemap", func(t *testing.T) {
			resp := anon.Get("/sitemap.xml")
			body := apptest.Body(t, resp)
			var sm struct {
				URLs []struct {
					Loc string `xml:"loc"`
				} `xml:"url"`
			}
			if err := xml.Unmarshal([]byte(body), &sm); err != nil {
				t.Fatal(err)
			}
			locs := map[string]bool{}
			for _, u := range sm.URLs {
				locs[u.Loc] = true
			}
			for _, want := range []string{"http://frontdesk.test/kb/a/reset-your-password", "http://frontdesk.test/kb/c/account"} {
				if !locs[want] {
					t.Errorf("sitemap lacks %s", want)
				}
			}
			if strings.Contains(body, f.draft.Slug) || strings.Contains(body, f.archived.Slug) {
				t.Error("sitemap lists an unpublished article")
			}
		})

		t.Run("feedback", func(t *testing.T) {
			c := apptest.NewClient(t, f.app)
			c.Header.Set("HX-Request", "true")
			vote := func(v string) string {
				resp := c.PostForm("/kb/a/reset-your-password/feedback", apptest.Values("helpful", v, "comment", "clear enough"))
				body := apptest.Body(t, resp)
				if resp.StatusCode != 200 {
					t.Fatalf("vote %s: %d %s", v, resp.StatusCode, body)
				}
				return body
			}
			if body := vote("yes"); !strings.Contains(body, "Thanks for your feedback") || strings.Contains(body, "<html") {
				t.Errorf("vote partial: %s", body)
			}
			vote("yes")
			vote("no")
			got, err := f.svc.Article(context.Background(), f.password.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.HelpfulYes != 0 || got.HelpfulNo != 1 {
				t.Errorf("counters yes/no = %d/%d, want 0/1 (one vote per person, changed)", got.HelpfulYes, got.HelpfulNo)
			}
			resp := c.PostForm("/kb/a/reset-your-password/feedback", apptest.Values("helpful", "maybe"))
			if body := apptest.Body(t, resp); resp.StatusCode != 422 || !strings.Contains(body, "Choose Yes or No") {
				t.Errorf("bad vote: %d", resp.StatusCode)
			}
			resp = c.PostForm("/kb/a/secret-password-roadmap/feedback", apptest.Values("helpful", "yes"))
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("vote on a draft: %d, want 404", resp.StatusCode)
			}
			// Without htmx the form still works: redirect back to the article.
			plain := apptest.NewClient(t, f.app)
			resp = plain.PostForm("/kb/a/reset-your-password/feedback", apptest.Values("helpful", "yes"))
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("plain vote: %d", resp.StatusCode)
			}
			resp = plain.PostForm("/kb/a/reset-your-password/feedback", apptest.Values("comment", "no choice"))
			if body := apptest.Body(t, resp); resp.StatusCode != 422 || !strings.Contains(body, "<h1>") || !strings.Contains(body, "no choice") {
				t.Errorf("plain vote without a choice: %d", resp.StatusCode)
			}
		})

		t.Run("views counted", func(t *testing.T) {
			// An article nobody opened yet in this test.
			ctx := context.Background()
			art, err := f.svc.ArticleBySlug(ctx, "download-invoices")
			if err != nil {
				t.Fatal(err)
			}
			before := art.ViewCount
			apptest.Body(t, anon.Get("/kb/a/download-invoices"))
			apptest.Body(t, anon.Get("/kb/a/download-invoices"))
			var after, daily int64
			// Views are written in the background: wait for them.
			waitFor(t, "the view counts", func() bool {
				if err := f.db.NewSelect().Model((*kb.Article)(nil)).Column("view_count").Where("id = ?", art.ID).Scan(ctx, &after); err != nil {
					t.Fatal(err)
				}
				if err := f.db.NewSelect().Model((*kb.ArticleViews)(nil)).ColumnExpr("SUM(count)").Where("article_id = ?", art.ID).Scan(ctx, &daily); err != nil {
					t.Fatal(err)
				}
				return after == before+2 && daily == after
			})
		})
	})
}
