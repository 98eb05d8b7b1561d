package search

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Change is one row of the kb_changes log: article ArticleID changed.
type Change struct {
	ID        int64
	ArticleID int64
}

// Source is the database side the Follower reads.
type Source interface {
	// ChangesSince returns up to limit changes with ID > afterID, ascending.
	ChangesSince(ctx context.Context, afterID int64, limit int) ([]Change, error)
	// Docs returns the currently published articles among articleIDs; an
	// id absent from the map is removed from the index.
	Docs(ctx context.Context, articleIDs []int64) (map[int64]Doc, error)
	// AllDocs calls fn for every published article.
	AllDocs(ctx context.Context, fn func(Doc) error) error
	// MaxChangeID returns the highest kb_changes id (0 when empty).
	MaxChangeID(ctx context.Context) (int64, error)
}

// changeBatch is how many kb_changes rows one CatchUp step applies.
const changeBatch = 500

// Follower keeps one node's index in step with the kb_changes log: every
// node runs its own, so a change written on any node reaches every index.
type Follower struct {
	ix       *Index
	src      Source
	interval time.Duration
	log      *slog.Logger
	notify   chan struct{}
	mu       sync.Mutex // one CatchUp or Rebuild at a time
}

// NewFollower returns a Follower polling src every interval (1s when 0).
func NewFollower(ix *Index, src Source, interval time.Duration, log *slog.Logger) *Follower {
	if interval <= 0 {
		interval = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{ix: ix, src: src, interval: interval, log: log, notify: make(chan struct{}, 1)}
}

// Notify asks the Follower to catch up now (after a local write, or on a
// PostgreSQL notification) instead of at the next tick. It never blocks.
func (f *Follower) Notify() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// Run catches up every interval and on Notify until ctx ends.
func (f *Follower) Run(ctx context.Context) error {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		if err := f.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.log.Warn("search index catch-up failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-f.notify:
		}
	}
}

// CatchUp applies every change recorded after the index's LastChange. Each
// step writes its documents and its new LastChange in one batch, so a
// crash never records a change as applied before it is.
func (f *Follower) CatchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		after, err := f.ix.LastChange()
		if err != nil {
			return err
		}
		changes, err := f.src.ChangesSince(ctx, after, changeBatch)
		if err != nil {
			return fmt.Errorf("search: read changes: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		ids := make([]int64, 0, len(changes))
		seen := make(map[int64]bool, len(changes))
		last := after
		for _, c := range changes {
			if !seen[c.ArticleID] {
				seen[c.ArticleID] = true
				ids = append(ids, c.ArticleID)
			}
			last = max(last, c.ID)
		}
		docs, err := f.src.Docs(ctx, ids)
		if err != nil {
			return fmt.Errorf("search: read articles: %w", err)
		}
		var upserts []Doc
		var deletes []int64
		for _, id := range ids {
			if d, ok := docs[id]; ok {
				d.ID = id
				upserts = append(upserts, d)
			} else {
				deletes = append(deletes, id)
			}
		}
		if err := f.ix.Apply(upserts, deletes, last); err != nil {
			return err
		}
		f.log.Debug("search index caught up", "upserts", len(upserts), "deletes", len(deletes), "last_change", last)
		if len(changes) < changeBatch {
			return nil
		}
	}
}

// Rebuild refills the index from every published article. The change
// position is read before the scan, so a change committed during the scan
// is applied again by the next CatchUp rather than missed.
func (f *Follower) Rebuild(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	maxID, err := f.src.MaxChangeID(ctx)
	if err != nil {
		return fmt.Errorf("search: read change position: %w", err)
	}
	start := time.Now()
	n := 0
	err = f.ix.Rebuild(maxID, func(put func(Doc) error) error {
		return f.src.AllDocs(ctx, func(d Doc) error {
			n++
			return put(d)
		})
	})
	if err != nil {
		return err
	}
	f.log.Info("search index rebuilt", "articles", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
