// Package eval measures knowledge-base search on a corpus nobody here
// wrote (kb/eval/testdata: the LibreOffice help shipped by Debian) with
// queries written before any engine ran them, split into a tuning half and
// a held-out half. It scores the KB's own engine (kb/search) and, on the
// same articles and queries, stock SQLite FTS5 BM25, so a change to the
// ranking is judged against a baseline it cannot have been fitted to.
//
// `go run ./bench/kbeval` prints the table; TestHeldOut holds the targets.
package eval

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	_ "modernc.org/sqlite" // FTS5 baseline

	"github.com/frontdesk/frontdesk/kb/search"
)

// Article is one article of the evaluation corpus.
type Article struct {
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Tags     []string `json:"tags"`
	Body     string   `json:"body"`
}

// Judged is one query with the articles that answer it.
type Judged struct {
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"`
	Kind     string   `json:"kind"` // typo, question, two-word, partial, keyword
	Half     string   `json:"half"` // tune or heldout
}

// Halves, in the order they are reported.
var Halves = []string{"tune", "heldout"}

// LoadCorpus reads a gzipped JSON-lines corpus.
func LoadCorpus(path string) ([]Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dec := json.NewDecoder(bufio.NewReader(zr))
	var out []Article
	for {
		var a Article
		if err := dec.Decode(&a); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: article %d: %w", path, len(out)+1, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// LoadQueries reads the judged queries and checks each names articles of
// the corpus and a known half.
func LoadQueries(path string, corpus []Article) ([]Judged, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var qs []Judged
	if err := json.Unmarshal(b, &qs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	slugs := make(map[string]bool, len(corpus))
	for _, a := range corpus {
		slugs[a.Slug] = true
	}
	for _, q := range qs {
		if q.Half != "tune" && q.Half != "heldout" {
			return nil, fmt.Errorf("%s: query %q: half %q", path, q.Query, q.Half)
		}
		for _, r := range q.Relevant {
			if !slugs[r] {
				return nil, fmt.Errorf("%s: query %q: no article %q", path, q.Query, r)
			}
		}
	}
	return qs, nil
}

// Engine answers a query with article slugs, best first.
type Engine interface {
	Name() string
	Search(ctx context.Context, q string, limit int) ([]string, error)
	Close() error
}

// Score is one engine's quality on a set of queries.
type Score struct {
	N        int
	MRR      float64 // mean reciprocal rank of the first relevant article in the top 10
	Recall1  float64 // share of queries with a relevant article first
	Recall5  float64 // share with a relevant article in the top 5
	Recall10 float64
	Misses   []Miss // queries with nothing relevant in the top 5
	NotFirst []Miss // queries whose first relevant article is not ranked first
}

// Miss is a query whose answer was not where it should be.
type Miss struct {
	Query    string
	Kind     string
	Rank     int // 0: not in the top 10
	Got      []string
	Relevant []string
}

// Run scores engine on the queries of one half ("" for all).
func Run(ctx context.Context, e Engine, qs []Judged, half string) (Score, error) {
	var s Score
	for _, q := range qs {
		if half != "" && q.Half != half {
			continue
		}
		got, err := e.Search(ctx, q.Query, 10)
		if err != nil {
			return s, fmt.Errorf("%s: %q: %w", e.Name(), q.Query, err)
		}
		rank := 0
		for i, slug := range got {
			for _, r := range q.Relevant {
				if slug == r && rank == 0 {
					rank = i + 1
				}
			}
		}
		s.N++
		if rank > 0 {
			s.MRR += 1 / float64(rank)
			s.Recall10++
		}
		if rank == 1 {
			s.Recall1++
		}
		if rank >= 1 && rank <= 5 {
			s.Recall5++
		} else {
			s.Misses = append(s.Misses, Miss{Query: q.Query, Kind: q.Kind, Rank: rank, Got: got[:min(5, len(got))], Relevant: q.Relevant})
		}
		if rank != 1 {
			s.NotFirst = append(s.NotFirst, Miss{Query: q.Query, Kind: q.Kind, Rank: rank, Got: got[:min(3, len(got))], Relevant: q.Relevant})
		}
	}
	if s.N > 0 {
		n := float64(s.N)
		s.MRR /= n
		s.Recall1 /= n
		s.Recall5 /= n
		s.Recall10 /= n
	}
	return s, nil
}

// Docs turns the corpus into index documents (ids from 1, in file order).
func Docs(corpus []Article) []search.Doc {
	docs := make([]search.Doc, len(corpus))
	for i, a := range corpus {
		docs[i] = search.Doc{
			ID: int64(i + 1), Slug: a.Slug, Title: a.Title, Body: a.Body, Tags: a.Tags,
			Category: a.Category, CategorySlug: strings.ToLower(a.Category), Helpful: 0.5,
		}
	}
	return docs
}

// KB is the knowledge base's own engine over a fresh index in dir.
type KB struct {
	ix *search.Index
}

// NewKB indexes the corpus into a new index under dir.
func NewKB(dir string, corpus []Article) (*KB, error) {
	ix, err := search.Open(filepath.Join(dir, "kb-eval-index"), search.Options{ResultCache: -1})
	if err != nil {
		return nil, err
	}
	if err := ix.Upsert(Docs(corpus)...); err != nil {
		_ = ix.Close()
		return nil, err
	}
	// As deployed: a new help center starts with the default synonyms.
	ix.SetSynonyms(search.DefaultSynonyms())
	return &KB{ix: ix}, nil
}

func (k *KB) Name() string { return "frontdesk kb/search" }

func (k *KB) Search(ctx context.Context, q string, limit int) ([]string, error) {
	res, err := k.ix.Search(ctx, search.Query{Text: q, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.Slug
	}
	return out, nil
}

func (k *KB) Close() error { return k.ix.Close() }

// FTS5 is stock SQLite FTS5 (porter + unicode61 tokenizer, bm25() with
// equal column weights) over title, tags and body; a query is its words
// OR-ed, as a plain search box would send them.
type FTS5 struct {
	db *sql.DB
}

// NewFTS5 loads the corpus into an in-memory FTS5 table.
func NewFTS5(corpus []Article) (*FTS5, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE articles USING fts5(slug UNINDEXED, title, tags, body, tokenize='porter unicode61')`); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("fts5: %w", err)
	}
	tx, err := db.Begin()
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	for _, a := range corpus {
		if _, err := tx.Exec(`INSERT INTO articles(slug, title, tags, body) VALUES (?, ?, ?, ?)`,
			a.Slug, a.Title, strings.Join(a.Tags, "\n"), a.Body); err != nil {
			_ = tx.Rollback()
			_ = db.Close()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &FTS5{db: db}, nil
}

func (f *FTS5) Name() string { return "SQLite FTS5 BM25" }

// FTS5Query is the MATCH expression for text: every word quoted, OR-ed.
func FTS5Query(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	return strings.Join(words, " OR ")
}

func (f *FTS5) Search(ctx context.Context, q string, limit int) ([]string, error) {
	m := FTS5Query(q)
	if m == "" {
		return nil, nil
	}
	rows, err := f.db.QueryContext(ctx, `SELECT slug FROM articles WHERE articles MATCH ? ORDER BY bm25(articles) LIMIT ?`, m, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (f *FTS5) Close() error { return f.db.Close() }

// Report is the comparison the evaluation prints.
type Report struct {
	Scores map[string]map[string]Score // engine name → half → score
	Order  []string                    // engine names
}

// Compare runs every engine on both halves.
func Compare(ctx context.Context, qs []Judged, engines ...Engine) (Report, error) {
	r := Report{Scores: map[string]map[string]Score{}}
	for _, e := range engines {
		r.Order = append(r.Order, e.Name())
		r.Scores[e.Name()] = map[string]Score{}
		for _, h := range Halves {
			s, err := Run(ctx, e, qs, h)
			if err != nil {
				return r, err
			}
			r.Scores[e.Name()][h] = s
		}
	}
	return r, nil
}

// Print writes the table: one line per engine and half.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%-22s %-8s %4s %7s %7s %7s %7s\n", "engine", "half", "n", "MRR", "R@1", "R@5", "R@10")
	for _, name := range r.Order {
		for _, h := range Halves {
			s := r.Scores[name][h]
			fmt.Fprintf(w, "%-22s %-8s %4d %7.3f %7.3f %7.3f %7.3f\n", name, h, s.N, s.MRR, s.Recall1, s.Recall5, s.Recall10)
		}
	}
}
