package kb_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestTwoNodesFollowEachOther runs two app nodes on one PostgreSQL
// database, each with its own data directory and index: an article
// published through one becomes searchable on the other within seconds.
func TestTwoNodesFollowEachOther(t *testing.T) {
	b := dbtest.Postgres(t)
	nodeA := apptest.New(t, b)
	nodeB := apptest.New(t, b)
	if nodeA.Config.DataDir == nodeB.Config.DataDir {
		t.Fatal("nodes share a data directory")
	}
	apptest.Serve(t, nodeA)
	urlB := apptest.Serve(t, nodeB)

	search := func(q string) []string {
		resp, err := http.Get(urlB + "/api/v1/kb/search?q=" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Results []struct {
				Slug string `json:"slug"`
			} `json:"results"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, r := range out.Results {
			slugs = append(slugs, r.Slug)
		}
		return slugs
	}
	if got := search("quasar"); len(got) != 0 {
		t.Fatalf("node B finds %v before anything was published", got)
	}

	// Publish on node A (its service, its database connection).
	svcA := kb.NewService(kb.Deps{DB: nodeA.DB})
	if _, err := svcA.SaveArticle(context.Background(), kb.ArticleInput{
		Title: "Connect the Quasar integration", Body: "Quasar sync setup.", Status: kb.StatusPublished,
	}, nil, ""); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(15 * time.Second)
	for {
		got := search("quasar")
		if len(got) == 1 && got[0] == "connect-the-quasar-integration" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node B still finds %v 15s after node A published", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
