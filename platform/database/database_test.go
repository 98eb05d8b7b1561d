package database_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/dbtest"
)

// TestConcurrentWritesDoNotFail runs many read-then-write transactions at
// once, the pattern that makes a default SQLite setup answer "database is
// locked": every one must succeed, on both backends.
func TestConcurrentWritesDoNotFail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('counter', '0', CURRENT_TIMESTAMP)"); err != nil {
			t.Fatal(err)
		}
		const workers, each = 16, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
						var v string
						q := tx.NewSelect().Table("settings").Column("value").Where("key = 'counter'")
						if database.IsPostgres(tx) {
							q = q.For("UPDATE") // SQLite's BEGIN IMMEDIATE already holds the write lock
						}
						if err := q.Scan(ctx, &v); err != nil {
							return err
						}
						var n int
						fmt.Sscan(v, &n)
						if _, err := tx.ExecContext(ctx, "UPDATE settings SET value = ? WHERE key = 'counter'", fmt.Sprint(n+1)); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, 'x', CURRENT_TIMESTAMP)", fmt.Sprintf("w%d-%d", w, i))
						return err
					})
					if err != nil {
						errs <- err
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent write failed: %v", err)
		}
		var v string
		if err := db.NewSelect().Table("settings").Column("value").Where("key = 'counter'").Scan(ctx, &v); err != nil {
			t.Fatal(err)
		}
		if v != fmt.Sprint(workers*each) {
			t.Fatalf("counter = %s, want %d (lost updates)", v, workers*each)
		}
	})
}

// TestScanRunsOnOneConnection checks what the full scans of the search
// followers rely on: every query of a Scan goes to the same connection (a
// temporary table made by the first is seen by the next, while the pool
// is busy with other readers), fn's error comes back, and the connection
// returns to the pool usable after its page cache is emptied.
func TestScanRunsOnOneConnection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		err := database.Scan(ctx, db, func(c bun.IDB) error {
			if _, err := c.ExecContext(ctx, "CREATE TEMPORARY TABLE scan_probe (n INTEGER)"); err != nil {
				return err
			}
			for i := 0; i < 20; i++ {
				var wg sync.WaitGroup
				for k := 0; k < 4; k++ { // keep other connections busy meanwhile
					wg.Add(1)
					go func() {
						defer wg.Done()
						var n int
						_ = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings").Scan(&n)
					}()
				}
				if _, err := c.ExecContext(ctx, "INSERT INTO scan_probe (n) VALUES (?)", i); err != nil {
					return fmt.Errorf("insert %d on the scan's connection: %w", i, err)
				}
				wg.Wait()
			}
			var n int
			if err := c.QueryRowContext(ctx, "SELECT COUNT(*) FROM scan_probe").Scan(&n); err != nil {
				return err
			}
			if n != 20 {
				return fmt.Errorf("the scan's connection holds %d probe rows, want 20", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := fmt.Errorf("boom")
		if err := database.Scan(ctx, db, func(bun.IDB) error { return boom }); err != boom {
			t.Fatalf("Scan returned %v, want fn's error", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings").Scan(&n); err != nil {
			t.Fatalf("the pool after Scan: %v", err)
		}
	})
}
