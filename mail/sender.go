package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// SenderDeps is what a Sender needs.
type SenderDeps struct {
	DB     *bun.DB
	Mailer Mailer
	// Outbox supplies wake-ups after commits (may be nil: poll only).
	Outbox *Outbox
	// From is the envelope and header From address; FromName, when set,
	// returns its display name (the brand name) at send time.
	From     string
	FromName func(ctx context.Context) string
	Log      *slog.Logger
	// Registerer receives the sent/failed/retried counters (nil: none).
	Registerer prometheus.Registerer

	Poll        time.Duration                   // how often to look for due mail; default 3s
	Batch       int                             // rows claimed at once; default 10
	MaxAttempts int                             // attempts before a row fails; default 8
	Lease       time.Duration                   // how long a claim lasts; default 5m
	SendTimeout time.Duration                   // the Mailer's bound on one delivery; default 2m
	Backoff     func(attempt int) time.Duration // delay after the n-th failed attempt; default Backoff
	Now         func() time.Time
}

// Sender is the worker that delivers the outbox: it claims due rows (safe
// with any number of senders on one database), sends each through the
// Mailer and records the outcome: sent, retry later with backoff, or failed.
type Sender struct {
	d                     SenderDeps
	sent, failed, retried prometheus.Counter
}

// NewSender returns a sender; register it with the app as a worker.
func NewSender(d SenderDeps) *Sender {
	if d.Poll <= 0 {
		d.Poll = 3 * time.Second
	}
	if d.Batch <= 0 {
		d.Batch = 10
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 8
	}
	if d.SendTimeout <= 0 {
		d.SendTimeout = 2 * time.Minute
	}
	if d.Lease <= d.SendTimeout {
		d.Lease = max(5*time.Minute, 2*d.SendTimeout)
	}
	if d.Backoff == nil {
		d.Backoff = Backoff
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Sender{d: d}
	s.sent = counter(d.Registerer, "frontdesk_mail_sent_total", "Outbox messages the SMTP server accepted.")
	s.failed = counter(d.Registerer, "frontdesk_mail_failed_total", "Outbox messages given up on (permanent rejection or too many attempts).")
	s.retried = counter(d.Registerer, "frontdesk_mail_retried_total", "Outbox delivery attempts that failed temporarily and were rescheduled.")
	return s
}

func counter(reg prometheus.Registerer, name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(prometheus.Counter); ok {
				return existing
			}
		}
	}
	return c
}

// Backoff is the default retry delay: 30s·2^(n-1), capped at one hour,
// with ±20% jitter so a burst of failures does not retry in lockstep.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// Run sends due mail until ctx is cancelled, waking on Outbox.Wake and
// every Poll otherwise. A database error ends Run (the app restarts it).
func (s *Sender) Run(ctx context.Context) error {
	var wake <-chan struct{}
	if s.d.Outbox != nil {
		wake = s.d.Outbox.Wakeups()
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-t.C:
		}
		for {
			n, err := s.RunOnce(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			if n < s.d.Batch {
				break
			}
		}
		t.Reset(s.d.Poll)
	}
}

// RunOnce claims up to Batch due messages, delivers them and records each
// outcome. It returns how many it claimed.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	rows, err := s.claim(ctx)
	if err != nil {
		return 0, fmt.Errorf("mail: claim outbox rows: %w", err)
	}
	for i := range rows {
		e := &rows[i]
		// Hand back what this worker can no longer send within its lease
		// (slow server) or at all (shutting down), so another sender takes
		// it now instead of both sending it or it waiting for the lease.
		if ctx.Err() != nil || e.LockedUntil == nil || s.d.Now().Add(s.d.SendTimeout).After(*e.LockedUntil) {
			if err := s.release(ctx, rows[i:]); err != nil {
				return len(rows), err
			}
			break
		}
		if err := s.deliver(ctx, e); err != nil {
			return len(rows), err
		}
	}
	return len(rows), nil
}

// release returns claimed, unsent rows to the queue without counting the
// attempt.
func (s *Sender) release(ctx context.Context, rows []Entry) error {
	ids := make([]int64, len(rows))
	for i, e := range rows {
		ids[i] = e.ID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, err := s.d.DB.NewUpdate().Model((*Entry)(nil)).
		Set("status = ?", StatusPending).
		Set("locked_until = NULL").
		Set("attempts = attempts - 1").
		Where("id IN (?)", bun.In(ids)).Where("status = ?", StatusSending).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("mail: release outbox rows: %w", err)
	}
	return nil
}

// claim marks due rows as being sent by this worker until the lease ends,
// in one statement. On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent
// senders take disjoint rows without waiting; SQLite runs one writer at a
// time, so the single UPDATE … RETURNING is already exclusive. A row whose
// lease expired (its sender died mid-send) is claimed again.
func (s *Sender) claim(ctx context.Context) ([]Entry, error) {
	now := s.d.Now().UTC()
	lock := ""
	if s.d.DB.Dialect().Name() == dialect.PG {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []Entry
	err := s.d.DB.NewRaw(`UPDATE mail_outbox
SET status = ?, locked_until = ?, attempts = attempts + 1
WHERE id IN (
  SELECT id FROM mail_outbox
  WHERE (status = ? AND next_attempt_at <= ?) OR (status = ? AND locked_until < ?)
  ORDER BY next_attempt_at, id
  LIMIT ?`+lock+`
)
RETURNING *`,
		StatusSending, now.Add(s.d.Lease),
		StatusPending, now, StatusSending, now,
		s.d.Batch,
	).Scan(ctx, &rows)
	return rows, err
}

func (s *Sender) deliver(ctx context.Context, e *Entry) error {
	from := mail.Address{Address: s.d.From}
	if s.d.FromName != nil {
		from.Name = s.d.FromName(ctx)
	}
	raw, err := Compose(e, from, s.d.Now())
	if err == nil {
		err = s.d.Mailer.Send(ctx, s.d.From, []string{e.ToAddress}, raw)
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down mid-send: the lease expires and another attempt
		// follows; whether this one arrived is unknown.
		return nil
	}
	// Record the outcome even when shutdown began after the server
	// accepted the message, so it is not sent twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.d.Now().UTC()
	q := s.d.DB.NewUpdate().Model((*Entry)(nil)).
		Set("locked_until = NULL").
		Where("id = ?", e.ID).Where("status = ?", StatusSending)
	log := s.d.Log.With("outbox_id", e.ID, "kind", e.Kind, "message_id", e.MessageID, "attempt", e.Attempts)
	switch {
	case err == nil:
		q.Set("status = ?", StatusSent).Set("sent_at = ?", now).Set("last_error = ''")
		s.sent.Inc()
		log.Info("mail sent")
	case IsPermanent(err) || e.Attempts >= s.d.MaxAttempts:
		q.Set("status = ?", StatusFailed).Set("last_error = ?", truncate(err.Error(), 2000))
		s.failed.Inc()
		log.Warn("mail failed", "err", err)
	default:
		next := now.Add(s.d.Backoff(e.Attempts))
		q.Set("status = ?", StatusPending).Set("next_attempt_at = ?", next).Set("last_error = ?", truncate(err.Error(), 2000))
		s.retried.Inc()
		log.Info("mail delivery failed; will retry", "err", err, "next_attempt_at", next)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("mail: record outcome of outbox row %d: %w", e.ID, err)
	}
	return nil
}

// truncate shortens s to about n bytes without splitting a character
// (PostgreSQL rejects invalid UTF-8).
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
