package kb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestEditorAuditsLifecycle: publishing, unpublishing, archiving,
// restoring from the archive, restoring a revision and deleting each leave
// one audit row naming the agent, the article and the request's address;
// plain edits leave none (the revision history has them).
func TestEditorAuditsLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		e := newEditorEnv(t, db)
		a := e.createArticle("Reset your password", "Step one.", StatusDraft, nil)
		id := fmt.Sprint(a.ID)
		post := func(target string, form url.Values) {
			t.Helper()
			resp := e.post("agent", target, form, false)
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s = %d", target, resp.StatusCode)
			}
		}
		status := func(s string) { post("/agent/kb/"+id+"/status", url.Values{"status": {s}}) }
		edit := url.Values{"title": {"Reset your password"}, "body": {"Step one, then two."}}

		post("/agent/kb/"+id, edit) // an edit: not audited
		status("publish")
		status("unpublish")
		status("archive")
		status("draft") // out of the archive
		post("/agent/kb/"+id+"/revisions/1/restore", nil)
		edit.Set("status", "publish") // publishing from the editor's save button
		post("/agent/kb/"+id, edit)
		post("/agent/kb/"+id+"/delete", nil)

		entries, _, err := audit.List(ctx, db, audit.Filter{TargetType: "article", TargetID: a.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(entries) - 1; i >= 0; i-- {
			en := entries[i]
			got = append(got, en.Action)
			if en.ActorID == nil || *en.ActorID != e.users["agent"].UserID || en.ActorEmail != "agent@example.com" || en.IP == "" {
				t.Errorf("%s: actor %v %q ip %q, want the agent and an address", en.Action, en.ActorID, en.ActorEmail, en.IP)
			}
			if en.Detail == "" {
				t.Errorf("%s: no detail", en.Action)
			}
		}
		want := []string{ActionPublish, ActionUnpublish, ActionArchive, ActionRestore, ActionRestoreRevision, ActionPublish, ActionDelete}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("audit trail = %v\nwant          %v", got, want)
		}
	})
}

// TestAuditRollsBackWithTheChange: the audit row is written in the
// change's transaction, so a change that fails leaves no row, and a system
// change (nil actor, as the CLI makes) is recorded without one.
func TestAuditRollsBackWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := NewService(Deps{DB: db})
		a, err := svc.SaveArticle(ctx, ArticleInput{Title: "One", Slug: "one"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveArticle(ctx, ArticleInput{Title: "Two", Slug: "two"}, nil, ""); err != nil {
			t.Fatal(err)
		}
		// Publishing "one" under the slug "two" fails after the article
		// row is read: nothing, audit included, may remain.
		if _, err := svc.SaveArticle(ctx, ArticleInput{ID: a.ID, Title: "One", Slug: "two", Status: StatusPublished}, nil, ""); err == nil {
			t.Fatal("duplicate slug saved")
		}
		if n, _ := db.NewSelect().Model((*audit.Entry)(nil)).Count(ctx); n != 0 {
			t.Fatalf("%d audit rows after a failed publish, want 0", n)
		}
		if _, err := svc.SetStatus(ctx, a.ID, StatusPublished, nil); err != nil {
			t.Fatal(err)
		}
		entries, _, err := audit.List(ctx, db, audit.Filter{Action: ActionPublish})
		if err != nil || len(entries) != 1 || entries[0].ActorID != nil || *entries[0].TargetID != a.ID {
			t.Fatalf("system publish audited as %+v, %v", entries, err)
		}
	})
}
