package kb

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// refineWindow is how long after a search further typing refines it
// rather than counting as a new search.
const refineWindow = time.Minute

// maxRecent bounds the memory of recent searches under a flood (a load
// test without cookies); past it, typing simply logs separate searches.
const maxRecent = 200000

// SearchLogger records search analytics off the request path: searches
// are written in batches by its Run loop, so as-you-type search never
// waits for a database write (on SQLite one INSERT per keystroke request
// would serialise every search behind the single writer). Ids are chosen
// here, so the result links can carry them at once.
type SearchLogger struct {
	db  *bun.DB
	log *slog.Logger
	ops chan logOp
	now func() time.Time

	mu     sync.Mutex
	recent map[int64]recentSearch // this node's searches of the last minute
	// order holds the ids of recent in the order they were added, so the
	// flush expires the oldest without walking the whole map under mu
	// (at thousands of searches per second that walk stalled every
	// search for tens of milliseconds twice a second).
	order []int64
	// Search ids are time-ordered (see nextID): rows are appended at the
	// end of the table instead of at random places, which made every
	// flush touch and rewrite thousands of pages.
	idSec, idSeq, idTag int64
}

// recentSearch is what refining a search needs of it. It holds no
// pointer: under load the map keeps a minute of searches (up to
// maxRecent), and a string per entry made it hundreds of thousands of
// objects for the garbage collector to visit on every cycle, which
// stretched each cycle's mark phase as the minute filled up (from 25 to
// 80 ms at 2,700 searches a second) and with it the slowest searches.
type recentSearch struct {
	// head is the start of the normalised query, n its whole length:
	// related compares up to recentHead bytes, so two long questions
	// that share their first 96 bytes count as one being typed.
	head    [recentHead]byte
	n       int
	at      int64 // Unix nanoseconds (a time.Time holds a pointer)
	clicked bool
}

const recentHead = 96

func newRecent(norm string, at time.Time) recentSearch {
	r := recentSearch{n: len(norm), at: at.UnixNano()}
	copy(r.head[:], norm)
	return r
}

// related reports whether the normalised query b continues or corrects
// the typing of r's (one is a prefix of the other, within recentHead).
func (r *recentSearch) related(b string) bool {
	a := r.head[:min(r.n, recentHead)]
	b = b[:min(len(b), recentHead)]
	if len(a) > len(b) {
		a = a[:len(b)]
	}
	return string(a) == b[:len(a)]
}

type logOpKind int

const (
	opInsert logOpKind = iota
	opRefine
	opClick
	opView
)

type logOp struct {
	kind    logOpKind
	row     SearchLog // opInsert; for opRefine: ID, Query, Normalized, Results
	id      int64
	article int64
}

// NewSearchLogger returns a logger; run it with Run (an app worker).
func NewSearchLogger(db *bun.DB, log *slog.Logger) *SearchLogger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SearchLogger{db: db, log: log, ops: make(chan logOp, 8192),
		now:    func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		recent: map[int64]recentSearch{}, idTag: randomID() & (1<<searchIDTagBits - 1)}
}

// Search ids: seconds since searchIDEpoch, then a node tag chosen at
// random when the logger starts, then a sequence number within the
// second; 31+12+10 bits, below 2^53 (exact in JSON and JavaScript).
const (
	searchIDEpoch   = 1704067200 // 2024-01-01 UTC
	searchIDTagBits = 12
	searchIDSeqBits = 10
)

// nextID returns a new search id, increasing on this node; more than
// 1024 searches in a second borrow the next second. Nodes differ by their
// tag; should two share one, the insert skips the clashing rows and the
// flush picks a new tag. Called with l.mu held.
func (l *SearchLogger) nextID(now time.Time) int64 {
	if sec := now.Unix() - searchIDEpoch; sec > l.idSec {
		l.idSec, l.idSeq = sec, 0
	} else if l.idSeq >= 1<<searchIDSeqBits {
		l.idSec, l.idSeq = l.idSec+1, 0
	}
	id := l.idSec<<(searchIDTagBits+searchIDSeqBits) | l.idTag<<searchIDSeqBits | l.idSeq
	l.idSeq++
	return id
}

// randomID is a positive id below 2^53 (exact in JSON and JavaScript).
func randomID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>11) + 1
}

func (l *SearchLogger) enqueue(op logOp) {
	select {
	case l.ops <- op:
	default:
		// Overloaded: analytics may lose a row, searches must not wait.
		l.log.Warn("search log queue full; dropping an entry")
	}
}

// Log records a search and returns its id. When prevID is this visitor's
// previous search, less than a minute old, not yet clicked, and the new
// query continues it (one is a prefix of the other), that search is
// refined instead, so debounced keystrokes count as one search.
func (l *SearchLogger) Log(query string, results int, userID *int64, prevID int64) int64 {
	now := l.now()
	norm := truncate(NormalizeQuery(query), 300)
	query = truncate(query, 300)
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.recent[prevID]; ok && prevID != 0 && !r.clicked && now.Sub(time.Unix(0, r.at)) <= refineWindow && r.related(norm) {
		l.recent[prevID] = newRecent(norm, now)
		l.enqueue(logOp{kind: opRefine, id: prevID, row: SearchLog{ID: prevID, Query: query, Normalized: norm, Results: results}})
		return prevID
	}
	id := l.nextID(now)
	if len(l.recent) < maxRecent {
		l.recent[id] = newRecent(norm, now)
		l.order = append(l.order, id)
	}
	l.enqueue(logOp{kind: opInsert, row: SearchLog{ID: id, Query: query, Normalized: norm, Results: results, UserID: userID, CreatedAt: now}})
	return id
}

// Click records that search id led to article (the first click counts).
func (l *SearchLogger) Click(id, articleID int64) {
	l.mu.Lock()
	if r, ok := l.recent[id]; ok {
		r.clicked = true
		l.recent[id] = r
	}
	l.mu.Unlock()
	l.enqueue(logOp{kind: opClick, id: id, article: articleID})
}

// View counts one view of a published article (written with the next
// batch, per UTC day and in total).
func (l *SearchLogger) View(articleID int64) {
	l.enqueue(logOp{kind: opView, article: articleID, row: SearchLog{CreatedAt: l.now()}})
}

// Run writes queued entries every half second until ctx ends, then
// writes what is left.
func (l *SearchLogger) Run(ctx context.Context) error {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return l.Flush(fctx)
		case <-t.C:
			if err := l.Flush(ctx); err != nil {
				l.log.Warn("write search log", "err", err)
			}
		}
	}
}

// expire forgets searches too old to be refined, oldest first. It stops
// at the first one still fresh: a refined search (its time moved on) may
// keep later ones a little longer, which Log's own age check makes
// harmless.
func (l *SearchLogger) expire(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for ; n < len(l.order); n++ {
		id := l.order[n]
		if r, ok := l.recent[id]; ok && now.Sub(time.Unix(0, r.at)) <= refineWindow {
			break
		}
		delete(l.recent, id)
	}
	l.order = l.order[n:]
}

// searchLogChunk bounds the rows of one INSERT. bun writes the values into
// the SQL text, and SQLite compiled a batch of a thousand searches or more
// into one program of megabytes. Freeing it made the allocator of the
// pure-Go SQLite hand pages back to the system one madvise call at a time
// under its global lock, which every other SQLite call waits on (each
// search reads the change log's head): under as-you-type load the whole
// server stalled for 100-300 ms every few seconds (execution trace: 433
// madvise calls in one stall, 130 searches waiting in sqlite3Malloc).
// Statements of 64 rows reuse the same few kilobytes.
const searchLogChunk = 64

// Flush writes every queued entry in one transaction, and forgets
// searches too old to be refined.
func (l *SearchLogger) Flush(ctx context.Context) error {
	now := l.now()
	l.expire(now)
	var ops []logOp
	for len(ops) < 5000 {
		select {
		case op := <-l.ops:
			ops = append(ops, op)
			continue
		default:
		}
		break
	}
	if len(ops) == 0 {
		return nil
	}
	// Fold refinements and clicks into rows inserted in this batch.
	var inserts []SearchLog
	pending := map[int64]int{}
	var later []logOp
	type viewKey struct {
		article int64
		day     string
	}
	views := map[viewKey]int64{}
	var viewOrder []viewKey
	for _, op := range ops {
		switch op.kind {
		case opView:
			k := viewKey{op.article, op.row.CreatedAt.Format("2006-01-02")}
			if views[k] == 0 {
				viewOrder = append(viewOrder, k)
			}
			views[k]++
		case opInsert:
			pending[op.row.ID] = len(inserts)
			inserts = append(inserts, op.row)
		case opRefine:
			if i, ok := pending[op.id]; ok {
				inserts[i].Query, inserts[i].Normalized, inserts[i].Results = op.row.Query, op.row.Normalized, op.row.Results
			} else {
				later = append(later, op)
			}
		case opClick:
			if i, ok := pending[op.id]; ok {
				if inserts[i].ClickedArticleID == nil {
					a := op.article
					inserts[i].ClickedArticleID = &a
				}
			} else {
				later = append(later, op)
			}
		}
	}
	batch := func(ctx context.Context, tx bun.IDB, inserts []SearchLog, later []logOp, viewOrder []viewKey) error {
		lost := int64(0)
		for rest := inserts; len(rest) > 0; {
			chunk := rest[:min(len(rest), searchLogChunk)]
			rest = rest[len(chunk):]
			res, err := tx.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx)
			if err != nil {
				return fmt.Errorf("insert searches: %w", err)
			}
			if n, err := res.RowsAffected(); err == nil {
				lost += int64(len(chunk)) - n
			}
		}
		if lost > 0 {
			l.log.Warn("search ids clashed with another node's; choosing a new id tag", "lost", lost)
			l.mu.Lock()
			l.idTag = randomID() & (1<<searchIDTagBits - 1)
			l.mu.Unlock()
		}
		for _, op := range later {
			q := tx.NewUpdate().Model((*SearchLog)(nil)).Where("id = ? AND clicked_article_id IS NULL", op.id)
			if op.kind == opRefine {
				q = q.Set("query = ?", op.row.Query).Set("normalized = ?", op.row.Normalized).Set("results = ?", op.row.Results)
			} else {
				// A click on a search another node logged, or an old one;
				// the article may have been deleted since.
				q = q.Set("clicked_article_id = (SELECT id FROM kb_articles WHERE id = ?)", op.article)
			}
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("update search %d: %w", op.id, err)
			}
		}
		for _, k := range viewOrder {
			if err := addViews(ctx, tx, k.article, k.day, views[k]); err != nil {
				return err
			}
		}
		return nil
	}
	err := l.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return batch(ctx, tx, inserts, later, viewOrder)
	})
	if err == nil || ctx.Err() != nil {
		return err
	}
	// One entry the database refuses must not take the others with it:
	// write each on its own, and log and drop only what still fails.
	l.log.Warn("search log batch refused; writing its entries one by one", "err", err)
	for i := range inserts {
		if err := batch(ctx, l.db, inserts[i:i+1], nil, nil); err != nil {
			l.log.Error("search log entry dropped", "query", inserts[i].Query, "err", err)
		}
	}
	for _, op := range later {
		if err := batch(ctx, l.db, nil, []logOp{op}, nil); err != nil {
			l.log.Error("search log update dropped", "id", op.id, "err", err)
		}
	}
	for _, k := range viewOrder {
		if err := batch(ctx, l.db, nil, nil, []viewKey{k}); err != nil {
			l.log.Error("article views dropped", "article", k.article, "err", err)
		}
	}
	return nil
}
