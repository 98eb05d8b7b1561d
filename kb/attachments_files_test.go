package kb_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/app"
	"github.com/frontdesk/frontdesk/app/apptest"
	"github.com/frontdesk/frontdesk/kb"
	"github.com/frontdesk/frontdesk/migrations"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/dbtest"
	"github.com/frontdesk/frontdesk/platform/web"
)

// migrateBefore brings an empty database to the schema as it was before
// migration name (KB attachment bytes still in kb_attachments.data).
func migrateBefore(t *testing.T, b dbtest.Backend, name string) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, b.Dialect, b.DSN)
	if err != nil {
		t.Fatal(err)
	}
	if b.Dialect == "postgres" {
		// Test databases are copies of a fully migrated template: start over.
		if _, err := db.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
			t.Fatal(err)
		}
	}
	all, err := migrations.Load(b.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	older := migrate.NewMigrations()
	for _, m := range all.Sorted() {
		if m.Name < name {
			older.Add(m)
		}
	}
	m := migrate.NewMigrator(db, older, migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"), migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

type oldAttachment struct {
	id         int64
	name, ct   string
	data       []byte
	articleURL string
}

// seedOldAttachments stores a published article with files the way the
// editor did before the file store: bytes in kb_attachments.data. Two
// rows share their bytes; one file is larger than a store chunk.
func seedOldAttachments(t *testing.T, db *bun.DB) []oldAttachment {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	art := &kb.Article{Slug: "with-files", Title: "With files", Body: "x", Status: kb.StatusPublished,
		Revision: 1, CreatedAt: now, UpdatedAt: now, PublishedAt: &now}
	if _, err := db.NewInsert().Model(art).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 2<<20+12345)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	copy(big, "\x89PNG\r\n\x1a\n")
	files := []oldAttachment{
		{name: "big.png", ct: "image/png", data: big},
		{name: "notes.txt", ct: "text/plain", data: []byte("plain notes\n")},
		{name: "same-notes.txt", ct: "text/plain", data: []byte("plain notes\n")},
	}
	for i := range files {
		f := &files[i]
		sum := sha256.Sum256(f.data)
		err := db.NewRaw("INSERT INTO kb_attachments (article_id, filename, content_type, size, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			art.ID, f.name, f.ct, len(f.data), hex.EncodeToString(sum[:]), f.data, now).Scan(ctx, &f.id)
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// agentClient logs a new agent in.
func agentClient(t *testing.T, a *app.App) *apptest.Client {
	return agentClientAs(t, a, identity.RoleAgent)
}

// agentClientAs logs a new user with role in.
func agentClientAs(t *testing.T, a *app.App, role identity.Role) *apptest.Client {
	t.Helper()
	ctx := context.Background()
	u, err := a.Accounts.CreateUser(ctx, accounts.CreateUserInput{Email: string(role) + "@example.com", Name: "Ada Agent",
		Password: "a long password for tests", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := a.Accounts.CreateSession(ctx, u, false, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c := apptest.NewClient(t, a)
	c.SetCookie(accounts.SessionCookie, secret)
	return c
}

// upload posts a file the way the editor's form does.
func upload(t *testing.T, c *apptest.Client, articleID int64, name string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField(web.CSRFField, c.CSRF())
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("/agent/kb/%d/attachments", articleID), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("HX-Request", "true")
	resp := c.Do(req)
	if body := apptest.Body(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload %s = %d:\n%s", name, resp.StatusCode, body)
	}
}

// TestAttachmentsMoveToTheFileStore: files attached before migration 0006
// are served unchanged after it, from the database and with --files-dir,
// on SQLite and PostgreSQL; the old bytes column is gone; a new upload is
// stored by the file store and downloads byte for byte.
func TestAttachmentsMoveToTheFileStore(t *testing.T) {
	dbtest.EachBackend(t, func(t *testing.T, b dbtest.Backend) {
		for _, backend := range []string{"db", "dir"} {
			t.Run(backend, func(t *testing.T) {
				if b.Dialect == "postgres" {
					b = dbtest.Postgres(t) // a fresh database per store backend
				} else {
					b = dbtest.SQLite(t)
				}
				db := migrateBefore(t, b, "0006")
				old := seedOldAttachments(t, db)
				db.Close()

				filesDir := ""
				if backend == "dir" {
					filesDir = t.TempDir()
				}
				a := apptest.New(t, b, func(c *app.Config) { c.FilesDir = filesDir })
				ctx := context.Background()
				if _, err := a.DB.NewRaw("SELECT data FROM kb_attachments").Exec(ctx); err == nil {
					t.Error("kb_attachments.data still exists after the migration")
				}
				if n, err := a.DB.NewSelect().Table("file_blobs").Count(ctx); err != nil || n != 2 {
					t.Errorf("file_blobs = %d, %v; want 2 (two files share their bytes)", n, err)
				}

				anon := apptest.NewClient(t, a)
				for _, f := range old {
					resp := anon.Get(fmt.Sprintf("/kb/files/%d/%s", f.id, f.name))
					got := apptest.Body(t, resp)
					if resp.StatusCode != http.StatusOK || got != string(f.data) {
						t.Fatalf("%s after the migration = %d, %d bytes; want 200 with its %d bytes", f.name, resp.StatusCode, len(got), len(f.data))
					}
					if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, f.ct) {
						t.Errorf("%s Content-Type = %q", f.name, ct)
					}
				}
				// A range inside the large file's single migrated chunk.
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("/kb/files/%d/big.png", old[0].id), nil)
				req.Header.Set("Range", "bytes=2097152-2097161")
				resp := anon.Do(req)
				if got := apptest.Body(t, resp); resp.StatusCode != http.StatusPartialContent || got != string(old[0].data[2097152:2097162]) {
					t.Errorf("range of the migrated file = %d %q", resp.StatusCode, got)
				}

				// Upload → download through the file store.
				var articleID int64
				if err := a.DB.NewSelect().Table("kb_articles").Column("id").Where("slug = 'with-files'").Scan(ctx, &articleID); err != nil {
					t.Fatal(err)
				}
				agent := agentClient(t, a)
				fresh := append([]byte("new notes, uploaded after the move\n"), bytes.Repeat([]byte("line\n"), 300_000)...)
				upload(t, agent, articleID, "fresh.txt", fresh)
				var att kb.Attachment
				if err := a.DB.NewSelect().Model(&att).Where("filename = 'fresh.txt'").Scan(ctx); err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(fresh)
				if att.SHA256 != hex.EncodeToString(sum[:]) || att.Size != int64(len(fresh)) {
					t.Errorf("stored %s/%d, want the upload's sha256 and size", att.SHA256, att.Size)
				}
				resp = anon.Get(fmt.Sprintf("/kb/files/%d/fresh.txt", att.ID))
				if got := apptest.Body(t, resp); resp.StatusCode != http.StatusOK || got != string(fresh) {
					t.Fatalf("download of the upload = %d, %d bytes", resp.StatusCode, len(got))
				}
				if backend == "dir" {
					if _, err := os.Stat(filepath.Join(filesDir, att.SHA256[:2], att.SHA256[2:4], att.SHA256)); err != nil {
						t.Errorf("upload not in --files-dir: %v", err)
					}
				} else if n, _ := a.DB.NewSelect().Table("file_chunks").Where("sha256 = ?", att.SHA256).Count(ctx); n != 2 {
					t.Errorf("upload stored in %d chunks, want 2 (1 MiB each)", n)
				}
			})
		}
	})
}
