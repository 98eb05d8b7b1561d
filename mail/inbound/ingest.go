package inbound

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/settings"
)

// Deliverer turns a parsed message into tickets (implemented by the tickets
// domain, wired in app). It runs inside the ingestion transaction tx,
// which also writes the log row and the raw message: a failed delivery
// rolls everything back and the message is logged as failed.
type Deliverer interface {
	Deliver(ctx context.Context, tx bun.IDB, m *Message) (Outcome, error)
}

// Outcome is what the deliverer did.
type Outcome struct {
	Decision     Decision // new_ticket, reply, auto_reply, bounce, ignored or flagged
	Reason       string   // which header, token or address matched
	TicketNumber int64    // 0 when none
	AutoAnswered bool     // an automatic email (acknowledgement) was queued
}

// IngesterDeps is what an Ingester needs.
type IngesterDeps struct {
	DB        *bun.DB
	Files     *files.Store
	Deliverer Deliverer
	Classify  ClassifyOptions
	// AutoAnswerLimit caps the automatic emails one sender gets per hour
	// (default 5); the admin's setting (SettingAutoAnswerLimit in
	// Settings, when given) overrides it.
	AutoAnswerLimit int
	Settings        *settings.Store
	// MaxSize is the largest raw message kept (default 64 MiB); a larger
	// one is logged as failed with its headers.
	MaxSize int64
	Now     func() time.Time
	Log     *slog.Logger
}

// Ingester stores, classifies and delivers raw messages, one transaction
// each, and keeps the ingestion log.
type Ingester struct{ deps IngesterDeps }

// NewIngester returns an Ingester.
func NewIngester(deps IngesterDeps) *Ingester {
	if deps.AutoAnswerLimit <= 0 {
		deps.AutoAnswerLimit = DefaultAutoAnswerLimit
	}
	if deps.MaxSize <= 0 {
		deps.MaxSize = 64 << 20
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	return &Ingester{deps: deps}
}

// Item is one raw message to ingest: where it came from and its bytes
// (spooled to disk by the fetcher, so its size costs no memory before
// parsing).
type Item struct {
	Mailbox     string
	UIDValidity int64
	UID         int64
	Raw         io.ReadSeeker
}

// Result says what Ingest did.
type Result struct {
	LogID     int64
	Decision  Decision
	Duplicate bool // already ingested (same UID, or same Message-ID / content): nothing added
}

// Ingest stores and delivers one message in one transaction (log row, raw
// message, dedupe keys, mailbox position and whatever the deliverer
// writes). A delivery error is not returned: the message is logged as
// failed (raw kept, for re-processing) and the fetcher moves on. Only
// errors that leave the message unrecorded (database down) are returned,
// and then nothing was committed.
func (in *Ingester) Ingest(ctx context.Context, it Item) (Result, error) {
	db := in.deps.DB
	ukey := uidKey(it.Mailbox, it.UIDValidity, it.UID)
	if id, err := seenLog(ctx, db, ukey); err != nil {
		return Result{}, err
	} else if id != 0 {
		return Result{LogID: id, Duplicate: true}, nil
	}
	sum, size, err := hashRaw(it.Raw)
	if err != nil {
		return Result{}, err
	}
	m := Parse(it.Raw)
	m.Class = Classify(m, nil, in.deps.Classify)
	if m.Class.Kind == KindBounce || m.Class.Kind == KindAutoReply {
		// Report parts are read precisely from the raw message.
		if raw, err := readAllFrom(it.Raw, 8<<20); err == nil {
			m.Class = Classify(m, raw, in.deps.Classify)
		}
	}
	m.Mailbox, m.UID, m.RawSize = it.Mailbox, it.UID, size
	mkey := messageKey(m.MessageID, sum)

	var res Result
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if id, err := seenLog(ctx, tx, ukey, mkey); err != nil {
			return err
		} else if id != 0 {
			res = Result{LogID: id, Duplicate: true}
			if err := markSeen(ctx, tx, id, in.now(), ukey); err != nil {
				return err
			}
			return advanceMailbox(ctx, tx, it, in.now(), false)
		}
		blob, err := in.putRaw(ctx, tx, it.Raw, size)
		if err != nil {
			return err
		}
		m.RawSHA256 = blob.SHA256
		entry, err := in.decide(ctx, tx, m)
		if err != nil {
			return err
		}
		in.fillEntry(entry, m, it)
		if _, err := tx.NewInsert().Model(entry).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("mail inbound: log: %w", err)
		}
		if err := markSeen(ctx, tx, entry.ID, in.now(), ukey, mkey); err != nil {
			return err
		}
		res = Result{LogID: entry.ID, Decision: entry.Decision}
		return advanceMailbox(ctx, tx, it, in.now(), true)
	})
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return Result{}, err
	}
	// Delivery (or storing) failed: record the failure with the raw
	// message, so nothing is lost and an admin can re-process it.
	in.deps.Log.Warn("inbound mail failed", "mailbox", it.Mailbox, "uid", it.UID, "message_id", m.MessageID, "err", err)
	failure := err
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		entry := &LogEntry{Decision: DecisionFailed, Reason: "delivery failed: " + failure.Error()}
		if blob, err := in.putRaw(ctx, tx, it.Raw, size); err == nil {
			entry.RawSHA256 = blob.SHA256
		} else {
			entry.Reason += "; raw message not kept: " + err.Error()
		}
		in.fillEntry(entry, m, it)
		if _, err := tx.NewInsert().Model(entry).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("mail inbound: log: %w", err)
		}
		// Only the UID is marked: the same message delivered again (or
		// re-processed) may still succeed.
		if err := markSeen(ctx, tx, entry.ID, in.now(), ukey); err != nil {
			return err
		}
		res = Result{LogID: entry.ID, Decision: DecisionFailed}
		return advanceMailbox(ctx, tx, it, in.now(), true)
	})
	return res, err
}

// decide runs the classification's consequences: our own mail, spam
// complaints and read receipts are logged and dropped here; everything
// else goes to the deliverer.
func (in *Ingester) decide(ctx context.Context, tx bun.IDB, m *Message) (*LogEntry, error) {
	switch m.Class.Kind {
	case KindOwn:
		return &LogEntry{Decision: DecisionIgnored, Reason: "our own mail (" + m.Class.Reason + ")"}, nil
	case KindComplaint:
		return &LogEntry{Decision: DecisionIgnored, Reason: "spam complaint: " + m.Class.Reason}, nil
	case KindReceipt:
		return &LogEntry{Decision: DecisionIgnored, Reason: "read receipt: " + m.Class.Reason}, nil
	}
	if m.Class.Kind == KindPersonal && m.FromAddress() != "" {
		n, err := autoAnsweredSince(ctx, tx, m.FromAddress(), in.now().Add(-time.Hour))
		if err != nil {
			return nil, err
		}
		m.MayAutoAnswer = n < int64(AutoAnswerLimit(ctx, in.deps.Settings, in.deps.AutoAnswerLimit))
	}
	if in.deps.Deliverer == nil {
		return nil, errors.New("no deliverer is configured")
	}
	out, err := in.deps.Deliverer.Deliver(ctx, tx, m)
	if err != nil {
		return nil, err
	}
	if out.Decision == "" || out.Decision == DecisionFailed {
		return nil, fmt.Errorf("deliverer gave no decision (%q)", out.Reason)
	}
	e := &LogEntry{Decision: out.Decision, Reason: out.Reason, AutoAnswered: out.AutoAnswered && m.MayAutoAnswer}
	if out.TicketNumber > 0 {
		n := out.TicketNumber
		e.TicketNumber = &n
	}
	return e, nil
}

func (in *Ingester) fillEntry(e *LogEntry, m *Message, it Item) {
	now := in.now()
	e.Mailbox, e.UIDValidity, e.UID = it.Mailbox, it.UIDValidity, it.UID
	if m.MessageID != "" {
		id := m.MessageID
		e.MessageID = &id
	}
	e.FromAddress = truncate(m.FromAddress(), 320)
	e.Subject = truncate(m.Subject, 500)
	e.RawSize = m.RawSize
	if e.RawSHA256 == "" {
		e.RawSHA256 = m.RawSHA256
	}
	e.Attempts = 1
	e.CreatedAt, e.UpdatedAt = now, now
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xc0 != 0x80 }

func (in *Ingester) now() time.Time { return in.deps.Now().UTC().Truncate(time.Microsecond) }

// gzips are reused (a new gzip.Writer allocates ~1 MB of tables).
var gzips = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

// putRaw stores the raw message gzip-compressed (BestSpeed) in the file
// store: compressed in memory when small (most mail), streamed through a
// pipe otherwise, so a large message never sits in memory.
func (in *Ingester) putRaw(ctx context.Context, tx bun.IDB, raw io.ReadSeeker, size int64) (files.Blob, error) {
	if _, err := raw.Seek(0, io.SeekStart); err != nil {
		return files.Blob{}, err
	}
	if size >= 0 && size < 4<<20 {
		var buf bytes.Buffer
		buf.Grow(int(size/2) + 512)
		gz := gzips.Get().(*gzip.Writer)
		gz.Reset(&buf)
		_, err := io.Copy(gz, raw)
		if err == nil {
			err = gz.Close()
		}
		gzips.Put(gz)
		if err != nil {
			return files.Blob{}, fmt.Errorf("mail inbound: compress raw message: %w", err)
		}
		blob, err := in.deps.Files.Put(ctx, tx, &buf, in.deps.MaxSize)
		if err != nil {
			return files.Blob{}, fmt.Errorf("mail inbound: keep raw message: %w", err)
		}
		return blob, nil
	}
	pr, pw := io.Pipe()
	go func() {
		gz, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		_, err := io.Copy(gz, raw)
		if err == nil {
			err = gz.Close()
		}
		pw.CloseWithError(err)
	}()
	blob, err := in.deps.Files.Put(ctx, tx, pr, in.deps.MaxSize)
	pr.CloseWithError(errors.New("stopped"))
	if err != nil {
		return files.Blob{}, fmt.Errorf("mail inbound: keep raw message: %w", err)
	}
	return blob, nil
}

// advanceMailbox moves the mailbox's last UID forward in the ingestion
// transaction, so the position commits with the message.
func advanceMailbox(ctx context.Context, tx bun.IDB, it Item, now time.Time, fetched bool) error {
	if it.Mailbox == "" || it.UID == 0 {
		return nil
	}
	q := tx.NewUpdate().Model((*MailboxState)(nil)).
		Set("last_uid = CASE WHEN last_uid < ? THEN ? ELSE last_uid END", it.UID, it.UID).
		Set("updated_at = ?", now).
		Where("name = ? AND uid_validity = ?", it.Mailbox, it.UIDValidity)
	if fetched {
		q = q.Set("fetched = fetched + 1")
	}
	_, err := q.Exec(ctx)
	return err
}

func hashRaw(r io.ReadSeeker) (string, int64, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	_, err = r.Seek(0, io.SeekStart)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func readAllFrom(r io.ReadSeeker, max int64) ([]byte, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r, max))
}

// OpenRaw returns the raw message stored under sha (decompressed).
func OpenRaw(ctx context.Context, db bun.IDB, store *files.Store, sha string) (io.ReadCloser, error) {
	f, err := store.Open(ctx, db, sha)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, f}, nil
}

// Reprocess delivers a failed message again from its stored raw copy and
// updates its log row; it answers the new decision.
func (in *Ingester) Reprocess(ctx context.Context, logID int64) (Decision, error) {
	db := in.deps.DB
	e, err := GetLog(ctx, db, logID)
	if err != nil {
		return "", err
	}
	if e.Decision != DecisionFailed {
		return e.Decision, fmt.Errorf("message %d was not failed (%s)", logID, e.Decision)
	}
	if e.RawSHA256 == "" {
		return e.Decision, errors.New("the raw message was not kept")
	}
	tmp, err := os.CreateTemp("", "frontdesk-reprocess-*")
	if err != nil {
		return "", err
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	rc, err := OpenRaw(ctx, db, in.deps.Files, e.RawSHA256)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(tmp, rc)
	rc.Close()
	if err != nil {
		return "", err
	}
	raw, _ := readAllFrom(tmp, 8<<20)
	m := Parse(tmp)
	m.Class = Classify(m, raw, in.deps.Classify)
	m.Mailbox, m.UID, m.RawSize, m.RawSHA256 = e.Mailbox, e.UID, e.RawSize, e.RawSHA256
	var decision Decision
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if id, err := seenLog(ctx, tx, messageKey(m.MessageID, "")); err != nil {
			return err
		} else if id != 0 && m.MessageID != "" && id != e.ID {
			return fmt.Errorf("the same Message-ID was ingested since (log %d)", id)
		}
		out, err := in.decide(ctx, tx, m)
		if err != nil {
			return err
		}
		decision = out.Decision
		_, err = tx.NewUpdate().Model((*LogEntry)(nil)).
			Set("decision = ?", out.Decision).Set("reason = ?", "re-processed: "+out.Reason).
			Set("ticket_number = ?", out.TicketNumber).Set("auto_answered = ?", out.AutoAnswered).
			Set("attempts = attempts + 1").Set("updated_at = ?", in.now()).
			Where("id = ? AND decision = ?", e.ID, DecisionFailed).Exec(ctx)
		if err != nil {
			return err
		}
		if m.MessageID != "" {
			return markSeen(ctx, tx, e.ID, in.now(), messageKey(m.MessageID, ""))
		}
		return nil
	})
	if err != nil {
		_, _ = db.NewUpdate().Model((*LogEntry)(nil)).
			Set("reason = ?", "re-processing failed: "+err.Error()).
			Set("attempts = attempts + 1").Set("updated_at = ?", in.now()).
			Where("id = ?", e.ID).Exec(ctx)
		return DecisionFailed, err
	}
	return decision, nil
}

// Summary counts one fetch run's outcomes (what `mail fetch --once`
// prints).
type Summary struct {
	Fetched, Duplicates int
	ByDecision          map[Decision]int
}

// Add counts one result.
func (s *Summary) Add(r Result) {
	if s.ByDecision == nil {
		s.ByDecision = map[Decision]int{}
	}
	s.Fetched++
	if r.Duplicate {
		s.Duplicates++
		return
	}
	s.ByDecision[r.Decision]++
}

// String: "fetched 12, new tickets 3, replies 5, auto-replies 1, bounces 1, flagged 1, failed 0 (ignored 1, duplicates 0)".
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fetched %d, new tickets %d, replies %d, auto-replies %d, bounces %d, flagged %d, failed %d (ignored %d, duplicates %d)",
		s.Fetched, s.ByDecision[DecisionNewTicket], s.ByDecision[DecisionReply], s.ByDecision[DecisionAutoReply],
		s.ByDecision[DecisionBounce], s.ByDecision[DecisionFlagged], s.ByDecision[DecisionFailed],
		s.ByDecision[DecisionIgnored], s.Duplicates)
	return b.String()
}
