package inbound

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Decision is what became of an inbound message (the ingestion log's
// "decision").
type Decision string

// Decisions, as served by GET /api/v1/mail/log.
const (
	DecisionNewTicket Decision = "new_ticket"
	DecisionReply     Decision = "reply"
	DecisionAutoReply Decision = "auto_reply"
	DecisionBounce    Decision = "bounce"
	DecisionIgnored   Decision = "ignored"
	DecisionFlagged   Decision = "flagged"
	DecisionFailed    Decision = "failed"
)

// Decisions lists every decision in display order.
var Decisions = []Decision{DecisionNewTicket, DecisionReply, DecisionAutoReply, DecisionBounce, DecisionIgnored, DecisionFlagged, DecisionFailed}

// LogEntry is one row of the ingestion log.
type LogEntry struct {
	bun.BaseModel `bun:"table:mail_inbound_log"`

	ID           int64     `bun:"id,pk,autoincrement"`
	Mailbox      string    `bun:"mailbox,notnull"`
	UIDValidity  int64     `bun:"uid_validity,notnull"`
	UID          int64     `bun:"uid,notnull"`
	MessageID    *string   `bun:"message_id"`
	FromAddress  string    `bun:"from_address,notnull"`
	Subject      string    `bun:"subject,notnull"`
	Decision     Decision  `bun:"decision,notnull"`
	Reason       string    `bun:"reason,notnull"`
	TicketNumber *int64    `bun:"ticket_number"`
	AutoAnswered bool      `bun:"auto_answered,notnull"`
	RawSHA256    string    `bun:"raw_sha256,notnull"`
	RawSize      int64     `bun:"raw_size,notnull"`
	Attempts     int       `bun:"attempts,notnull"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// MailboxState is the fetcher's row for one mailbox.
type MailboxState struct {
	bun.BaseModel `bun:"table:mail_inbound_mailboxes"`

	ID          int64      `bun:"id,pk,autoincrement"`
	Name        string     `bun:"name,notnull"`
	UIDValidity int64      `bun:"uid_validity,notnull"`
	LastUID     int64      `bun:"last_uid,notnull"`
	State       string     `bun:"state,notnull"`
	LastCheckAt *time.Time `bun:"last_check_at"`
	LastError   string     `bun:"last_error,notnull"`
	LastErrorAt *time.Time `bun:"last_error_at"`
	Fetched     int64      `bun:"fetched,notnull"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull"`
}

type seenKey struct {
	bun.BaseModel `bun:"table:mail_inbound_seen"`

	Key       string    `bun:"key,pk"`
	LogID     int64     `bun:"log_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Mailbox states.
const (
	StateStarting     = "starting"
	StateConnected    = "connected"
	StateIdle         = "idle"
	StatePolling      = "polling"
	StateDisconnected = "disconnected"
	StateStandby      = "standby" // another node holds the fetcher lock
)

func uidKey(mailbox string, validity, uid int64) string {
	return fmt.Sprintf("uid:%s:%d:%d", mailbox, validity, uid)
}

// messageKey is the content dedupe key: the Message-ID (case-insensitive,
// without brackets) or the raw message's SHA-256 when it has none.
func messageKey(messageID, rawSHA string) string {
	id := strings.ToLower(strings.Trim(strings.TrimSpace(messageID), "<>"))
	if id != "" {
		if len(id) > 1000 {
			id = id[:1000]
		}
		return "mid:" + id
	}
	return "sha:" + rawSHA
}

// seenLog returns the log id recorded under any of keys, or 0.
func seenLog(ctx context.Context, db bun.IDB, keys ...string) (int64, error) {
	var row seenKey
	err := db.NewSelect().Model(&row).Where("key IN (?)", bun.In(keys)).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return row.LogID, err
}

func markSeen(ctx context.Context, db bun.IDB, logID int64, now time.Time, keys ...string) error {
	rows := make([]seenKey, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			rows = append(rows, seenKey{Key: k, LogID: logID, CreatedAt: now})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&rows).On("CONFLICT (key) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("mail inbound: record %v: %w", keys, err)
	}
	return nil
}

// loadMailbox returns the state row for name, creating it.
func loadMailbox(ctx context.Context, db bun.IDB, name string, now time.Time) (*MailboxState, error) {
	st := &MailboxState{}
	err := db.NewSelect().Model(st).Where("name = ?", name).Scan(ctx)
	if err == nil {
		return st, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	st = &MailboxState{Name: name, State: StateStarting, UpdatedAt: now}
	if _, err := db.NewInsert().Model(st).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return nil, err
	}
	err = db.NewSelect().Model(st).Where("name = ?", name).Scan(ctx)
	return st, err
}

// Mailboxes lists every mailbox the fetcher has seen.
func Mailboxes(ctx context.Context, db bun.IDB) ([]MailboxState, error) {
	var out []MailboxState
	err := db.NewSelect().Model(&out).Order("name").Scan(ctx)
	return out, err
}

// LogFilter narrows ListLog.
type LogFilter struct {
	Decision Decision
	BeforeID int64 // cursor: entries older than this id
	Limit    int
}

// ListLog returns ingestion log entries, newest first, and the cursor of
// the next page (0 when none).
func ListLog(ctx context.Context, db bun.IDB, f LogFilter) ([]LogEntry, int64, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []LogEntry
	q := db.NewSelect().Model(&out).Order("id DESC").Limit(int64(f.Limit + 1))
	if f.Decision != "" {
		q = q.Where("decision = ?", f.Decision)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// GetLog loads one entry.
func GetLog(ctx context.Context, db bun.IDB, id int64) (*LogEntry, error) {
	e := &LogEntry{}
	err := db.NewSelect().Model(e).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return e, err
}

// ErrNotFound: no such log entry.
var ErrNotFound = errors.New("mail inbound: not found")

// CountDecisions counts log entries per decision.
func CountDecisions(ctx context.Context, db bun.IDB) (map[Decision]int, error) {
	var rows []struct {
		Decision Decision `bun:"decision"`
		N        int      `bun:"n"`
	}
	err := db.NewSelect().Table("mail_inbound_log").ColumnExpr("decision, COUNT(*) AS n").Group("decision").Scan(ctx, &rows)
	out := map[Decision]int{}
	for _, r := range rows {
		out[r.Decision] = r.N
	}
	return out, err
}

// autoAnsweredSince counts the automatic emails we sent to addr since t.
func autoAnsweredSince(ctx context.Context, db bun.IDB, addr string, t time.Time) (int64, error) {
	return db.NewSelect().Table("mail_inbound_log").
		Where("from_address = ? AND auto_answered = ? AND created_at >= ?", addr, true, t).Count(ctx)
}
