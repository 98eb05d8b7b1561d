package mail

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// ErrNotFound is returned for an outbox row that does not exist.
var ErrNotFound = errors.New("mail: outbox message not found")

// ListFilter selects outbox rows for the admin list.
type ListFilter struct {
	Status string // one of the Status values, or "" for all
	Before int64  // only rows with a smaller id (paging); 0 for the newest
	Limit  int    // default 50
}

// List returns outbox rows newest first, without their bodies.
func List(ctx context.Context, db bun.IDB, f ListFilter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var rows []Entry
	q := db.NewSelect().Model(&rows).
		ExcludeColumn("text_body", "html_body").
		OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.Status != "" {
		q.Where("status = ?", f.Status)
	}
	if f.Before > 0 {
		q.Where("id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return rows, nil
}

// CountByStatus returns how many rows have each status.
func CountByStatus(ctx context.Context, db bun.IDB) (map[string]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	err := db.NewSelect().Model((*Entry)(nil)).
		Column("status").ColumnExpr("COUNT(*) AS n").
		Group("status").Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	m := map[string]int{}
	for _, r := range rows {
		m[r.Status] = r.N
	}
	return m, nil
}

// Get returns one outbox row with its bodies.
func Get(ctx context.Context, db bun.IDB, id int64) (*Entry, error) {
	e := new(Entry)
	err := db.NewSelect().Model(e).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return e, err
}

// Retry puts a failed row back in the queue with a fresh set of attempts,
// due now. It reports whether the row was failed (and so requeued).
func Retry(ctx context.Context, db bun.IDB, id int64, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*Entry)(nil)).
		Set("status = ?", StatusPending).
		Set("attempts = 0").
		Set("next_attempt_at = ?", now.UTC()).
		Set("locked_until = NULL").
		Where("id = ?", id).Where("status = ?", StatusFailed).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
