// Command kbgen writes a deterministic corpus of generated help-center
// articles as Markdown files with front matter, for bench/kb-search.sh
// (`frontdesk kb import` reads them). The text is drawn from the fixture
// articles in kb/demo and kb/testdata/corpus, topic by topic, the same way
// the kb/search benchmarks generate theirs.
//
//	go run ./bench/kbgen -n 50000 -out /tmp/articles
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/frontdesk/frontdesk/kb/search"
	"github.com/frontdesk/frontdesk/kb/search/searchtest"
)

func main() {
	n := flag.Int("n", 50000, "number of articles")
	out := flag.String("out", "", "output directory (created)")
	seed := flag.Uint64("seed", 1, "random seed")
	fixtures := flag.String("fixtures", "kb/demo,kb/testdata/corpus", "comma-separated folders of fixture articles to draw words from")
	queries := flag.String("queries", "", "also write this many-line file of search queries (one per line) here")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "kbgen: -out is required")
		os.Exit(2)
	}
	if err := run(*n, *out, *seed, strings.Split(*fixtures, ","), *queries); err != nil {
		fmt.Fprintln(os.Stderr, "kbgen:", err)
		os.Exit(1)
	}
}

func run(n int, out string, seed uint64, dirs []string, queriesPath string) error {
	var fx []search.Doc
	for _, d := range dirs {
		docs, err := searchtest.LoadDir(strings.TrimSpace(d), 1, nil)
		if err != nil {
			return err
		}
		fx = append(fx, docs...)
	}
	if len(fx) == 0 {
		return fmt.Errorf("no fixture articles in %v", dirs)
	}
	g := searchtest.NewGenerator(seed, fx)
	for i := 1; i <= n; i++ {
		d := g.Doc(i)
		// 1,000 files per folder keeps directories small.
		dir := filepath.Join(out, fmt.Sprintf("%03d", i/1000))
		if i%1000 == 0 || i == 1 {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(dir, d.Slug+".md"), []byte(searchtest.Markdown(d)), 0o644); err != nil {
			return err
		}
	}
	if queriesPath != "" {
		words, _ := searchtest.Vocabulary(fx)
		qs := searchtest.Queries(seed, words, 200)
		if err := os.WriteFile(queriesPath, []byte(strings.Join(qs, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
