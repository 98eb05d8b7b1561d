package inbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
)

// FetcherConfig is how the fetcher reaches the support mailbox.
type FetcherConfig struct {
	// URL is --imap-url: imap://user:pass@host:143/INBOX (STARTTLS when the
	// server offers it; plain IMAP only with ?tls=none) or
	// imaps://user:pass@host:993/INBOX. ?move=Folder moves processed mail
	// there instead of marking it \Seen.
	URL string
	// BatchSize is how many messages one FETCH asks for (default 50).
	BatchSize int
	// Recheck interrupts IDLE to look again this often (default 2 min):
	// servers and middleboxes lose IDLE notifications.
	Recheck time.Duration
	// Poll is the interval without IDLE (default 30 s).
	Poll time.Duration
	// StallAfter: a fetcher that has not completed a check for this long
	// is stalled (readiness fails, the dashboard warns). Default 10 min.
	StallAfter time.Duration
	// LockRetry is how often a standby node tries to take the fetcher
	// lock over (default 15 s).
	LockRetry time.Duration
}

// FetcherDeps is what a Fetcher needs.
type FetcherDeps struct {
	DB       *bun.DB
	Ingester *Ingester
	Log      *slog.Logger
	Now      func() time.Time
	// AfterCommit, when set (tests), runs after a message's transaction
	// committed and before the IMAP flag: an error stops the run there, as
	// a crash would.
	AfterCommit func(uid int64) error
	// Delivered, when set, is called after each committed message (the
	// benchmark measures delivery-to-visible with it).
	Delivered func(Result)
}

// Fetcher fetches the support mailbox over IMAP and hands every message to
// the Ingester; it is a worker (Run) and a one-shot (FetchOnce).
type Fetcher struct {
	cfg      FetcherConfig
	deps     FetcherDeps
	host     string
	addr     string
	user     string
	pass     string
	mailbox  string
	moveTo   string
	implicit bool // imaps
	plain    bool // ?tls=none
	name     string

	newMail chan struct{}
	// held checks that this fetcher still holds the installation lock
	// (its PostgreSQL session may have died); set while it runs.
	held func(context.Context) error
}

// ParseIMAPURL validates an --imap-url and returns the fetcher for it.
func NewFetcher(cfg FetcherConfig, deps FetcherDeps) (*Fetcher, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("--imap-url: %w", err)
	}
	f := &Fetcher{cfg: cfg, deps: deps, newMail: make(chan struct{}, 1)}
	switch u.Scheme {
	case "imaps":
		f.implicit = true
	case "imap":
	default:
		return nil, fmt.Errorf("--imap-url: scheme %q, want imap or imaps", u.Scheme)
	}
	if u.Hostname() == "" || u.User == nil || u.User.Username() == "" {
		return nil, errors.New("--imap-url: want imap://user:password@host[:port]/Mailbox")
	}
	f.host = u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "993", false: "143"}[f.implicit]
	}
	f.addr = net.JoinHostPort(f.host, port)
	f.user = u.User.Username()
	f.pass, _ = u.User.Password()
	f.mailbox = strings.TrimPrefix(u.Path, "/")
	if f.mailbox == "" {
		f.mailbox = "INBOX"
	}
	q := u.Query()
	f.moveTo = q.Get("move")
	switch q.Get("tls") {
	case "", "starttls":
	case "none":
		if f.implicit {
			return nil, errors.New("--imap-url: tls=none contradicts imaps")
		}
		f.plain = true
	default:
		return nil, fmt.Errorf("--imap-url: tls=%q, want none or starttls", q.Get("tls"))
	}
	f.name = f.user + "@" + f.addr + "/" + f.mailbox
	if f.cfg.BatchSize <= 0 {
		f.cfg.BatchSize = 50
	}
	if f.cfg.Recheck <= 0 {
		f.cfg.Recheck = 2 * time.Minute
	}
	if f.cfg.Poll <= 0 {
		f.cfg.Poll = 30 * time.Second
	}
	if f.cfg.StallAfter <= 0 {
		f.cfg.StallAfter = 10 * time.Minute
	}
	if f.cfg.LockRetry <= 0 {
		f.cfg.LockRetry = 15 * time.Second
	}
	if f.deps.Log == nil {
		f.deps.Log = slog.New(slog.DiscardHandler)
	}
	if f.deps.Now == nil {
		f.deps.Now = time.Now
	}
	return f, nil
}

// Mailbox names the fetched mailbox as the log shows it
// (user@host:port/Mailbox).
func (f *Fetcher) Mailbox() string { return f.name }

// dial connects and logs in: TLS for imaps, STARTTLS when the server
// offers it, plain only when the URL says tls=none.
func (f *Fetcher) dial() (*imapclient.Client, error) {
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: f.host, MinVersion: tls.VersionTLS12},
		Dialer:    &net.Dialer{Timeout: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case f.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	var err error
	if f.implicit {
		c, err = imapclient.DialTLS(f.addr, opts)
	} else {
		c, err = imapclient.DialInsecure(f.addr, opts)
		if err == nil {
			if err = c.WaitGreeting(); err == nil && c.Caps().Has(imap.CapStartTLS) {
				c.Close()
				c, err = imapclient.DialStartTLS(f.addr, opts)
			} else if err == nil && !f.plain {
				c.Close()
				return nil, fmt.Errorf("%s offers no STARTTLS; add ?tls=none to the --imap-url to use plain IMAP", f.addr)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", f.addr, err)
	}
	if err := c.Login(f.user, f.pass).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login to %s as %s: %w", f.addr, f.user, err)
	}
	return c, nil
}

// lock takes the installation-wide fetcher lock: a PostgreSQL session
// advisory lock held on its own connection (another node takes over when
// this one dies), an in-process lock on SQLite (single node). It returns
// the release function, or ok=false when another fetcher holds it. While
// it is held, f.held answers an error once the lock's session is gone (a
// node whose database connection died must stop fetching: another node
// takes over).
func (f *Fetcher) lock(ctx context.Context) (release func(), ok bool, err error) {
	if !database.IsPostgres(f.deps.DB) {
		if !sqliteLock.TryLock() {
			return nil, false, nil
		}
		f.held = func(context.Context) error { return nil }
		return func() { f.held = nil; sqliteLock.Unlock() }, true, nil
	}
	conn, err := f.deps.DB.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	h := fnv.New64a()
	h.Write([]byte("frontdesk mail fetcher " + f.name))
	key := int64(h.Sum64() >> 1)
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", key).Scan(&got); err != nil {
		conn.Close()
		return nil, false, err
	}
	if !got {
		conn.Close()
		return nil, false, nil
	}
	f.held = func(ctx context.Context) error {
		var still bool
		err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted)").Scan(&still)
		if err == nil && !still {
			err = errors.New("lock not held")
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errLockLost, err)
		}
		return nil
	}
	return func() {
		f.held = nil
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", key)
		conn.Close()
	}, true, nil
}

var sqliteLock sync.Mutex

// errLockLost: the fetcher lock's database session ended under us.
var errLockLost = errors.New("the mail fetcher lost its installation lock")

// stillHeld fails once the fetcher no longer holds the lock.
func (f *Fetcher) stillHeld(ctx context.Context) error {
	if f.held == nil {
		return nil
	}
	return f.held(ctx)
}

// ErrLocked: another fetcher of this installation is running.
var ErrLocked = errors.New("another fetcher is running for this mailbox")

// FetchOnce fetches what is waiting, ingests it and returns the counts.
func (f *Fetcher) FetchOnce(ctx context.Context) (Summary, error) {
	release, ok, err := f.lock(ctx)
	if err != nil {
		return Summary{}, err
	}
	if !ok {
		return Summary{}, ErrLocked
	}
	defer release()
	c, err := f.dial()
	if err != nil {
		f.recordError(ctx, err)
		return Summary{}, err
	}
	defer c.Close()
	var sum Summary
	if err := f.sync(ctx, c, &sum); err != nil {
		f.recordError(ctx, err)
		return sum, err
	}
	_ = c.Logout().Wait()
	return sum, nil
}

// Run fetches continuously: IDLE where supported (re-checked every
// Recheck), polling otherwise, reconnecting with backoff. Only the
// holder of the fetcher lock fetches; the others wait to take over.
func (f *Fetcher) Run(ctx context.Context) error {
	for {
		release, ok, err := f.lock(ctx)
		if err == nil && ok {
			err = f.runLocked(ctx)
			release()
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			f.deps.Log.Warn("mail fetcher", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(f.cfg.LockRetry):
		}
	}
}

func (f *Fetcher) runLocked(ctx context.Context) error {
	backoff := time.Second
	for ctx.Err() == nil {
		err := f.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errLockLost) {
			return err // back to Run: another node may hold it now
		}
		if err != nil {
			f.deps.Log.Warn("mail fetcher disconnected", "mailbox", f.name, "err", err, "retry_in", backoff)
			f.recordError(ctx, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 2*time.Minute {
			backoff = 2 * time.Minute
		}
	}
	return nil
}

// session is one connection's life: sync, then wait for new mail (IDLE
// or poll) and sync again, until the connection fails or ctx ends.
func (f *Fetcher) session(ctx context.Context) error {
	c, err := f.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	idle := c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2)
	for {
		var sum Summary
		if err := f.sync(ctx, c, &sum); err != nil {
			return err
		}
		if sum.Fetched > 0 {
			f.deps.Log.Info("mail fetched", "mailbox", f.name, "summary", sum.String())
		}
		if !idle {
			f.setState(ctx, StatePolling)
			select {
			case <-ctx.Done():
				_ = c.Logout().Wait()
				return nil
			case <-c.Closed():
				return errors.New("connection closed by the server")
			case <-time.After(f.cfg.Poll):
			}
			continue
		}
		// NOOP collects what arrived during the sync (EXISTS); mail that
		// came meanwhile is fetched before idling.
		if err := c.Noop().Wait(); err != nil {
			return fmt.Errorf("NOOP: %w", err)
		}
		select {
		case <-f.newMail:
			continue
		default:
		}
		cmd, err := c.Idle()
		if err != nil {
			return fmt.Errorf("IDLE: %w", err)
		}
		f.setState(ctx, StateIdle)
		timer := time.NewTimer(f.cfg.Recheck)
		var closed bool
		select {
		case <-ctx.Done():
		case <-f.newMail:
		case <-timer.C:
		case <-c.Closed():
			closed = true
		}
		timer.Stop()
		if closed {
			return errors.New("connection closed by the server")
		}
		if err := cmd.Close(); err != nil {
			return fmt.Errorf("end IDLE: %w", err)
		}
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("IDLE: %w", err)
		}
		if ctx.Err() != nil {
			_ = c.Logout().Wait()
			return nil
		}
	}
}

// sync selects the mailbox, finishes what a crash left (committed but not
// flagged) and ingests every message above the last committed UID.
func (f *Fetcher) sync(ctx context.Context, c *imapclient.Client, sum *Summary) error {
	// Drain a pending notification: this sync sees that mail.
	select {
	case <-f.newMail:
	default:
	}
	f.deps.Log.Debug("mail fetcher: sync", "mailbox", f.name)
	if err := f.stillHeld(ctx); err != nil {
		return err
	}
	sel, err := c.Select(f.mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", f.mailbox, err)
	}
	db := f.deps.DB
	st, err := loadMailbox(ctx, db, f.name, f.now())
	if err != nil {
		return err
	}
	if st.UIDValidity != int64(sel.UIDValidity) {
		// A new mailbox, or the server renumbered it: start from the
		// first UID; Message-ID dedupe keeps what was ingested out.
		if st.UIDValidity != 0 {
			f.deps.Log.Warn("mailbox UIDVALIDITY changed: rescanning", "mailbox", f.name, "old", st.UIDValidity, "new", sel.UIDValidity)
		}
		st.UIDValidity, st.LastUID = int64(sel.UIDValidity), 0
		if _, err := db.NewUpdate().Model(st).Column("uid_validity", "last_uid").WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	validity := st.UIDValidity
	if st.LastUID > 0 {
		if err := f.finishPending(ctx, c, validity, st.LastUID); err != nil {
			return err
		}
	}
	if sel.NumMessages > 0 {
		var set imap.UIDSet
		set.AddRange(imap.UID(st.LastUID+1), 0)
		data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		if err != nil {
			return fmt.Errorf("search new mail: %w", err)
		}
		var uids []imap.UID
		for _, u := range data.AllUIDs() {
			if int64(u) > st.LastUID {
				uids = append(uids, u)
			}
		}
		for len(uids) > 0 {
			if err := f.stillHeld(ctx); err != nil {
				return err
			}
			n := min(len(uids), f.cfg.BatchSize)
			if err := f.fetchBatch(ctx, c, validity, uids[:n], sum); err != nil {
				return err
			}
			uids = uids[n:]
		}
	}
	now := f.now()
	_, err = db.NewUpdate().Model((*MailboxState)(nil)).
		Set("last_check_at = ?", now).Set("state = ?", StateConnected).Set("updated_at = ?", now).
		Where("name = ?", f.name).Exec(ctx)
	return err
}

// fetchBatch streams one batch: each message is spooled to a temporary
// file, ingested (committed), and only after the batch's FETCH ended are
// the committed messages flagged or moved.
func (f *Fetcher) fetchBatch(ctx context.Context, c *imapclient.Client, validity int64, uids []imap.UID, sum *Summary) error {
	spool, err := os.CreateTemp("", "frontdesk-mail-*")
	if err != nil {
		return err
	}
	defer func() { spool.Close(); os.Remove(spool.Name()) }()
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	var done []imap.UID
	var stop error
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		if stop != nil {
			continue // drain
		}
		var uid imap.UID
		var got bool
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if err := spool.Truncate(0); err != nil {
					stop = err
					continue
				}
				if _, err := spool.Seek(0, io.SeekStart); err != nil {
					stop = err
					continue
				}
				if _, err := io.Copy(spool, it.Literal); err != nil {
					stop = fmt.Errorf("read message: %w", err)
					continue
				}
				got = true
			}
		}
		if stop != nil || !got || uid == 0 {
			continue
		}
		res, err := f.deps.Ingester.Ingest(ctx, Item{Mailbox: f.name, UIDValidity: validity, UID: int64(uid), Raw: spool})
		if err != nil {
			stop = fmt.Errorf("ingest UID %d: %w", uid, err)
			continue
		}
		sum.Add(res)
		if f.deps.Delivered != nil {
			f.deps.Delivered(res)
		}
		if f.deps.AfterCommit != nil {
			if err := f.deps.AfterCommit(int64(uid)); err != nil {
				stop = err
				continue
			}
		}
		done = append(done, uid)
	}
	if err := cmd.Close(); err != nil && stop == nil {
		stop = fmt.Errorf("fetch: %w", err)
	}
	if stop != nil {
		return stop
	}
	return f.markProcessed(c, done)
}

// finishPending flags (or moves) messages at or below the last committed
// UID that are still unprocessed on the server: a crash hit between the
// commit and the flag. Only UIDs the log knows are touched.
func (f *Fetcher) finishPending(ctx context.Context, c *imapclient.Client, validity, lastUID int64) error {
	var set imap.UIDSet
	set.AddRange(1, imap.UID(lastUID))
	crit := &imap.SearchCriteria{UID: []imap.UIDSet{set}}
	if f.moveTo == "" {
		crit.NotFlag = []imap.Flag{imap.FlagSeen}
	}
	data, err := c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return fmt.Errorf("search unflagged mail: %w", err)
	}
	var known []imap.UID
	for _, u := range data.AllUIDs() {
		id, err := seenLog(ctx, f.deps.DB, uidKey(f.name, validity, int64(u)))
		if err != nil {
			return err
		}
		if id != 0 {
			known = append(known, u)
		}
	}
	return f.markProcessed(c, known)
}

func (f *Fetcher) markProcessed(c *imapclient.Client, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	set := imap.UIDSetNum(uids...)
	if f.moveTo != "" {
		if _, err := c.Move(set, f.moveTo).Wait(); err != nil {
			return fmt.Errorf("move to %s: %w", f.moveTo, err)
		}
		return nil
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		return fmt.Errorf("mark \\Seen: %w", err)
	}
	return nil
}

func (f *Fetcher) now() time.Time { return f.deps.Now().UTC().Truncate(time.Microsecond) }

func (f *Fetcher) setState(ctx context.Context, state string) {
	_, _ = f.deps.DB.NewUpdate().Model((*MailboxState)(nil)).
		Set("state = ?", state).Set("updated_at = ?", f.now()).
		Where("name = ?", f.name).Exec(ctx)
}

func (f *Fetcher) recordError(ctx context.Context, err error) {
	ctx = context.WithoutCancel(ctx)
	now := f.now()
	if _, e := loadMailbox(ctx, f.deps.DB, f.name, now); e != nil {
		return
	}
	_, _ = f.deps.DB.NewUpdate().Model((*MailboxState)(nil)).
		Set("state = ?", StateDisconnected).Set("last_error = ?", err.Error()).
		Set("last_error_at = ?", now).Set("updated_at = ?", now).
		Where("name = ?", f.name).Exec(ctx)
}

// Status is the fetcher's health as admins and /readyz see it.
type Status struct {
	Mailbox     string
	State       string
	LastCheckAt *time.Time
	LastError   string
	LastErrorAt *time.Time
	Fetched     int64
	// Stalled: no completed check for longer than StallAfter.
	Stalled bool
}

// Status reads the mailbox's state row (shared by every node).
func (f *Fetcher) Status(ctx context.Context) (Status, error) {
	st, err := loadMailbox(ctx, f.deps.DB, f.name, f.now())
	if err != nil {
		return Status{Mailbox: f.name}, err
	}
	s := Status{Mailbox: f.name, State: st.State, LastCheckAt: st.LastCheckAt, LastError: st.LastError,
		LastErrorAt: st.LastErrorAt, Fetched: st.Fetched}
	started := st.UpdatedAt
	if st.LastCheckAt != nil {
		started = *st.LastCheckAt
	}
	s.Stalled = f.now().Sub(started) > f.cfg.StallAfter
	return s, nil
}

// Ready is a readiness check: an error when the fetcher is stalled.
func (f *Fetcher) Ready(ctx context.Context) error {
	s, err := f.Status(ctx)
	if err != nil {
		return err
	}
	if s.Stalled {
		return errors.New("mail fetcher has not completed a check recently")
	}
	return nil
}
