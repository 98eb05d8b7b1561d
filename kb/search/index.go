// Package search is the knowledge base's full-text index: an on-disk bleve
// index with an explicit mapping (English analysis, title and summary
// weighted above the body), as-you-type search with targeted typo
// correction, safe highlighted snippets, and a Follower that keeps the
// index in step with the database's kb_changes log.
//
// The index knows only published articles. It stores just what a result
// list needs (slug, title, category slug, summary, a capped plain-text
// excerpt for snippets and the helpfulness score); everything else comes
// from the database.
package search

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	stopfilter "github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// MappingVersion is stored inside the index. Change it whenever the mapping
// or the way documents are built changes: an index with another version is
// recreated empty at Open and NeedsRebuild reports true.
const MappingVersion = 9

// excerptLimit caps the plain-text body kept for snippets; help articles
// put the answer early and highlighting a whole long body costs time.
const excerptLimit = 4000

// Internal keys (bleve SetInternal) kept beside the documents.
const (
	keyMappingVersion = "fd:mapping_version"
	keyLastChange     = "fd:last_change"
)

// docType is the only document type in the index; the default mapping is
// disabled so nothing else can be indexed by accident.
const docType = "article"

// Doc is what the index knows of a published article.
type Doc struct {
	ID           int64
	Slug         string
	Title        string
	Summary      string
	Body         string // Markdown source; stripped to text before indexing
	Tags         []string
	Category     string
	CategorySlug string
	Helpful      float64 // 0..1 helpfulness score (votes), a small ranking boost
	UpdatedAt    time.Time
}

// Query is one search.
type Query struct {
	Text         string
	CategorySlug string // only this category when set
	Limit        int    // default 10, at most 100
	Offset       int
}

// Hit is one result.
type Hit struct {
	ID    int64
	Slug  string
	Title string
	// Snippet is a short excerpt with the query's words in <mark>; all
	// other text is HTML-escaped, so it is safe to render as is.
	Snippet      template.HTML
	Score        float64
	CategorySlug string
}

// Result is one page of hits.
type Result struct {
	Hits  []Hit
	Total int
	Took  time.Duration
	// Corrected is the query with misspelled words replaced ("Did you
	// mean"), or "" when nothing was corrected.
	Corrected string
}

// Options tune an Index. The zero value is usable.
type Options struct {
	// Log receives index maintenance messages; nil discards them.
	Log *slog.Logger
	// BatchSize is the number of documents per bleve batch during a
	// rebuild (default 1000).
	BatchSize int
	// ResultCache is how many finished searches are kept (an LRU dropped
	// on every index write): 0 means DefaultResultCache, negative disables
	// the cache.
	ResultCache int
}

// indexDoc is the document shape bleve indexes; field names match the mapping.
type indexDoc struct {
	Title        string   `json:"title"`
	Summary      string   `json:"summary"`
	Body         string   `json:"body"`
	Excerpt      string   `json:"excerpt"`
	Meta         []string `json:"meta"`
	Phrase       []string `json:"phrase"`
	Spell        []string `json:"spell"`
	Slug         string   `json:"slug"`
	CategorySlug string   `json:"category_slug"`
	Helpful      float64  `json:"helpful"`
}

// BleveType tells bleve which document mapping applies.
func (indexDoc) BleveType() string { return docType }

// Index is an open knowledge-base index. It is safe for concurrent use;
// one Index should be shared by the whole process.
type Index struct {
	dir  string
	opts Options
	log  *slog.Logger

	mu           sync.RWMutex // guards bi and name; writers swap the index
	bi           bleve.Index
	name         string // sub-directory of dir holding bi
	needsRebuild bool

	rank     ranking
	analyzer analysis.Analyzer // the index's English analyzer
	words    analysis.Analyzer // the same without stop words
	stop     analysis.TokenMap // englishAnalyzer's stop words
	cache    *termCache
	results  *resultCache
	gate     Gate // uncached searches running at once (gate.go)

	synMu    sync.RWMutex
	synonyms []synGroup

	// mem mirrors the index in memory for scoring (see mem.go); nil until
	// it holds every document (after a rebuild, or LoadMemory for an
	// index that was already on disk), and searches ask bleve meanwhile.
	memMu sync.RWMutex
	mem   *memIndex
	// bleveOnly makes searches ignore mem (tests compare both passes).
	bleveOnly bool
	// memFailed: loading the mirror failed; searches stay on bleve.
	memFailed atomic.Bool
}

// englishAnalyzer is bleve's English analyzer (possessives, lower case,
// stop words, Porter stemming) with negations taken off the stop list:
// in a help center "can't sign in" and "not received" are the question.
const englishAnalyzer = "fd_en"

// keptStopWords are the negations englishAnalyzer keeps.
func keptStopWords() []string {
	return []string{"no", "nor", "not", "cannot", "can't", "couldn't", "don't", "doesn't", "didn't",
		"won't", "wouldn't", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "shouldn't", "mustn't"}
}

// negations are keptStopWords as a set, also written without apostrophes.
var negations = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range keptStopWords() {
		m[w] = true
		m[strings.ReplaceAll(w, "'", "")] = true
		m[strings.ReplaceAll(w, "'", "’")] = true
	}
	return m
}()

// wordsAnalyzer is the English analyzer without stop-word removal, for the
// "phrase" field: it keeps "sign up" apart from "sign in".
const wordsAnalyzer = "fd_words"

// spellAnalyzer only lower-cases: the "spell" field's dictionary holds the
// words as written, so a misspelling is compared with real words rather
// than with stems ("verificaton" is close to "verification", not to its
// stem "verif").
const spellAnalyzer = "fd_spell"

// newMapping builds the explicit index mapping. Text fields use the English
// analyzer (possessives, lower case, stop words, Porter stemming); only the
// fields a result list needs are stored.
func newMapping() (*mapping.IndexMappingImpl, error) {
	text := func(store, vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = englishAnalyzer
		f.Store = store
		f.IncludeTermVectors = vectors // phrase queries need positions
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	stored := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = keyword.Name
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := bleve.NewKeywordFieldMapping()
	kw.Store = true
	kw.IncludeInAll = false
	kw.DocValues = false
	kw.IncludeTermVectors = false
	helpful := bleve.NewNumericFieldMapping()
	helpful.Index = false
	helpful.Store = true
	helpful.IncludeInAll = false
	helpful.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt("title", text(true, true))
	dm.AddFieldMappingsAt("summary", text(true, true))
	dm.AddFieldMappingsAt("body", text(false, true))
	dm.AddFieldMappingsAt("meta", text(true, true))
	phrase := text(false, true)
	phrase.Analyzer = wordsAnalyzer
	dm.AddFieldMappingsAt("phrase", phrase)
	spell := text(false, false)
	spell.Analyzer = spellAnalyzer
	dm.AddFieldMappingsAt("spell", spell)
	dm.AddFieldMappingsAt("excerpt", stored())
	dm.AddFieldMappingsAt("slug", stored())
	dm.AddFieldMappingsAt("category_slug", kw)
	dm.AddFieldMappingsAt("helpful", helpful)

	im := bleve.NewIndexMapping()
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	im.DefaultAnalyzer = englishAnalyzer
	im.DefaultField = "body"
	im.ScoringModel = index.BM25Scoring
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	im.AddDocumentMapping(docType, dm)

	stop, err := stopWords()
	if err != nil {
		return nil, err
	}
	tokens := make([]interface{}, 0, len(stop))
	for w := range stop {
		tokens = append(tokens, w)
	}
	sort.Slice(tokens, func(i, j int) bool { return tokens[i].(string) < tokens[j].(string) })
	if err := im.AddCustomTokenMap("fd_stop_words", map[string]interface{}{"type": tokenmap.Name, "tokens": tokens}); err != nil {
		return nil, fmt.Errorf("search: stop words: %w", err)
	}
	if err := im.AddCustomTokenFilter("fd_stop", map[string]interface{}{"type": stopfilter.Name, "stop_token_map": "fd_stop_words"}); err != nil {
		return nil, fmt.Errorf("search: stop words: %w", err)
	}
	err = im.AddCustomAnalyzer(englishAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, lowercase.Name, "fd_stop", porter.Name},
	})
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	err = im.AddCustomAnalyzer(wordsAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, lowercase.Name, porter.Name},
	})
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	err = im.AddCustomAnalyzer(spellAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, lowercase.Name},
	})
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	return im, nil
}

// Open opens the index kept in dir, creating it when missing. An index
// that cannot be opened or whose stored mapping version differs from
// MappingVersion is replaced by a new empty one, and NeedsRebuild then
// reports true so the caller refills it from the database.
func Open(dir string, opts Options) (*Index, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("search: create index dir: %w", err)
	}
	if opts.ResultCache == 0 {
		opts.ResultCache = DefaultResultCache
	}
	ix := &Index{dir: dir, opts: opts, log: opts.Log, cache: newTermCache(), results: newResultCache(opts.ResultCache),
		rank: defaultRanking(), gate: NewGate()}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	ix.analyzer = m.AnalyzerNamed(englishAnalyzer)
	ix.words = m.AnalyzerNamed(wordsAnalyzer)
	if ix.stop, err = stopWords(); err != nil {
		return nil, err
	}
	if ix.analyzer == nil || ix.words == nil {
		return nil, errors.New("search: analyzers missing")
	}

	name := ix.currentName()
	if name != "" {
		bi, err := bleve.Open(filepath.Join(dir, name))
		if err == nil {
			v, verr := bi.GetInternal([]byte(keyMappingVersion))
			if verr == nil && string(v) == strconv.Itoa(MappingVersion) {
				ix.bi, ix.name = bi, name
			} else {
				ix.log.Info("search index mapping changed, rebuilding", "have", string(v), "want", MappingVersion)
				_ = bi.Close()
			}
		} else {
			ix.log.Warn("search index unreadable, rebuilding", "err", err)
		}
	}
	if ix.bi == nil {
		bi, name, err := ix.create()
		if err != nil {
			return nil, err
		}
		if err := ix.setCurrent(name); err != nil {
			_ = bi.Close()
			return nil, err
		}
		ix.bi, ix.name, ix.needsRebuild = bi, name, true
		ix.mem = newMemIndex() // empty, like the new index
	}
	ix.removeStale()
	return ix, nil
}

// currentName reads which sub-directory holds the live index.
func (ix *Index) currentName() string {
	b, err := os.ReadFile(filepath.Join(ix.dir, "current"))
	if err != nil {
		return ""
	}
	name := strings.TrimSpace(string(b))
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return ""
	}
	return name
}

// setCurrent atomically points "current" at name.
func (ix *Index) setCurrent(name string) error {
	tmp := filepath.Join(ix.dir, "current.tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o640); err != nil {
		return fmt.Errorf("search: write current: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(ix.dir, "current")); err != nil {
		return fmt.Errorf("search: write current: %w", err)
	}
	return nil
}

// removeStale deletes index directories other than the live one (left by
// a rebuild that crashed or an index that was replaced).
func (ix *Index) removeStale() {
	entries, err := os.ReadDir(ix.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "idx-") && e.Name() != ix.name {
			if err := os.RemoveAll(filepath.Join(ix.dir, e.Name())); err != nil {
				ix.log.Warn("remove stale search index", "dir", e.Name(), "err", err)
			}
		}
	}
}

// create makes a new empty index in a fresh sub-directory. Every batch
// waits for its fsync: scorch's unsafe_batch saved no CPU in a 50,000
// article rebuild, and its Close does not persist what is still in memory.
func (ix *Index) create() (bleve.Index, string, error) {
	name := fmt.Sprintf("idx-%d", time.Now().UnixNano())
	path := filepath.Join(ix.dir, name)
	m, err := newMapping()
	if err != nil {
		return nil, "", err
	}
	bi, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, "", fmt.Errorf("search: create index: %w", err)
	}
	if err := bi.SetInternal([]byte(keyMappingVersion), []byte(strconv.Itoa(MappingVersion))); err != nil {
		_ = bi.Close()
		return nil, "", fmt.Errorf("search: create index: %w", err)
	}
	return bi, name, nil
}

// NeedsRebuild reports whether Open found no usable index (missing,
// unreadable or built with another mapping version) and created an empty
// one that must be refilled from the database.
func (ix *Index) NeedsRebuild() bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.needsRebuild
}

// toIndexDoc turns an article into the indexed shape.
func toIndexDoc(d Doc) indexDoc {
	body := PlainText(d.Body)
	excerpt := body
	if len(excerpt) > excerptLimit {
		cut := excerptLimit
		for cut > 0 && !utf8Start(excerpt[cut]) {
			cut--
		}
		excerpt = excerpt[:cut]
	}
	meta := make([]string, 0, len(d.Tags)+1)
	for _, t := range d.Tags {
		if t = strings.TrimSpace(t); t != "" {
			meta = append(meta, t)
		}
	}
	if d.Category != "" {
		meta = append(meta, d.Category)
	}
	phrase := append([]string{d.Title, d.Summary}, d.Tags...)
	h := d.Helpful
	if h < 0 {
		h = 0
	} else if h > 1 {
		h = 1
	}
	return indexDoc{
		Title:        d.Title,
		Summary:      d.Summary,
		Body:         body,
		Excerpt:      excerpt,
		Meta:         meta,
		Phrase:       phrase,
		Spell:        phrase,
		Slug:         d.Slug,
		CategorySlug: d.CategorySlug,
		Helpful:      h,
	}
}

// errClosed is returned by every method of a closed Index.
var errClosed = errors.New("search: index closed")

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func docID(id int64) string { return strconv.FormatInt(id, 10) }

// Upsert adds or replaces articles in one batch.
func (ix *Index) Upsert(docs ...Doc) error {
	return ix.Apply(docs, nil, 0)
}

// Delete removes articles in one batch; unknown ids are ignored.
func (ix *Index) Delete(ids ...int64) error {
	return ix.Apply(nil, ids, 0)
}

// Apply upserts and deletes in one batch and, when lastChange > 0, records
// it as the last applied kb_changes id in that same batch, so the recorded
// position never runs ahead of the documents it covers.
func (ix *Index) Apply(upserts []Doc, deletes []int64, lastChange int64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return errClosed
	}
	b := ix.bi.NewBatch()
	docs := make([]indexDoc, len(upserts))
	for i, d := range upserts {
		docs[i] = toIndexDoc(d)
		if err := b.Index(docID(d.ID), docs[i]); err != nil {
			return fmt.Errorf("search: index article %d: %w", d.ID, err)
		}
	}
	for _, id := range deletes {
		b.Delete(docID(id))
	}
	if lastChange > 0 {
		b.SetInternal([]byte(keyLastChange), []byte(strconv.FormatInt(lastChange, 10)))
	}
	if b.Size() == 0 {
		return nil
	}
	var analyzed []analyzedDoc
	if ix.memory() != nil {
		analyzed = make([]analyzedDoc, len(docs))
		for i := range docs {
			analyzed[i] = ix.analyzeDoc(docs[i])
		}
	}
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("search: write batch: %w", err)
	}
	if analyzed != nil {
		ix.memMu.Lock()
		if m := ix.mem; m != nil {
			m.mu.Lock()
			for i, d := range upserts {
				m.upsert(d.ID, docs[i], analyzed[i])
			}
			for _, id := range deletes {
				m.remove(id)
			}
			m.compact()
			m.mu.Unlock()
		}
		ix.memMu.Unlock()
	}
	ix.cache.invalidate()
	ix.results.invalidate()
	return nil
}

// LastChange returns the id of the last kb_changes row applied to this
// index (0 when none).
func (ix *Index) LastChange() (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errClosed
	}
	v, err := ix.bi.GetInternal([]byte(keyLastChange))
	if err != nil {
		return 0, fmt.Errorf("search: read last change: %w", err)
	}
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("search: read last change: %w", err)
	}
	return n, nil
}

// SetLastChange records id as the last applied kb_changes row.
func (ix *Index) SetLastChange(id int64) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return errClosed
	}
	if err := ix.bi.SetInternal([]byte(keyLastChange), []byte(strconv.FormatInt(id, 10))); err != nil {
		return fmt.Errorf("search: write last change: %w", err)
	}
	return nil
}

// Count returns the number of indexed articles.
func (ix *Index) Count() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return 0, errClosed
	}
	return ix.bi.DocCount()
}

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

// Rebuild fills a fresh index from fill (which calls put once per
// published article), records lastChange in it and then replaces the live
// index, so searches keep answering from the old one meanwhile. Read
// lastChange before fill starts scanning so no change is missed.
func (ix *Index) Rebuild(lastChange int64, fill func(put func(Doc) error) error) error {
	bi, name, err := ix.create()
	if err != nil {
		return err
	}
	path := filepath.Join(ix.dir, name)
	fail := func(err error) error {
		_ = bi.Close()
		_ = os.RemoveAll(path)
		return err
	}
	mem := newMemIndex()
	b := bi.NewBatch()
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		if err := bi.Batch(b); err != nil {
			return fmt.Errorf("search: rebuild batch: %w", err)
		}
		b.Reset()
		return nil
	}
	put := func(d Doc) error {
		idoc := toIndexDoc(d)
		if err := b.Index(docID(d.ID), idoc); err != nil {
			return fmt.Errorf("search: index article %d: %w", d.ID, err)
		}
		mem.upsert(d.ID, idoc, ix.analyzeDoc(idoc))
		if b.Size() >= ix.opts.BatchSize {
			return flush()
		}
		return nil
	}
	if err := fill(put); err != nil {
		return fail(err)
	}
	mem.shrink()
	b.SetInternal([]byte(keyLastChange), []byte(strconv.FormatInt(lastChange, 10)))
	if err := flush(); err != nil {
		return fail(err)
	}
	if err := ix.setCurrent(name); err != nil {
		return fail(err)
	}

	ix.mu.Lock()
	old, oldName := ix.bi, ix.name
	ix.bi, ix.name, ix.needsRebuild = bi, name, false
	ix.memMu.Lock()
	ix.mem = mem
	ix.memMu.Unlock()
	ix.mu.Unlock()
	ix.cache.invalidate()
	ix.results.invalidate()
	if old != nil {
		if err := old.Close(); err != nil {
			ix.log.Warn("close replaced search index", "err", err)
		}
	}
	if oldName != "" && oldName != name {
		if err := os.RemoveAll(filepath.Join(ix.dir, oldName)); err != nil {
			ix.log.Warn("remove replaced search index", "err", err)
		}
	}
	return nil
}

// memory returns the in-memory mirror, nil while it is not loaded.
func (ix *Index) memory() *memIndex {
	ix.memMu.RLock()
	defer ix.memMu.RUnlock()
	if ix.bleveOnly {
		return nil
	}
	return ix.mem
}

// MemoryLoaded reports whether searches are scored from memory.
func (ix *Index) MemoryLoaded() bool { return ix.memory() != nil }

// MemoryPending reports whether the mirror is still to be loaded (not
// loaded, and loading has not failed).
func (ix *Index) MemoryPending() bool { return !ix.MemoryLoaded() && !ix.memFailed.Load() }

// LoadMemory fills the in-memory scoring mirror of an index that was
// already on disk (fill calls put once per indexed article, as for
// Rebuild). Searches ask bleve until it is done. Nothing else may write to
// the index meanwhile (the follower runs it before following; Apply keeps
// a loaded mirror in step). The articles are analysed on every core.
func (ix *Index) LoadMemory(fill func(put func(Doc) error) error) error {
	mem := newMemIndex()
	const batchSize = 256
	type item struct {
		id   int64
		idoc indexDoc
		a    analyzedDoc
	}
	batch := make([]Doc, 0, batchSize)
	items := make([]item, batchSize)
	workers := max(1, runtime.GOMAXPROCS(0))
	flush := func() {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < len(batch); i += workers {
					idoc := toIndexDoc(batch[i])
					items[i] = item{batch[i].ID, idoc, ix.analyzeDoc(idoc)}
				}
			}(w)
		}
		wg.Wait()
		for i := range batch {
			mem.upsert(items[i].id, items[i].idoc, items[i].a)
			items[i] = item{}
		}
		batch = batch[:0]
	}
	err := fill(func(d Doc) error {
		batch = append(batch, d)
		if len(batch) == batchSize {
			flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	mem.shrink()
	ix.memMu.Lock()
	ix.mem = mem
	ix.memMu.Unlock()
	ix.results.invalidate()
	return nil
}
