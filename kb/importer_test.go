package kb_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestImportMarkdownFolder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		svc := kb.NewService(kb.Deps{DB: db})
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "billing", "invoices.md"), "---\ntitle: Download your invoices\nslug: download-invoices\nsummary: Where invoices live.\ncategory: Billing and invoices\ntags: [invoice, pdf]\n---\nOpen **Billing**.\n")
		writeFile(t, filepath.Join(dir, "account", "reset.md"), "# Reset your password\n\nUse the link.\n")
		writeFile(t, filepath.Join(dir, "account", "deep", "two-factor_setup.markdown"), "No heading here, just text.\n")
		writeFile(t, filepath.Join(dir, "drafts", "draft.md"), "---\ntitle: Not yet\nstatus: draft\ntags: a, b\n---\nbody\n")
		writeFile(t, filepath.Join(dir, "broken.md"), "---\ntitle: [unclosed\n---\nbody\n")
		writeFile(t, filepath.Join(dir, "binary.md"), "\xff\xfe\x00garbage")
		writeFile(t, filepath.Join(dir, "notes.txt"), "not markdown, skipped")

		rep, err := svc.Import(ctx, kb.CollectFiles([]string{dir, filepath.Join(dir, "missing.md")}), kb.ImportOptions{Category: "General"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 4 || rep.Failed != 3 || rep.Updated != 0 {
			t.Fatalf("report = %+v, want 4 created and 3 failed", rep)
		}
		failed := map[string]bool{}
		for _, f := range rep.Failures {
			failed[filepath.Base(f.Path)] = true
		}
		for _, name := range []string{"broken.md", "binary.md", "missing.md"} {
			if !failed[name] {
				t.Errorf("%s not reported as failed: %+v", name, rep.Failures)
			}
		}

		inv, err := svc.ArticleBySlug(ctx, "download-invoices")
		if err != nil {
			t.Fatal(err)
		}
		if inv.Title != "Download your invoices" || inv.Status != kb.StatusPublished || inv.Tags != "invoice,pdf" ||
			inv.Category == nil || inv.Category.Name != "Billing and invoices" || inv.Summary != "Where invoices live." {
			t.Errorf("front matter article = %+v (category %+v)", inv, inv.Category)
		}
		reset, err := svc.ArticleBySlug(ctx, "reset-your-password")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(reset.Body, "# Reset") || reset.Category == nil || reset.Category.Slug != "general" {
			t.Errorf("heading article: body %q category %+v", reset.Body, reset.Category)
		}
		if _, err := svc.ArticleBySlug(ctx, "two-factor-setup"); err != nil {
			t.Errorf("file-name title: %v", err)
		}
		draft, err := svc.ArticleBySlug(ctx, "not-yet")
		if err != nil || draft.Status != kb.StatusDraft {
			t.Errorf("draft: %v %+v", err, draft)
		}

		// Re-import: one file changed, the rest identical.
		writeFile(t, filepath.Join(dir, "account", "reset.md"), "# Reset your password\n\nUse the new link.\n")
		rep, err = svc.Import(ctx, kb.CollectFiles([]string{dir}), kb.ImportOptions{Category: "General"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 3 {
			t.Fatalf("re-import report = %+v, want 1 updated and 3 unchanged", rep)
		}
		if n := countRows(t, db, (*kb.Article)(nil), "1 = 1"); n != 4 {
			t.Errorf("articles after re-import = %d, want 4 (no duplicates)", n)
		}
		revs, err := svc.Revisions(ctx, reset.ID)
		if err != nil || len(revs) != 2 || !strings.Contains(revs[0].Body, "new link") {
			t.Errorf("revisions after re-import: %v %+v", err, revs)
		}
		// The same file copied elsewhere with its slug still updates, not
		// duplicates.
		other := t.TempDir()
		writeFile(t, filepath.Join(other, "inv.md"), "---\ntitle: Download your invoices\nslug: download-invoices\ncategory: billing-and-invoices\n---\nMoved.\n")
		rep, err = svc.Import(ctx, kb.CollectFiles([]string{other}), kb.ImportOptions{})
		if err != nil || rep.Updated != 1 || rep.Created != 0 {
			t.Fatalf("import by slug: %v %+v", err, rep)
		}
		if n := countRows(t, db, (*kb.Category)(nil), "1 = 1"); n != 2 {
			t.Errorf("categories = %d, want 2 (matched by name or slug, never duplicated)", n)
		}
	})
}
