package search

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/frontdesk/frontdesk/platform/changefeed"
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
const changeBatch = changefeed.DefaultBatch

// Follower keeps one node's index in step with the kb_changes log: every
// node runs its own, so a change written on any node reaches every index.
// The mechanism is platform/changefeed's (shared with the ticket index);
// this type adapts the KB index and source to it.
type Follower struct {
	*changefeed.Follower[Doc]
	ix  *Index
	src Source
	log *slog.Logger
}

// NewFollower returns a Follower polling src every interval (1s when 0).
func NewFollower(ix *Index, src Source, interval time.Duration, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{Follower: changefeed.New[Doc]("kb", feedIndex{ix}, feedSource{src}, interval, log), ix: ix, src: src, log: log}
}

// feedIndex adapts *Index to changefeed.Index.
type feedIndex struct{ ix *Index }

func (f feedIndex) LastChange() (int64, error) { return f.ix.LastChange() }

func (f feedIndex) Apply(upserts map[int64]Doc, deletes []int64, last int64) error {
	docs := make([]Doc, 0, len(upserts))
	for id, d := range upserts {
		d.ID = id
		docs = append(docs, d)
	}
	return f.ix.Apply(docs, deletes, last)
}

func (f feedIndex) Rebuild(last int64, fill func(put func(Doc) error) error) error {
	return f.ix.Rebuild(last, fill)
}

// feedSource adapts Source to changefeed.Source.
type feedSource struct{ src Source }

func (f feedSource) ChangesSince(ctx context.Context, after int64, limit int) ([]changefeed.Change, error) {
	cs, err := f.src.ChangesSince(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]changefeed.Change, len(cs))
	for i, c := range cs {
		out[i] = changefeed.Change{ID: c.ID, Key: c.ArticleID}
	}
	return out, nil
}

func (f feedSource) Docs(ctx context.Context, ids []int64) (map[int64]Doc, error) {
	return f.src.Docs(ctx, ids)
}

func (f feedSource) AllDocs(ctx context.Context, fn func(Doc) error) error {
	return f.src.AllDocs(ctx, fn)
}

func (f feedSource) MaxChangeID(ctx context.Context) (int64, error) { return f.src.MaxChangeID(ctx) }

// Run loads the index's in-memory scoring mirror from src when it is not
// loaded yet (searches ask bleve meanwhile), then follows the change log
// until ctx ends. Loading here, before the first change is applied,
// keeps the follower the mirror's only writer; changes written during the
// load are applied right after it.
func (f *Follower) Run(ctx context.Context) error {
	if !f.ix.MemoryLoaded() {
		start := time.Now()
		err := f.ix.LoadMemory(func(put func(Doc) error) error { return f.src.AllDocs(ctx, put) })
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.ix.memFailed.Store(true)
			f.log.Warn("load the search memory; searches stay on bleve", "err", err)
		} else {
			// The load leaves hundreds of megabytes of garbage at 50,000
			// articles (analysed documents, the regions lists outgrew).
			// Collecting it and handing it back to the system now, before
			// the server reports ready, spares the first searches the
			// collector's and scavenger's catching up: every connection
			// stalled 150-330 ms when bench/kb-search.sh began its load.
			debug.FreeOSMemory()
			f.log.Info("search memory loaded", "took", time.Since(start).Round(time.Millisecond))
		}
	}
	return f.Follower.Run(ctx)
}
