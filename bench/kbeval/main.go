// Command kbeval prints the knowledge-base search evaluation: the KB's
// engine and stock SQLite FTS5 BM25 on the held-out LibreOffice corpus,
// tuning half and held-out half side by side, and the held-out targets.
//
//	go run ./bench/kbeval            # table and targets
//	go run ./bench/kbeval -misses    # also the queries each engine missed
//	go run ./bench/kbeval -notfirst  # every tuning query whose answer is not first, with the top 3 titles
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/frontdesk/frontdesk/kb/eval"
)

func main() {
	corpus := flag.String("corpus", "kb/eval/testdata/libreoffice.jsonl.gz", "corpus (gzipped JSON lines)")
	queries := flag.String("queries", "kb/eval/testdata/queries.json", "judged queries")
	misses := flag.Bool("misses", false, "list the queries with nothing relevant in the top 5")
	notFirst := flag.Bool("notfirst", false, "list every query whose first relevant article is not ranked first (kb/search only), with its rank and the top 3 titles")
	half := flag.String("half", "tune", "which half's misses to list (tune; heldout only to report)")
	flag.Parse()
	if err := run(*corpus, *queries, *misses, *notFirst, *half); err != nil {
		fmt.Fprintln(os.Stderr, "kbeval:", err)
		os.Exit(1)
	}
}

func run(corpusPath, queriesPath string, misses, notFirst bool, half string) error {
	ctx := context.Background()
	corpus, err := eval.LoadCorpus(corpusPath)
	if err != nil {
		return err
	}
	qs, err := eval.LoadQueries(queriesPath, corpus)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "kbeval")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kb, err := eval.NewKB(dir, corpus)
	if err != nil {
		return err
	}
	defer kb.Close()
	fts, err := eval.NewFTS5(corpus)
	if err != nil {
		return err
	}
	defer fts.Close()
	rep, err := eval.Compare(ctx, qs, kb, fts)
	if err != nil {
		return err
	}
	fmt.Printf("corpus: %d articles (%s); queries: %d\n\n", len(corpus), corpusPath, len(qs))
	rep.Print(os.Stdout)
	fmt.Println()
	for _, c := range eval.Check(rep, kb.Name(), fts.Name()) {
		fmt.Println(c)
	}
	if misses {
		for _, name := range rep.Order {
			fmt.Printf("\n%s, %s half: not in the top 5\n", name, half)
			for _, m := range rep.Scores[name][half].Misses {
				fmt.Printf("  %-45q rank %2d  got %v\n", m.Query, m.Rank, m.Got)
			}
		}
	}
	if notFirst {
		titles := make(map[string]string, len(corpus))
		for _, a := range corpus {
			titles[a.Slug] = a.Title
		}
		name := kb.Name()
		nf := rep.Scores[name][half].NotFirst
		fmt.Printf("\n%s, %s half: %d queries whose first relevant article is not first (rank 0: not in the top 10)\n", name, half, len(nf))
		for _, m := range nf {
			fmt.Printf("\n  %q (%s) rank %d\n", m.Query, m.Kind, m.Rank)
			for _, r := range m.Relevant {
				fmt.Printf("      want: %s  [%s]\n", titles[r], r)
			}
			for i, g := range m.Got {
				fmt.Printf("    %d. %s  [%s]\n", i+1, titles[g], g)
			}
		}
	}
	return nil
}
