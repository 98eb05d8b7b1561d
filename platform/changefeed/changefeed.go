// Package changefeed keeps a derived, per-node store (a search index) in
// step with a change log table in the database. A domain appends a row to
// its change log (id, key) in the same transaction as every write that
// changes what the derived store must hold; each node's Follower applies the
// rows past the last id its index recorded, together with that id, so a
// crash between the database write and the index write is repaired at the
// next catch-up, and a write on any node reaches every node.
//
// The kb search index (kb_changes) and the ticket search index
// (tickets_changes) both follow their logs through this package.
package changefeed

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Change is one row of a change log: the object Key changed.
type Change struct {
	ID  int64
	Key int64
}

// Source is the database side: the change log and the documents.
type Source[D any] interface {
	// ChangesSince returns up to limit changes with ID > afterID, ascending.
	ChangesSince(ctx context.Context, afterID int64, limit int) ([]Change, error)
	// Docs returns the current documents of keys; a key absent from the
	// map is removed from the index.
	Docs(ctx context.Context, keys []int64) (map[int64]D, error)
	// AllDocs calls fn for every document that belongs in the index.
	AllDocs(ctx context.Context, fn func(D) error) error
	// MaxChangeID returns the highest change id (0 when the log is empty).
	MaxChangeID(ctx context.Context) (int64, error)
}

// Index is the derived store. It keeps the id of the last applied change
// inside itself, written in the same batch as the documents.
type Index[D any] interface {
	// LastChange returns the id recorded by the last Apply or Rebuild.
	LastChange() (int64, error)
	// Apply upserts docs (keyed by the map key) and deletes keys, and
	// records lastChange, in one batch.
	Apply(upserts map[int64]D, deletes []int64, lastChange int64) error
	// Rebuild replaces the whole content with what fill puts, recording
	// lastChange.
	Rebuild(lastChange int64, fill func(put func(D) error) error) error
}

// DefaultBatch is how many change rows one CatchUp step applies.
const DefaultBatch = 500

// Follower applies a Source's change log to an Index.
type Follower[D any] struct {
	ix       Index[D]
	src      Source[D]
	interval time.Duration
	log      *slog.Logger
	name     string
	notify   chan struct{}
	mu       sync.Mutex // one CatchUp or Rebuild at a time
	// Batch is the CatchUp step size (DefaultBatch when 0).
	Batch int
}

// New returns a Follower polling src every interval (1s when 0). name
// labels its log lines ("kb", "tickets").
func New[D any](name string, ix Index[D], src Source[D], interval time.Duration, log *slog.Logger) *Follower[D] {
	if interval <= 0 {
		interval = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower[D]{ix: ix, src: src, interval: interval, log: log, name: name, notify: make(chan struct{}, 1)}
}

// Notify asks the Follower to catch up now (after a local write) instead
// of at the next tick. It never blocks.
func (f *Follower[D]) Notify() {
	select {
	case f.notify <- struct{}{}:
	default:
	}
}

// Run catches up every interval and on Notify until ctx ends.
func (f *Follower[D]) Run(ctx context.Context) error {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		if err := f.CatchUp(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.log.Warn("search index catch-up failed", "index", f.name, "err", err)
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
func (f *Follower[D]) CatchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	batch := f.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	for {
		after, err := f.ix.LastChange()
		if err != nil {
			return err
		}
		changes, err := f.src.ChangesSince(ctx, after, batch)
		if err != nil {
			return fmt.Errorf("%s index: read changes: %w", f.name, err)
		}
		if len(changes) == 0 {
			return nil
		}
		keys := make([]int64, 0, len(changes))
		seen := make(map[int64]bool, len(changes))
		last := after
		for _, c := range changes {
			if !seen[c.Key] {
				seen[c.Key] = true
				keys = append(keys, c.Key)
			}
			last = max(last, c.ID)
		}
		docs, err := f.src.Docs(ctx, keys)
		if err != nil {
			return fmt.Errorf("%s index: read documents: %w", f.name, err)
		}
		upserts := make(map[int64]D, len(docs))
		var deletes []int64
		for _, k := range keys {
			if d, ok := docs[k]; ok {
				upserts[k] = d
			} else {
				deletes = append(deletes, k)
			}
		}
		if err := f.ix.Apply(upserts, deletes, last); err != nil {
			return err
		}
		f.log.Debug("search index caught up", "index", f.name, "upserts", len(upserts), "deletes", len(deletes), "last_change", last)
		if len(changes) < batch {
			return nil
		}
	}
}

// Rebuild refills the index from every document. The change position is
// read before the scan, so a change committed during the scan is applied
// again by the next CatchUp rather than missed.
func (f *Follower[D]) Rebuild(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	maxID, err := f.src.MaxChangeID(ctx)
	if err != nil {
		return fmt.Errorf("%s index: read change position: %w", f.name, err)
	}
	start := time.Now()
	n := 0
	err = f.ix.Rebuild(maxID, func(put func(D) error) error {
		return f.src.AllDocs(ctx, func(d D) error {
			n++
			return put(d)
		})
	})
	if err != nil {
		return err
	}
	f.log.Info("search index rebuilt", "index", f.name, "documents", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Lag reports how many change ids the index is behind the log head
// (readiness checks use it).
func (f *Follower[D]) Lag(ctx context.Context) (int64, error) {
	last, err := f.ix.LastChange()
	if err != nil {
		return 0, err
	}
	head, err := f.src.MaxChangeID(ctx)
	if err != nil {
		return 0, err
	}
	return head - last, nil
}
