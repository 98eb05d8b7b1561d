// Package audit is the one audit trail of Frontdesk: every domain records
// security- and business-relevant events (logins, role changes, article
// publication, ticket merges, workspace link use, …) through Write, inside
// the transaction of the change it records, so a row exists exactly when
// the change does. It is the only writer of the audit_log table.
package audit

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// MaxDetail is how much of an entry's detail is kept, in characters.
const MaxDetail = 2000

// Entry is one audit-log row.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ActorID    *int64    `bun:"actor_id"`
	ActorEmail string    `bun:"actor_email,notnull"`
	Action     string    `bun:"action,notnull"`
	TargetType string    `bun:"target_type,notnull"`
	TargetID   *int64    `bun:"target_id"`
	Detail     string    `bun:"detail,notnull"`
	IP         string    `bun:"ip,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// Write records e with db (pass the operation's transaction). The detail
// is cut to MaxDetail characters, never inside a UTF-8 sequence.
func Write(ctx context.Context, db bun.IDB, e Entry) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	e.CreatedAt = e.CreatedAt.UTC()
	e.Detail = cut(strings.ToValidUTF8(e.Detail, "\uFFFD"), MaxDetail)
	e.ID = 0
	_, err := db.NewInsert().Model(&e).Exec(ctx)
	return err
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// Filter narrows a listing.
type Filter struct {
	Action     string // exact action, "" for any
	Actor      string // substring of the actor's email
	TargetType string // with TargetID, entries about one object
	TargetID   int64
	Since      time.Time // zero: no bound
	Limit      int       // page size (default 50)
	Offset     int
}

// List returns entries newest first, and whether more follow.
func List(ctx context.Context, db bun.IDB, f Filter) ([]Entry, bool, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var rows []Entry
	q := db.NewSelect().Model(&rows)
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Actor != "" {
		q = q.Where(`LOWER(actor_email) LIKE ? ESCAPE '\'`, likePattern(f.Actor))
	}
	if f.TargetType != "" {
		q = q.Where("target_type = ?", f.TargetType).Where("target_id = ?", f.TargetID)
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since.UTC())
	}
	err := q.OrderExpr("created_at DESC, id DESC").Limit(int64(f.Limit + 1)).Offset(int64(f.Offset)).Scan(ctx)
	more := len(rows) > f.Limit
	if more {
		rows = rows[:f.Limit]
	}
	return rows, more, err
}

// Actions lists the distinct actions in the log, for a filter menu.
func Actions(ctx context.Context, db bun.IDB) ([]string, error) {
	var actions []string
	err := db.NewSelect().Model((*Entry)(nil)).Distinct().Column("action").Order("action").Limit(200).Scan(ctx, &actions)
	return actions, err
}

func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
