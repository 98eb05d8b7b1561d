package kb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/dbtest"
)

func TestEditorCategories(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		ctx := context.Background()
		post := func(target string, kv ...string) *http.Response {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return e.post("agent", target, v, false)
		}
		wantRedirect(t, post("/agent/kb/categories", "name", "Billing", "description", "Invoices and payments", "position", "1"), "/agent/kb/categories")
		billing, err := e.svc.CategoryBySlug(ctx, "billing")
		if err != nil || billing.Description != "Invoices and payments" || billing.Position != 1 {
			t.Fatalf("billing: %+v %v", billing, err)
		}
		wantRedirect(t, post("/agent/kb/categories", "name", "Invoices", "parent_id", fmt.Sprint(billing.ID)), "/agent/kb/categories")
		invoices, err := e.svc.CategoryBySlug(ctx, "invoices")
		if err != nil || invoices.ParentID == nil || *invoices.ParentID != billing.ID {
			t.Fatalf("invoices: %+v %v", invoices, err)
		}

		// The page lists the section under its category, and only
		// top-level categories are offered as parents.
		_, page := e.get("agent", "/agent/kb/categories")
		doc := parseHTML(t, page)
		rows := doc.Find(".kb-category-table tbody tr")
		if rows.Length() != 2 || !strings.Contains(rows.Eq(1).Text(), "Invoices") || !rows.Eq(1).HasClass("kb-section-row") {
			t.Fatalf("category rows: %q", rows.Text())
		}
		if opts := doc.Find("#cat-parent option"); opts.Length() != 2 || strings.Contains(opts.Text(), "Invoices") {
			t.Errorf("parent options: %q", opts.Text())
		}

		// No sections inside sections.
		resp := post("/agent/kb/categories", "name", "Deep", "description", "kept", "parent_id", fmt.Sprint(invoices.ID))
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "one level deep") {
			t.Fatalf("nested section = %d:\n%s", resp.StatusCode, body)
		}
		doc = parseHTML(t, body)
		if doc.Find("#cat-name").AttrOr("value", "") != "Deep" || doc.Find("#cat-description").Text() != "kept" {
			t.Error("input not kept after a refused nested section")
		}
		// A category that has sections cannot become a section.
		other := e.createCategory("Account", nil)
		resp = post(fmt.Sprintf("/agent/kb/categories/%d", billing.ID), "name", "Billing", "parent_id", fmt.Sprint(other.ID))
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "has sections of its own") {
			t.Fatalf("category with sections made a section = %d", resp.StatusCode)
		}
		// Edit: rename and move.
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d", invoices.ID), "name", "Invoices and receipts", "slug", "invoices", "parent_id", fmt.Sprint(billing.ID), "position", "3"), "/agent/kb/categories")
		if c, _ := e.svc.Category(ctx, invoices.ID); c.Name != "Invoices and receipts" || c.Position != 3 {
			t.Fatalf("edited section: %+v", c)
		}
		if code, page := e.get("agent", fmt.Sprintf("/agent/kb/categories/%d/edit", invoices.ID)); code != http.StatusOK || !strings.Contains(page, "Invoices and receipts") {
			t.Fatalf("edit page = %d", code)
		}

		// Only empty categories can be deleted.
		a := e.createArticle("Pay an invoice", "x", StatusDraft, &invoices.ID)
		tests := []struct {
			id   int64
			want string
		}{
			{billing.ID, "still has 1 section"},
			{invoices.ID, "still has 1 article"},
		}
		for _, tt := range tests {
			resp := post(fmt.Sprintf("/agent/kb/categories/%d/delete", tt.id))
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, tt.want) || !strings.Contains(body, "only an empty category can be deleted") {
				t.Errorf("delete %d = %d, want 409 with %q:\n%s", tt.id, resp.StatusCode, tt.want, body)
			}
			if _, err := e.svc.Category(ctx, tt.id); err != nil {
				t.Errorf("refused delete removed category %d: %v", tt.id, err)
			}
		}
		if got, _ := e.svc.Article(ctx, a.ID); got.CategoryID == nil || *got.CategoryID != invoices.ID {
			t.Fatal("refused delete uncategorised the article")
		}
		if err := e.svc.DeleteArticle(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d/delete", invoices.ID)), "/agent/kb/categories")
		wantRedirect(t, post(fmt.Sprintf("/agent/kb/categories/%d/delete", billing.ID)), "/agent/kb/categories")
		if n, _ := db.NewSelect().Model((*Category)(nil)).Count(ctx); n != 1 {
			t.Fatalf("%d categories left, want 1", n)
		}
		if code, _ := e.get("agent", fmt.Sprintf("/agent/kb/categories/%d/edit", billing.ID)); code != http.StatusNotFound {
			t.Errorf("deleted category edit = %d", code)
		}
	})
}
