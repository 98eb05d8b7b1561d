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

func TestEditorRevisionsDiffAndRestore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		e := newEditorEnv(t, db)
		a := e.createArticle("Reset your password", "Open the login page.\nClick <Forgot>.\nCheck your inbox.", StatusPublished, nil)
		base := fmt.Sprintf("/agent/kb/%d", a.ID)
		form := url.Values{
			"title": {"Reset a forgotten password"}, "slug": {a.Slug},
			"body": {"Open the login page.\nClick \"Forgot password\".\nCheck your inbox.\nThe link works for one hour."},
			"note": {"Clearer steps"},
		}
		wantRedirect(t, e.post("admin", base, form, false), base+"/edit")

		code, page := e.get("agent", base+"/revisions")
		if code != http.StatusOK {
			t.Fatalf("history = %d", code)
		}
		rows := parseHTML(t, page).Find("tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("history rows = %d, want 2", rows.Length())
		}
		first := strings.Join(strings.Fields(rows.Eq(0).Text()), " ")
		for _, want := range []string{"Revision 2", "current", "Ann Admin", "Clearer steps", "published"} {
			if !strings.Contains(first, want) {
				t.Errorf("newest history row %q lacks %q", first, want)
			}
		}
		if second := rows.Eq(1).Text(); !strings.Contains(second, "Ada Agent") || !strings.Contains(second, "Revision 1") {
			t.Errorf("oldest history row %q", second)
		}

		// Revision 2 against revision 1: the changed line and the new one.
		code, page = e.get("agent", base+"/revisions/2")
		if code != http.StatusOK {
			t.Fatalf("revision 2 = %d", code)
		}
		doc := parseHTML(t, page)
		del := doc.Find(".kb-diff tr.del").Text()
		ins := doc.Find(".kb-diff tr.ins").Text()
		if !strings.Contains(del, "Click <Forgot>.") || !strings.Contains(ins, `Click "Forgot password".`) || !strings.Contains(ins, "The link works for one hour.") {
			t.Errorf("diff del=%q ins=%q", del, ins)
		}
		if !strings.Contains(page, "Click &lt;Forgot&gt;.") {
			t.Error("diff text not escaped")
		}
		if got := doc.Find(".kb-field-changes tbody").Text(); !strings.Contains(got, "Reset your password") || !strings.Contains(got, "Reset a forgotten password") {
			t.Errorf("title change not shown: %q", got)
		}
		if doc.Find(`form[action$="/restore"]`).Length() != 0 {
			t.Error("the current revision offers a restore")
		}

		// Revision 1 against the current version.
		code, page = e.get("agent", base+"/revisions/1?against=current")
		doc = parseHTML(t, page)
		if code != http.StatusOK || !strings.Contains(doc.Find(".kb-diff tr.ins").Text(), "one hour") {
			t.Fatalf("revision 1 vs current = %d", code)
		}
		if doc.Find(`form[action$="/revisions/1/restore"]`).Length() != 1 {
			t.Fatal("no restore form for an old revision")
		}
		if code, _ := e.get("agent", base+"/revisions/9"); code != http.StatusNotFound {
			t.Errorf("missing revision = %d, want 404", code)
		}

		// Restore revision 1: a new revision 3 with the old text, still published.
		wantRedirect(t, e.post("agent", base+"/revisions/1/restore", nil, false), base+"/edit")
		got, err := e.svc.Article(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Revision != 3 || got.Title != "Reset your password" || !strings.Contains(got.Body, "Click <Forgot>.") || got.Status != StatusPublished {
			t.Fatalf("after restore: rev %d %q %q %s", got.Revision, got.Title, got.Body, got.Status)
		}
		_, page = e.get("agent", base+"/revisions")
		if !strings.Contains(page, "restored revision 1") || parseHTML(t, page).Find("tbody tr").Length() != 3 {
			t.Errorf("history after restore:\n%s", page)
		}
		if code, body := e.get("", "/kb/a/"+got.Slug); code != http.StatusOK || !strings.Contains(body, "Reset your password") {
			t.Errorf("public page after restore = %d", code)
		}
	})
}
