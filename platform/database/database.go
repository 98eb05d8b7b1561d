// Package database opens the SQL database behind Frontdesk, SQLite embedded
// or PostgreSQL, and applies the schema migrations.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/migrate"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/frontdesk/frontdesk/migrations"
)

// Dialect names the SQL flavour of an open database.
func Dialect(db bun.IDB) string {
	if db.Dialect().Name().String() == "pg" {
		return "postgres"
	}
	return "sqlite"
}

// IsPostgres reports whether db talks to PostgreSQL.
func IsPostgres(db bun.IDB) bool { return Dialect(db) == "postgres" }

// Open connects to dialect ("sqlite" or "postgres") at dsn (a file path for
// SQLite, a URL for PostgreSQL) and checks the connection.
//
// SQLite is tuned for a web server: WAL so readers never wait for the writer,
// a busy timeout so concurrent writers queue instead of failing with
// "database is locked", and BEGIN IMMEDIATE for every transaction so a
// read-then-write transaction takes the write lock up front rather than
// failing when it tries to upgrade.
func Open(ctx context.Context, dialect, dsn string) (*bun.DB, error) {
	var db *bun.DB
	switch dialect {
	case "sqlite":
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		pragmas := []string{
			"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)",
			"synchronous(NORMAL)", "cache_size(-16000)",
		}
		q := "?_txlock=immediate&_time_format=sqlite"
		for _, p := range pragmas {
			q += "&_pragma=" + p
		}
		sqldb, err := sql.Open("sqlite", "file:"+dsn+q)
		if err != nil {
			return nil, err
		}
		// Readers run in parallel under WAL; writers serialise on SQLite's
		// lock and wait through busy_timeout.
		sqldb.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
		sqldb.SetMaxIdleConns(max(4, runtime.NumCPU()*2))
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, sqlitedialect.New())
	case "postgres":
		sqldb, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		sqldb.SetMaxOpenConns(20)
		sqldb.SetMaxIdleConns(10)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgdialect.New())
	default:
		return nil, fmt.Errorf("unknown database dialect %q", dialect)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", dialect, err)
	}
	return db, nil
}

func migrator(db *bun.DB) (*migrate.Migrator, error) {
	ms, err := migrations.Load(Dialect(db))
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
	), nil
}

// Migrate applies every pending migration and returns the names it applied.
// Several nodes starting at once are serialised by bun's lock table.
func Migrate(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := migrator(db)
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migrations: %w", err)
	}
	if err := lockWithRetry(ctx, m); err != nil {
		return nil, err
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mg := range group.Migrations {
		names = append(names, mg.Name+"_"+mg.Comment)
	}
	return names, nil
}

func lockWithRetry(ctx context.Context, m *migrate.Migrator) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("migrations are locked by another process: %w", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Pending lists migrations not yet applied; /readyz uses it.
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := migrator(db)
	if err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, mg := range ms.Unapplied() {
		names = append(names, mg.Name)
	}
	return names, nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either dialect, so stores can turn it into a domain error.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Scan runs fn on one connection of the pool and, on SQLite, empties that
// connection's page cache before handing it back. It is for full scans
// (loading a search index's mirror at start): a scan fills the cache it
// runs on to its cache_size, and the next read on that connection after
// any write elsewhere resets it. With the pure-Go SQLite that reset hands
// the pages back to the system one madvise at a time under the allocator's
// global lock, which every other SQLite call then waits on: each search
// reads the change log's head, so the whole server stalled for 200-300 ms
// a few seconds into serving (execution trace: 1,845 madvise calls from
// pager_reset in one stall). Emptying the cache here does the same work
// while the scan's caller is still loading, before the server is ready.
func Scan(ctx context.Context, db *bun.DB, fn func(bun.IDB) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	err = fn(conn)
	if !IsPostgres(db) {
		if _, serr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA shrink_memory"); serr != nil && err == nil {
			err = fmt.Errorf("release the page cache: %w", serr)
		}
	}
	return err
}
