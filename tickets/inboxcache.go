package tickets

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"sync"
	"time"
)

// The agent inbox is polled: every open inbox asks for its rows every
// 10 s, and most agents look at the same few views. Rendering a page of
// 50 rows costs milliseconds of CPU (the query, the names, the template);
// answering the same rows again from memory costs microseconds. So the
// rendered rows of a list are kept, keyed by the canonical view, filters,
// sort and cursor, and marked with the change-log generation they were
// read at:
//
//   - Every write to a ticket appends a tickets_changes row in its own
//     transaction (the search index follows the same log), so the highest
//     change id names the state of all tickets. Each request reads it (an
//     index-only MAX on the primary key) before anything else; rows read
//     at an older generation are never served, so a change made on any
//     node or process is in the very next answer.
//   - What does not go through the log is time and other domains' data:
//     relative times ("5 minutes ago"), the overdue mark, the windows of
//     "Recently solved" and "SLA breaching soon", people's and
//     organisations' names. Entries live at most inboxCacheTTL, so those
//     are at most that stale.
//
// Search answers (bleve hits) are not cached: the index follows the log
// asynchronously.
const (
	inboxCacheTTL = 2 * time.Second
	// inboxCacheMax bounds the entries; past it the cache starts over.
	inboxCacheMax = 512
)

// generationQuery is the prepared ChangeGeneration statement.
type generationQuery struct {
	once sync.Once
	stmt *sql.Stmt
}

type inboxEntry struct {
	gen  int64
	at   time.Time
	html []byte

	gzOnce sync.Once
	gz     []byte
}

// gzipped is the entry's body compressed once (most clients accept gzip,
// and compressing 30 kB per request would cost more than the rest).
func (e *inboxEntry) gzipped() []byte {
	e.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		zw.Write(e.html)
		zw.Close()
		e.gz = b.Bytes()
	})
	return e.gz
}

type inboxFill struct {
	done  chan struct{}
	entry *inboxEntry
	err   error
}

type inboxCache struct {
	mu      sync.Mutex
	entries map[string]*inboxEntry
	filling map[string]*inboxFill
	off     bool // tests and benchmarks of the uncached path
}

func newInboxCache() *inboxCache {
	return &inboxCache{entries: map[string]*inboxEntry{}, filling: map[string]*inboxFill{}}
}

// get returns the rows for key at generation gen, rendering them with
// render when no fresh entry exists. Concurrent misses on one key render
// once.
func (c *inboxCache) get(key string, gen int64, now time.Time, render func() ([]byte, error)) (*inboxEntry, error) {
	c.mu.Lock()
	if c.off {
		c.mu.Unlock()
		html, err := render()
		return &inboxEntry{gen: gen, at: now, html: html}, err
	}
	if e := c.entries[key]; e != nil && e.gen == gen && now.Sub(e.at) < inboxCacheTTL && !now.Before(e.at) {
		c.mu.Unlock()
		return e, nil
	}
	if f := c.filling[key]; f != nil && f.entry == nil {
		c.mu.Unlock()
		<-f.done
		if f.err == nil && f.entry.gen == gen {
			return f.entry, nil
		}
		html, err := render()
		return &inboxEntry{gen: gen, at: now, html: html}, err
	}
	f := &inboxFill{done: make(chan struct{})}
	c.filling[key] = f
	c.mu.Unlock()

	html, err := render()
	e := &inboxEntry{gen: gen, at: now, html: html}
	c.mu.Lock()
	delete(c.filling, key)
	if err == nil {
		if old := c.entries[key]; old == nil || old.gen <= gen {
			if len(c.entries) >= inboxCacheMax {
				clear(c.entries)
			}
			c.entries[key] = e
		}
	}
	f.entry, f.err = e, err
	c.mu.Unlock()
	close(f.done)
	return e, err
}

// forget drops every entry.
func (c *inboxCache) forget() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

const changeGenerationSQL = "SELECT COALESCE(MAX(id), 0) FROM tickets_changes"

// ChangeGeneration is the id of the last tickets_changes row: it moves
// with every committed ticket write on any node. The statement is
// prepared once: parsing it on every poll cost more than running it.
func (s *Service) ChangeGeneration(ctx context.Context) (int64, error) {
	s.gen.once.Do(func() {
		s.gen.stmt, _ = s.db.DB.PrepareContext(context.Background(), changeGenerationSQL)
	})
	var gen int64
	if s.gen.stmt != nil {
		if err := s.gen.stmt.QueryRowContext(ctx).Scan(&gen); err == nil {
			return gen, nil
		}
	}
	err := s.db.QueryRowContext(ctx, changeGenerationSQL).Scan(&gen)
	return gen, err
}

// inboxRow is a ticket as an inbox row shows it: plain fields, so the
// template reads each with one lookup instead of searching Row's embedded
// *Ticket by reflection (a fifth of the render).
type inboxRow struct {
	ID, Number         int64
	Subject            string
	Tags               []string
	Requester, OrgName string
	Assignee           string // "" when unassigned
	Status, Priority   string
	Overdue, HasSLA    bool
	SLADue, UpdatedAt  time.Time
}

func inboxRows(rows []Row, now time.Time) []inboxRow {
	out := make([]inboxRow, len(rows))
	for i, r := range rows {
		v := inboxRow{
			ID: r.ID, Number: r.Number, Subject: r.Subject, Tags: r.TagList(),
			Requester: r.Requester.DisplayName(), OrgName: r.OrgName,
			Status: r.Status, Priority: r.Priority, Overdue: r.Overdue(now),
			HasSLA: r.SLADueAt != nil, SLADue: r.SLADue(), UpdatedAt: r.UpdatedAt,
		}
		if r.Assignee != nil {
			v.Assignee = r.Assignee.DisplayName()
		}
		out[i] = v
	}
	return out
}
