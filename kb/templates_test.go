package kb_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
	"github.com/frontdesk/frontdesk/views"
)

// includeRe finds the templates a kb template includes.
var includeRe = regexp.MustCompile(`{{-?\s*template "(kb/[^"]+|kb_[^"]+)"`)

// TestEveryKBTemplateRenders renders each page and partial in views/kb
// through the handler that uses it, in a whole app, over a help center
// holding every kind of data the templates show (a category with a
// section, articles with headings, related articles, revisions, files,
// feedback with a comment, searches with and without results, views), as
// full pages and as htmx fragments and failed forms. A template no
// request reaches (directly or included) fails the test, so a new
// template needs a line here.
func TestEveryKBTemplateRenders(t *testing.T) {
	a := apptest.New(t, dbtest.SQLite(t))
	ctx := context.Background()
	svc := a.KB
	cat, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Account & login", Description: "Signing in <safely>."})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := svc.SaveCategory(ctx, kb.CategoryInput{Name: "Passwords", ParentID: &cat.ID})
	if err != nil {
		t.Fatal(err)
	}
	art, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Reset your password", Summary: "When you forgot it.",
		Body: "## Steps\n\nOpen **Settings**.\n\n### Email\n\nCheck <script>x</script> your inbox.\n", Tags: "login, password",
		CategoryID: &sec.ID, Status: kb.StatusPublished}, nil, "first")
	if err != nil {
		t.Fatal(err)
	}
	if art, err = svc.SaveArticle(ctx, kb.ArticleInput{ID: art.ID, Title: art.Title, Summary: art.Summary,
		Body: art.Body + "\nThen sign in again.\n", Tags: art.Tags, CategoryID: &sec.ID, Status: kb.StatusPublished}, nil, "second"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Change your password", Body: "Under Settings.", Tags: "password",
		CategoryID: &sec.ID, Status: kb.StatusPublished}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveArticle(ctx, kb.ArticleInput{Title: "Draft notes", Body: "x", CategoryID: &cat.ID}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddAttachment(ctx, art.ID, "steps.txt", "text/plain", strings.NewReader("1. open\n"), 1<<20); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Vote(ctx, art.ID, "u:99", nil, false, "The link is broken."); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordView(ctx, art.ID); err != nil {
		t.Fatal(err)
	}
	if id, err := svc.LogSearch(ctx, "password", 2, nil); err != nil {
		t.Fatal(err)
	} else if err := svc.RecordClick(ctx, id, art.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LogSearch(ctx, "vpn setup", 0, nil); err != nil {
		t.Fatal(err)
	}

	admin := agentClientAs(t, a, identity.RoleAdmin)
	anon := apptest.NewClient(t, a)
	id := fmt.Sprint(art.ID)
	uploadBody := func() (*bytes.Buffer, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField(web.CSRFField, admin.CSRF())
		fw, _ := mw.CreateFormFile("file", "more.txt")
		_, _ = fw.Write([]byte("more notes\n"))
		_ = mw.Close()
		return &buf, mw.FormDataContentType()
	}
	form := func(kv ...string) url.Values { return apptest.Values(kv...) }

	tests := []struct {
		template string // rendered by the handler as the page or fragment
		client   *apptest.Client
		method   string
		path     string
		form     url.Values
		upload   bool
		htmx     bool
		status   int
	}{
		{"kb/home", anon, "GET", "/kb", nil, false, false, 200},
		{"kb/search", anon, "GET", "/kb/search?q=password", nil, false, false, 200},
		{"kb/_results", anon, "GET", "/kb/search?q=pasword", nil, false, true, 200},
		{"kb/category", anon, "GET", "/kb/c/" + cat.Slug, nil, false, false, 200},
		{"kb/category", anon, "GET", "/kb/c/" + sec.Slug, nil, false, false, 200},
		{"kb/article", anon, "GET", "/kb/a/" + art.Slug, nil, false, false, 200},
		{"kb/feedback", anon, "POST", "/kb/a/" + art.Slug + "/feedback", form("comment", "Which one?"), false, false, 422},
		{"kb/_feedback", anon, "POST", "/kb/a/" + art.Slug + "/feedback", form("helpful", "yes", "comment", "Thanks"), false, true, 200},
		{"kb/agent_list", admin, "GET", "/agent/kb", nil, false, false, 200},
		{"kb/_agent_list", admin, "GET", "/agent/kb?status=published&q=password", nil, false, true, 200},
		{"kb/agent_edit", admin, "GET", "/agent/kb/" + id + "/edit", nil, false, false, 200},
		{"kb/agent_edit", admin, "GET", "/agent/kb/new?category=" + fmt.Sprint(cat.ID), nil, false, false, 200},
		{"kb/_agent_form", admin, "POST", "/agent/kb/" + id, form("title", "", "slug", "Bad Slug", "body", "# Kept"), false, true, 422},
		{"kb/_agent_attachments", admin, "POST", "/agent/kb/" + id + "/attachments", nil, true, true, 200},
		{"kb/agent_preview", admin, "POST", "/agent/kb/preview", form("body", "## Preview\n\ntext"), false, false, 200},
		{"kb/_agent_preview", admin, "POST", "/agent/kb/preview", form("body", "## Preview\n\ntext"), false, true, 200},
		{"kb/agent_reports", admin, "GET", "/agent/kb/reports", nil, false, false, 200},
		{"kb/_agent_reports", admin, "GET", "/agent/kb/reports?from=2026-13-01", nil, false, true, 422},
		{"kb/agent_categories", admin, "GET", "/agent/kb/categories", nil, false, false, 200},
		{"kb/agent_categories", admin, "POST", "/agent/kb/categories", form("name", "", "parent_id", "x"), false, false, 422},
		{"kb/agent_category", admin, "GET", "/agent/kb/categories/" + fmt.Sprint(sec.ID) + "/edit", nil, false, false, 200},
		{"kb/agent_revisions", admin, "GET", "/agent/kb/" + id + "/revisions", nil, false, false, 200},
		{"kb/agent_revision", admin, "GET", "/agent/kb/" + id + "/revisions/2", nil, false, false, 200},
		{"kb/agent_revision", admin, "GET", "/agent/kb/" + id + "/revisions/1?against=current", nil, false, false, 200},
		{"kb/agent_synonyms", admin, "GET", "/agent/kb/synonyms", nil, false, false, 200},
	}
	rendered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.template+" "+tt.method+" "+tt.path, func(t *testing.T) {
			var req *http.Request
			switch {
			case tt.upload:
				body, ct := uploadBody()
				req, _ = http.NewRequest(tt.method, tt.path, body)
				req.Header.Set("Content-Type", ct)
			case tt.method == "POST":
				f := tt.form
				f.Set(web.CSRFField, tt.client.CSRF())
				req, _ = http.NewRequest(tt.method, tt.path, strings.NewReader(f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			default:
				req, _ = http.NewRequest(tt.method, tt.path, nil)
			}
			if tt.htmx {
				req.Header.Set("HX-Request", "true")
			}
			resp := tt.client.Do(req)
			out := apptest.Body(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tt.status, out)
			}
			if strings.Contains(out, "<no value>") || strings.Contains(out, "ZgotmplZ") {
				t.Fatalf("bad output: %s", out)
			}
			if strings.Contains(out, "<script>x</script>") {
				t.Error("article HTML not sanitised")
			}
			if full := strings.Contains(out, "<html"); full == tt.htmx {
				t.Fatalf("htmx=%v but full page=%v", tt.htmx, full)
			}
			if !tt.htmx && strings.Count(out, "<h1") != 1 {
				t.Errorf("page has %d h1 elements, want 1", strings.Count(out, "<h1"))
			}
			rendered[tt.template] = true
		})
	}

	// Every template file must be reached: rendered by a handler above or
	// included by one that is.
	src := map[string]string{}
	entries, err := fs.ReadDir(views.FS, "kb")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := fs.ReadFile(views.FS, "kb/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		name := "kb/" + strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		src[name] = string(b)
		for _, m := range regexp.MustCompile(`{{define "([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			src[m[1]] = string(b) // a {{define}} is reached through its file
		}
	}
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if reached[name] {
			return
		}
		reached[name] = true
		for _, m := range includeRe.FindAllStringSubmatch(src[name], -1) {
			visit(m[1])
		}
	}
	for name := range rendered {
		visit(name)
	}
	for _, e := range entries {
		name := "kb/" + strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		defines := regexp.MustCompile(`{{define "([^"]+)"`).FindAllStringSubmatch(src[name], -1)
		ok := reached[name]
		for _, d := range defines {
			ok = ok || reached[d[1]]
		}
		if !ok {
			t.Errorf("%s is rendered by no request in this test: add one", e.Name())
		}
	}
}
