package tickets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/changefeed"
	"github.com/frontdesk/frontdesk/platform/database"
)

// Doc is a ticket as the search index holds it. Public is the text of
// public messages; Notes the internal notes, searched for staff only.
type Doc struct {
	// ID is the ticket id (the document key; not indexed).
	ID      int64
	Subject string
	Public  string
	Notes   string
	// Owners are "u<requester id>" and "o<org id>", for scoping customer
	// searches.
	Owners []string
}

// indexVersion changes when the mapping or document shape changes; an
// index with another version is rebuilt.
const indexVersion = "1"

var (
	keyLastChange = []byte("last_change")
	keyVersion    = []byte("version")
)

// Index is one node's bleve index of tickets (<data-dir>/tickets-index),
// kept fresh by a changefeed.Follower over tickets_changes.
type Index struct {
	dir          string
	mu           sync.RWMutex
	bi           bleve.Index
	needsRebuild bool
}

var _ changefeed.Index[Doc] = (*Index)(nil)

func indexMapping() mapping.IndexMapping {
	im := bleve.NewIndexMapping()
	im.DefaultAnalyzer = en.AnalyzerName
	dm := bleve.NewDocumentMapping()
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		return f
	}
	dm.AddFieldMappingsAt("Subject", text())
	dm.AddFieldMappingsAt("Public", text())
	dm.AddFieldMappingsAt("Notes", text())
	kw := bleve.NewKeywordFieldMapping()
	kw.Store = false
	kw.IncludeInAll = false
	dm.AddFieldMappingsAt("Owners", kw)
	im.DefaultMapping = dm
	im.StoreDynamic = false
	im.IndexDynamic = false
	return im
}

// OpenIndex opens (or creates) the index in dir. An unreadable index or
// one of another version is replaced by an empty one and NeedsRebuild
// reports true.
func OpenIndex(dir string) (*Index, error) {
	ix := &Index{dir: dir}
	if bi, err := bleve.Open(dir); err == nil {
		v, _ := bi.GetInternal(keyVersion)
		if string(v) == indexVersion {
			ix.bi = bi
			return ix, nil
		}
		_ = bi.Close()
	}
	bi, err := ix.create(dir)
	if err != nil {
		return nil, err
	}
	ix.bi, ix.needsRebuild = bi, true
	return ix, nil
}

func (ix *Index) create(path string) (bleve.Index, error) {
	if err := os.RemoveAll(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	bi, err := bleve.New(path, indexMapping())
	if err != nil {
		return nil, fmt.Errorf("tickets index: %w", err)
	}
	if err := bi.SetInternal(keyVersion, []byte(indexVersion)); err != nil {
		_ = bi.Close()
		return nil, err
	}
	return bi, nil
}

// NeedsRebuild reports whether the index was (re)created empty.
func (ix *Index) NeedsRebuild() bool { return ix.needsRebuild }

// Close closes the index.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi == nil {
		return nil
	}
	err := ix.bi.Close()
	ix.bi = nil
	return err
}

// LastChange returns the last applied tickets_changes id.
func (ix *Index) LastChange() (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errors.New("tickets index closed")
	}
	v, err := ix.bi.GetInternal(keyLastChange)
	if err != nil || len(v) == 0 {
		return 0, err
	}
	return strconv.ParseInt(string(v), 10, 64)
}

// Apply upserts and deletes documents and records lastChange in one batch.
func (ix *Index) Apply(upserts map[int64]Doc, deletes []int64, lastChange int64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return errors.New("tickets index closed")
	}
	b := ix.bi.NewBatch()
	for id, d := range upserts {
		if err := b.Index(strconv.FormatInt(id, 10), d); err != nil {
			return err
		}
	}
	for _, id := range deletes {
		b.Delete(strconv.FormatInt(id, 10))
	}
	b.SetInternal(keyLastChange, []byte(strconv.FormatInt(lastChange, 10)))
	return ix.bi.Batch(b)
}

// Rebuild replaces the index content with what fill puts (one Doc per
// ticket, ID set), recording lastChange.
func (ix *Index) Rebuild(lastChange int64, fill func(put func(Doc) error) error) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.bi != nil {
		_ = ix.bi.Close()
	}
	bi, err := ix.create(ix.dir)
	if err != nil {
		return err
	}
	ix.bi = bi
	b := bi.NewBatch()
	err = fill(func(d Doc) error {
		if err := b.Index(strconv.FormatInt(d.ID, 10), d); err != nil {
			return err
		}
		if b.Size() >= 1000 {
			if err := bi.Batch(b); err != nil {
				return err
			}
			b.Reset()
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.SetInternal(keyLastChange, []byte(strconv.FormatInt(lastChange, 10)))
	if err := bi.Batch(b); err != nil {
		return err
	}
	ix.needsRebuild = false
	return nil
}

// Count returns the number of indexed tickets.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errors.New("tickets index closed")
	}
	return ix.bi.DocCount()
}

// Search returns the ids of tickets matching text, best first, limited to
// what scope may see; notes are searched only when withNotes.
func (ix *Index) Search(text string, scope policy.TicketScope, withNotes bool, limit int) ([]int64, error) {
	text = normalizeText(text)
	if text == "" || scope.None {
		return []int64{}, nil
	}
	// Two steps, because a common phrase ("password reset") is in most
	// tickets' messages: scoring 70,000 message matches to keep the best
	// 200 cost 50 ms, and the list shows the hits in the inbox's order
	// anyway. First the tickets whose subject matches, best first (the
	// 3x subject boost ranked them first before too); then, while room is
	// left, any tickets whose messages match, taken unscored, so the
	// search stops as soon as it has enough.
	words := strings.Fields(strings.ToLower(text))
	match := func(field string) query.Query {
		mq := bleve.NewMatchQuery(text)
		mq.SetField(field)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		if len(words) != 1 || len(words[0]) < 3 {
			return mq
		}
		// Half-typed last word.
		pq := bleve.NewPrefixQuery(words[0])
		pq.SetField(field)
		pq.SetBoost(0.5)
		return bleve.NewDisjunctionQuery(mq, pq)
	}
	scoped := func(q query.Query) query.Query {
		if scope.All {
			return q
		}
		owners := []query.Query{termQuery("Owners", fmt.Sprintf("u%d", scope.RequesterID))}
		if scope.OrgID != 0 {
			owners = append(owners, termQuery("Owners", fmt.Sprintf("o%d", scope.OrgID)))
		}
		return bleve.NewConjunctionQuery(q, bleve.NewDisjunctionQuery(owners...))
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return nil, errors.New("tickets index closed")
	}
	res, err := ix.bi.Search(bleve.NewSearchRequestOptions(scoped(match("Subject")), limit, 0, false))
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, limit)
	seen := make(map[int64]bool, limit)
	add := func(hits search.DocumentMatchCollection) {
		for _, h := range hits {
			if id, err := strconv.ParseInt(h.ID, 10, 64); err == nil && !seen[id] && len(ids) < limit {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	add(res.Hits)
	if len(ids) == limit {
		return ids, nil
	}
	body := []query.Query{match("Public")}
	if withNotes {
		body = append(body, match("Notes"))
	}
	// Enough to fill the page even if every subject hit comes back.
	req := bleve.NewSearchRequestOptions(scoped(bleve.NewDisjunctionQuery(body...)), limit+len(ids), 0, false)
	req.Score = bleve.ScoreNone
	if res, err = ix.bi.Search(req); err != nil {
		return nil, err
	}
	add(res.Hits)
	return ids, nil
}

func termQuery(field, term string) query.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	return q
}

// Source is the database side of the ticket index.
type Source struct{ db *bun.DB }

// NewSource returns the index source over db.
func NewSource(db *bun.DB) *Source { return &Source{db: db} }

var _ changefeed.Source[Doc] = (*Source)(nil)

// MaxChangeID is the newest tickets_changes id.
func (src *Source) MaxChangeID(ctx context.Context) (int64, error) {
	var id *int64
	if err := src.db.NewSelect().Model((*change)(nil)).ColumnExpr("MAX(id)").Scan(ctx, &id); err != nil {
		return 0, err
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// ChangesSince returns change rows after afterID, oldest first.
func (src *Source) ChangesSince(ctx context.Context, afterID int64, limit int) ([]changefeed.Change, error) {
	var rows []change
	if err := src.db.NewSelect().Model(&rows).Column("id", "ticket_id").Where("id > ?", afterID).
		Order("id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]changefeed.Change, len(rows))
	for i, r := range rows {
		out[i] = changefeed.Change{ID: r.ID, Key: r.TicketID}
	}
	return out, nil
}

// Docs returns the documents of the tickets among ids that exist.
func (src *Source) Docs(ctx context.Context, ids []int64) (map[int64]Doc, error) {
	out := make(map[int64]Doc, len(ids))
	err := docs(ctx, src.db, src.db.NewSelect().Where("t.id IN (?)", bun.In(ids)), func(d Doc) error {
		out[d.ID] = d
		return nil
	})
	return out, err
}

// AllDocs calls fn for every ticket, in id order, a thousand at a time,
// on one connection whose page cache is emptied afterwards
// (database.Scan says why).
func (src *Source) AllDocs(ctx context.Context, fn func(Doc) error) error {
	return database.Scan(ctx, src.db, func(db bun.IDB) error {
		var after int64
		for {
			var ids []int64
			if err := db.NewSelect().Model((*Ticket)(nil)).Column("id").Where("id > ?", after).
				Order("id").Limit(1000).Scan(ctx, &ids); err != nil {
				return err
			}
			if len(ids) == 0 {
				return nil
			}
			after = ids[len(ids)-1]
			if err := docs(ctx, db, db.NewSelect().Where("t.id IN (?)", bun.In(ids)), fn); err != nil {
				return err
			}
		}
	})
}

// maxDocText bounds the text indexed per ticket.
const maxDocText = 32 << 10

func docs(ctx context.Context, db bun.IDB, base *bun.SelectQuery, fn func(Doc) error) error {
	var ts []Ticket
	if err := base.Model(&ts).Column("id", "subject", "requester_id", "org_id").Order("t.id").Scan(ctx); err != nil {
		return err
	}
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	for i := range ts {
		ids[i] = ts[i].ID
	}
	var ms []Message
	if err := db.NewSelect().Model(&ms).Column("ticket_id", "public", "text").
		Where("ticket_id IN (?)", bun.In(ids)).Order("ticket_id", "id").Scan(ctx); err != nil {
		return err
	}
	pub := map[int64]*strings.Builder{}
	notes := map[int64]*strings.Builder{}
	for _, m := range ms {
		target := pub
		if !m.Public {
			target = notes
		}
		b := target[m.TicketID]
		if b == nil {
			b = &strings.Builder{}
			target[m.TicketID] = b
		}
		if b.Len() < maxDocText {
			b.WriteString(m.Text)
			b.WriteByte('\n')
		}
	}
	for i := range ts {
		t := &ts[i]
		d := Doc{ID: t.ID, Subject: t.Subject, Owners: []string{fmt.Sprintf("u%d", t.RequesterID)}}
		if t.OrgID != nil {
			d.Owners = append(d.Owners, fmt.Sprintf("o%d", *t.OrgID))
		}
		if b := pub[t.ID]; b != nil {
			d.Public = b.String()
		}
		if b := notes[t.ID]; b != nil {
			d.Notes = b.String()
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// indexLagLimit is how far behind the log the index may be before
// /readyz reports it.
const indexLagLimit = 5000

// ReadyCheck reports an index too far behind its change log.
func ReadyCheck(f *changefeed.Follower[Doc]) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		lag, err := f.Lag(ctx)
		if err != nil {
			return err
		}
		if lag > indexLagLimit {
			return fmt.Errorf("ticket index is %d changes behind", lag)
		}
		return nil
	}
}
