package kb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// countingNotifier records follower nudges.
type countingNotifier struct{ n int }

func (c *countingNotifier) Notify() { c.n++ }

func countRows(t *testing.T, db *bun.DB, model any, where string, args ...any) int {
	t.Helper()
	n, err := db.NewSelect().Model(model).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestSaveArticleKeepsRevisionsAndChangeLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		note := &countingNotifier{}
		svc := kb.NewService(kb.Deps{DB: db, Follower: note})

		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Reset your password!", Body: "Step one.", Tags: "Login, PASSWORD, login"}, nil, "first")
		if err != nil {
			t.Fatal(err)
		}
		if a.Slug != "reset-your-password" || a.Status != kb.StatusDraft || a.Revision != 1 || a.PublishedAt != nil {
			t.Fatalf("new article: slug %q status %q revision %d published %v", a.Slug, a.Status, a.Revision, a.PublishedAt)
		}
		if a.Tags != "login,password" {
			t.Errorf("tags = %q, want normalised login,password", a.Tags)
		}
		a, err = svc.SaveArticle(ctx, kb.ArticleInput{ID: a.ID, Title: "Reset your password", Body: "Step one.\n\nStep two.", Status: kb.StatusPublished}, nil, "publish")
		if err != nil {
			t.Fatal(err)
		}
		if a.Revision != 2 || a.PublishedAt == nil || a.Slug != "reset-your-password" {
			t.Fatalf("after update: revision %d published %v slug %q", a.Revision, a.PublishedAt, a.Slug)
		}
		revs, err := svc.Revisions(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 || revs[0].Number != 2 || revs[1].Body != "Step one." || revs[1].Note != "first" {
			t.Fatalf("revisions = %+v", revs)
		}
		if n := countRows(t, db, (*kb.Change)(nil), "article_id = ?", a.ID); n != 2 {
			t.Errorf("kb_changes rows = %d, want 2", n)
		}
		if note.n != 2 {
			t.Errorf("follower nudged %d times, want 2", note.n)
		}
		if err := svc.DeleteArticle(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, (*kb.Change)(nil), "article_id = ?", a.ID); n != 3 {
			t.Errorf("kb_changes rows after delete = %d, want 3", n)
		}
		if _, err := svc.Article(ctx, a.ID); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("deleted article: err = %v, want ErrNotFound", err)
		}
	})
}

func TestSaveArticleValidationAndSlugs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		first, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Invoices"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		second, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Invoices"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if first.Slug != "invoices" || second.Slug != "invoices-2" {
			t.Errorf("slugs = %q, %q; want invoices, invoices-2", first.Slug, second.Slug)
		}
		missing := int64(9999)
		cases := []struct {
			name  string
			in    kb.ArticleInput
			field string
		}{
			{"no title", kb.ArticleInput{Title: "  "}, "title"},
			{"bad slug", kb.ArticleInput{Title: "x", Slug: "Not A Slug"}, "slug"},
			{"taken slug", kb.ArticleInput{Title: "x", Slug: "invoices"}, "slug"},
			{"bad status", kb.ArticleInput{Title: "x", Status: "live"}, "status"},
			{"unknown category", kb.ArticleInput{Title: "x", CategoryID: &missing}, "category_id"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.SaveArticle(ctx, tc.in, nil, "")
				var fe web.FieldErrors
				if !errors.As(err, &fe) || fe[tc.field] == "" {
					t.Fatalf("err = %v, want a message for %s", err, tc.field)
				}
			})
		}
		if n := countRows(t, db, (*kb.Article)(nil), "1 = 1"); n != 2 {
			t.Errorf("articles = %d, want 2 (invalid input saves nothing)", n)
		}
	})
}

func TestStatusTransitionsAndRestore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Old title", Body: "old body"}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if a, err = svc.SetStatus(ctx, a.ID, kb.StatusPublished, nil); err != nil || a.Status != kb.StatusPublished || a.PublishedAt == nil {
			t.Fatalf("publish: %v %+v", err, a)
		}
		firstPublished := *a.PublishedAt
		if a, err = svc.SaveArticle(ctx, kb.ArticleInput{ID: a.ID, Title: "New title", Body: "new body"}, nil, ""); err != nil {
			t.Fatal(err)
		}
		if a.Status != kb.StatusPublished {
			t.Errorf("an edit without status changed it to %q", a.Status)
		}
		if a, err = svc.SetStatus(ctx, a.ID, kb.StatusArchived, nil); err != nil || a.Status != kb.StatusArchived {
			t.Fatalf("archive: %v", err)
		}
		if a, err = svc.SetStatus(ctx, a.ID, kb.StatusPublished, nil); err != nil || !a.PublishedAt.Equal(firstPublished) {
			t.Fatalf("republish: %v, published_at %v want the first publication %v", err, a.PublishedAt, firstPublished)
		}
		if _, err := svc.SetStatus(ctx, a.ID, "gone", nil); err == nil {
			t.Error("unknown status accepted")
		}
		restored, err := svc.RestoreRevision(ctx, a.ID, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if restored.Title != "Old title" || restored.Body != "old body" || restored.Status != kb.StatusPublished || restored.Revision != 6 {
			t.Errorf("restored = title %q body %q status %q revision %d", restored.Title, restored.Body, restored.Status, restored.Revision)
		}
		if _, err := svc.RestoreRevision(ctx, a.ID, 42, nil); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("restore missing revision: %v", err)
		}
	})
}

func TestVoteOnePerPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Vote on me", Status: kb.StatusPublished}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		alice := kb.VoterKey(nil, "cookie-of-alice")
		bob := kb.VoterKey(nil, "cookie-of-bob")
		steps := []struct {
			voter   string
			helpful bool
			yes, no int
		}{
			{alice, true, 1, 0},
			{alice, true, 1, 0},  // same vote again: no change
			{alice, false, 0, 1}, // changed her mind
			{bob, true, 1, 1},
		}
		for i, st := range steps {
			res, err := svc.Vote(ctx, a.ID, st.voter, nil, st.helpful, "comment")
			if err != nil {
				t.Fatal(err)
			}
			if res.HelpfulYes != st.yes || res.HelpfulNo != st.no {
				t.Errorf("step %d: yes/no = %d/%d, want %d/%d", i, res.HelpfulYes, res.HelpfulNo, st.yes, st.no)
			}
		}
		if n := countRows(t, db, (*kb.Feedback)(nil), "article_id = ?", a.ID); n != 2 {
			t.Errorf("feedback rows = %d, want 2 (one per person)", n)
		}
		if alice == bob || alice[:2] != "a:" || len(alice) > 100 {
			t.Errorf("voter keys %q %q", alice, bob)
		}
	})
}

func TestCategoriesAndSearchLog(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		billing, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Billing & invoices"})
		if err != nil {
			t.Fatal(err)
		}
		if billing.Slug != "billing-invoices" {
			t.Errorf("slug = %q", billing.Slug)
		}
		sec, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Refunds", ParentID: &billing.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Too deep", ParentID: &sec.ID}); err == nil {
			t.Error("a section inside a section was accepted")
		}
		a, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Get a refund", CategoryID: &sec.ID, Status: kb.StatusPublished}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		tree, err := svc.CategoryTree(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree) != 1 || tree[0].Articles != 1 || len(tree[0].Sections) != 1 {
			t.Fatalf("tree = %+v", tree)
		}
		if err := svc.DeleteCategory(ctx, billing.ID); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Article(ctx, a.ID)
		if err != nil || got.CategoryID != nil {
			t.Fatalf("article after category delete: %v %+v", err, got)
		}

		id, err := svc.LogSearch(ctx, "  Reset  PASS ", 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := svc.RefineSearch(ctx, id, "reset password", 2); err != nil || !ok {
			t.Fatalf("refine: %v %v", ok, err)
		}
		if err := svc.RecordClick(ctx, id, a.ID); err != nil {
			t.Fatal(err)
		}
		var row kb.SearchLog
		if err := db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if row.Normalized != "reset password" || row.Results != 2 || row.ClickedArticleID == nil || *row.ClickedArticleID != a.ID {
			t.Errorf("search row = %+v", row)
		}
		if n := countRows(t, db, (*kb.SearchLog)(nil), "1 = 1"); n != 1 {
			t.Errorf("search rows = %d, want 1", n)
		}
	})
}
