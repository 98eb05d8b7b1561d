package kb_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

var searchIDRe = regexp.MustCompile(`\?s=(\d+)`)

// TestRepeatedSearchPartialIsTheSameList asks for the same as-you-type
// result list from two visitors and across publishing changes. The second
// answer comes from the portal's rendered-list cache: it must be the list
// a fresh render gives, with the second visitor's own search id in every
// link, and publishing or unpublishing an article shows in the very next
// answer.
func TestRepeatedSearchPartialIsTheSameList(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		f := newPortalFixture(t, b)
		apptest.Serve(t, f.app) // runs the index follower and the search log writer
		ctx := context.Background()
		partial := func(q string) (string, []string) {
			t.Helper()
			c := apptest.NewClient(t, f.app) // a new visitor: a new search log row
			c.Header.Set("HX-Request", "true")
			resp := c.Get("/kb/search?q=" + q)
			body := apptest.Body(t, resp)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("GET %s: %d %v", q, resp.StatusCode, resp.Header)
			}
			var ids []string
			for _, m := range searchIDRe.FindAllStringSubmatch(body, -1) {
				ids = append(ids, m[1])
			}
			return body, ids
		}
		first, ids1 := partial("password")
		second, ids2 := partial("password")
		if !strings.Contains(first, "Reset your password") || len(ids1) == 0 || len(ids2) != len(ids1) {
			t.Fatalf("first list: %s", first)
		}
		if ids1[0] == ids2[0] {
			t.Errorf("both visitors' links carry search id %s", ids1[0])
		}
		for _, id := range ids2 {
			if id != ids2[0] {
				t.Errorf("second list mixes search ids %v", ids2)
			}
		}
		if strings.ReplaceAll(second, "?s="+ids2[0], "?s=ID") != strings.ReplaceAll(first, "?s="+ids1[0], "?s=ID") {
			t.Errorf("repeated list differs:\n%s\n---\n%s", first, second)
		}

		// Unpublished: gone from the next list, before the index follows.
		if _, err := f.svc.SetStatus(ctx, f.password.ID, kb.StatusDraft, nil); err != nil {
			t.Fatal(err)
		}
		if body, _ := partial("password"); strings.Contains(body, "Reset your password") {
			t.Errorf("unpublished article still listed: %s", body)
		}
		// Published again: back once the index has it.
		if _, err := f.svc.SetStatus(ctx, f.password.ID, kb.StatusPublished, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the republished article", func() bool {
			body, _ := partial("password")
			return strings.Contains(body, "Reset your password")
		})
		// A new article the index takes in joins a list asked before.
		before, _ := partial("notifications")
		if strings.Contains(before, "Mute notifications") {
			t.Fatal("article listed before it exists")
		}
		if _, err := f.svc.SaveArticle(ctx, kb.ArticleInput{Title: "Mute notifications", Body: "Turn notifications off.",
			Status: kb.StatusPublished}, nil, ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new article in the list", func() bool {
			body, _ := partial("notifications")
			return strings.Contains(body, "Mute notifications")
		})
	})
}

// TestSearchPartialWithoutCache: with --kb-search-cache 0 the partial is
// rendered for every request and still right.
func TestSearchPartialWithoutCache(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		ctx := context.Background()
		db := dbtest.Open(t, b)
		svc := kb.NewService(kb.Deps{DB: db})
		if _, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Reset your password", Body: "Open the link.",
			Status: kb.StatusPublished}, nil, ""); err != nil {
			t.Fatal(err)
		}
		a := apptest.New(t, b, func(c *app.Config) { c.KBSearchCache = 0 })
		apptest.Serve(t, a)
		for i := 0; i < 2; i++ {
			c := apptest.NewClient(t, a)
			c.Header.Set("HX-Request", "true")
			body := apptest.Body(t, c.Get("/kb/search?q=password"))
			if !strings.Contains(body, "Reset your password") || !searchIDRe.MatchString(body) {
				t.Fatalf("request %d: %s", i, body)
			}
		}
	})
}
