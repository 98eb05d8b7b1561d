package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestCLICleansControlCharacters: what the command line writes is cleaned
// at this edge as web.CleanInput cleans requests (issue 8 item 2). A
// Markdown file with a NUL byte is refused by name (PostgreSQL refuses NUL;
// a NUL-bearing file is binary or UTF-16, not Markdown) and the other files
// still import; other control characters in a file, in a flag (the
// category, a user's name) or in a password read by `user add` are
// removed, so the password is the one the (also cleaned) login form sends.
func TestCLICleansControlCharacters(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		env := map[string]string{"FRONTDESK_DB": b.URL, "FRONTDESK_DATA_DIR": t.TempDir()}
		docs := t.TempDir()
		write := func(name, content string) {
			t.Helper()
			if err := os.WriteFile(filepath.Join(docs, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("nul-byte.md", "---\ntitle: Has a NUL\n---\nStep one:\x00 open the page.\n")
		write("controls.md", "---\ntitle: Reset\x1b your password\ncategory: Acc\x07ounts\n---\nStep one:\x08 open the page.\x7f\n")
		write("plain.md", "# Plain\n\nNothing odd.\n")
		code, out, errOut := runWithStdin(t, env, "", "kb", "import", "--category", "Mi\x01sc", docs)
		if code != 1 || !strings.Contains(out, "created 2, updated 0, unchanged 0, failed 1") ||
			!strings.Contains(errOut, "nul-byte.md: binary file") {
			t.Fatalf("kb import with a NUL-byte file: exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
		code, out, errOut = runWithStdin(t, env, "a long\x01 agent password\n",
			"user", "add", "--email", "ctl@example.com", "--role", "agent", "--name", "Con\x1b[1mtrol")
		if code != 0 {
			t.Fatalf("user add with control characters: exit %d, out %q, err %q", code, out, errOut)
		}

		a := apptest.New(t, b) // the same database
		ctx := context.Background()
		var arts []kb.Article
		if err := a.DB.NewSelect().Model(&arts).Relation("Category").Order("title").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(arts) != 2 {
			t.Fatalf("%d articles, want the 2 good files", len(arts))
		}
		if got := arts[0]; got.Title != "Plain" || got.Category == nil || got.Category.Name != "Misc" {
			t.Errorf("plain.md: title %q, category %+v; want the --category flag without its control character", got.Title, got.Category)
		}
		got := arts[1]
		if got.Title != "Reset your password" {
			t.Errorf("title %q, want the escape character removed", got.Title)
		}
		if got.Category == nil || got.Category.Name != "Accounts" {
			t.Errorf("category %+v, want Accounts", got.Category)
		}
		if !strings.Contains(got.Body, "Step one: open the page.") || strings.ContainsAny(got.Body, "\x08\x7f") {
			t.Errorf("body %q: want backspace and DEL removed", got.Body)
		}

		u, err := a.Accounts.UserByEmail(ctx, "ctl@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Con[1mtrol" {
			t.Errorf("name %q, want the escape character removed", u.Name)
		}
		if _, err := a.Accounts.Login(ctx, "ctl@example.com", "a long agent password", "127.0.0.1"); err != nil {
			t.Errorf("the password as the (cleaned) login form sends it does not log in: %v", err)
		}
	})
}
