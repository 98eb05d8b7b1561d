package kb_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An admin edits the synonym list; search follows at once; bad lines
// re-render with a message and the admin's text; agents cannot see it.
func TestSynonymsAdminPage(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		a := apptest.New(t, b)
		apptest.Serve(t, a)
		svc := kb.NewService(kb.Deps{DB: a.DB})
		if _, err := svc.SaveArticle(t.Context(), kb.ArticleInput{Title: "Open a support case", Summary: "How to reach us.",
			Body: "Write to us and we answer within a day.", Status: kb.StatusPublished}, nil, ""); err != nil {
			t.Fatal(err)
		}
		admin := loginAs(t, a, identity.RoleAdmin)

		page := body(t, admin.Get("/agent/kb/synonyms/"))
		if !strings.Contains(page, "log in, sign in, login") {
			t.Fatalf("the default list is not shown: %s", page)
		}
		waitFor(t, "the article to be indexed", func() bool {
			return strings.Contains(body(t, admin.Get("/kb/search?q=support+case")), "Open a support case")
		})
		if strings.Contains(body(t, admin.Get("/kb/search?q=ticket+help")), "Open a support case") {
			t.Fatal("found the article before its synonym was added")
		}

		resp := admin.PostForm("/agent/kb/synonyms/", apptest.Values("synonyms", "log in, sign in\njust-one-word\n"))
		page = body(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Line 2") || !strings.Contains(page, "just-one-word") {
			t.Fatalf("bad list: status %d, page %s", resp.StatusCode, page)
		}

		resp = admin.PostForm("/agent/kb/synonyms/", apptest.Values("synonyms", "log in, sign in\nticket, support case\n"))
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: status %d", resp.StatusCode)
		}
		waitFor(t, "the article to be indexed and found through the synonym", func() bool {
			return strings.Contains(body(t, admin.Get("/kb/search?q=ticket+help")), "Open a support case")
		})
		got, err := svc.Synonyms(t.Context())
		if err != nil || len(got) != 2 {
			t.Errorf("saved groups = %v, %v", got, err)
		}

		agent := loginAs(t, a, identity.RoleAgent)
		if resp := agent.Get("/agent/kb/synonyms/"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("agent: status %d, want 404", resp.StatusCode)
		}
	})
}
