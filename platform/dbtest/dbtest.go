// Package dbtest gives store and HTTP tests a fresh, migrated database on
// every backend Frontdesk supports: a temp SQLite file always, and a
// PostgreSQL database when FRONTDESK_TEST_PG_URL names a server (make test
// starts one). With FRONTDESK_TEST_STRICT=1 a missing server fails the test
// instead of skipping it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
)

// Backend is one database a test runs on.
type Backend struct {
	Name string // "sqlite" or "postgres"
	// URL is the --db value for this database (sqlite://… or postgres://…).
	URL string
	// Dialect and DSN are what database.Open takes.
	Dialect, DSN string
}

// Strict reports whether tests must fail rather than skip when a service
// they need is missing.
func Strict() bool { return os.Getenv("FRONTDESK_TEST_STRICT") == "1" }

// RequireService skips (or, in strict mode, fails) the test when a service
// is unavailable, naming what is missing.
func RequireService(t testing.TB, what string) {
	t.Helper()
	if Strict() {
		t.Fatalf("%s is required (FRONTDESK_TEST_STRICT=1): run the tests through 'make test'", what)
	}
	t.Skipf("%s not available; 'make test' starts it", what)
}

// Each runs fn once per backend as a subtest, each with its own fresh,
// fully migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	EachBackend(t, func(t *testing.T, b Backend) {
		fn(t, Open(t, b))
	})
}

// EachBackend runs fn per backend with a fresh database that is created but
// not opened, for tests that start a whole app on it.
func EachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh SQLite database file under t.TempDir().
func SQLite(t testing.TB) Backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	return Backend{Name: "sqlite", URL: "sqlite://" + path, Dialect: "sqlite", DSN: path}
}

// Postgres returns a fresh PostgreSQL database, copied from a migrated
// template so each test starts in milliseconds, dropped at cleanup.
func Postgres(t testing.TB) Backend {
	t.Helper()
	admin := os.Getenv("FRONTDESK_TEST_PG_URL")
	if admin == "" {
		RequireService(t, "PostgreSQL (FRONTDESK_TEST_PG_URL)")
	}
	tmpl, err := pgTemplate(admin)
	if err != nil {
		t.Fatalf("postgres template: %v", err)
	}
	name := "fdtest_" + randHex(6)
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adb.Close()
	if _, err := adb.Exec(fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer adb.Close()
		_, _ = adb.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	u := withDB(admin, name)
	return Backend{Name: "postgres", URL: u, Dialect: "postgres", DSN: u}
}

// Open opens b, migrates it and closes it at cleanup.
func Open(t testing.TB, b Backend) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, b.Dialect, b.DSN)
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate %s: %v", b.Name, err)
	}
	return db
}

var (
	tmplOnce sync.Once
	tmplName string
	tmplErr  error
)

// pgTemplate migrates one template database per test process; every test
// database is a copy of it.
func pgTemplate(admin string) (string, error) {
	tmplOnce.Do(func() {
		name := "fdtmpl_" + randHex(6)
		adb, err := sql.Open("pgx", admin)
		if err != nil {
			tmplErr = err
			return
		}
		defer adb.Close()
		if _, err := adb.Exec("CREATE DATABASE " + name); err != nil {
			tmplErr = err
			return
		}
		ctx := context.Background()
		db, err := database.Open(ctx, "postgres", withDB(admin, name))
		if err != nil {
			tmplErr = err
			return
		}
		_, tmplErr = database.Migrate(ctx, db)
		db.Close()
		tmplName = name
	})
	return tmplName, tmplErr
}

func withDB(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + name
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
