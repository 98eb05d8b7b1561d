// Command kbcorpus turns the LibreOffice help shipped by Debian's
// libreoffice-help-en-us package (HTML, MPL-2.0) into the compact corpus
// of the knowledge-base evaluation: one JSON article per line, gzipped
// (kb/eval/testdata/libreoffice.jsonl.gz). bench/kb-eval-corpus.sh
// downloads and extracts the package and runs it.
//
// Each help page becomes one article: its <title> is the title, its index
// keywords the tags, its module (Calc, Writer, ...) the category and the
// text of its display area, as light Markdown, the body. Pages with almost
// no text (menu stubs) are left out.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

type article struct {
	Slug     string   `json:"slug"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Tags     []string `json:"tags,omitempty"`
	Body     string   `json:"body"`
}

var modules = map[string]string{
	"scalc": "Calc", "swriter": "Writer", "simpress": "Impress", "sdraw": "Draw",
	"smath": "Math", "sdatabase": "Base", "sbasic": "Basic", "schart": "Chart", "shared": "General",
}

func main() {
	in := flag.String("in", "", "extracted help folder (…/help/en-US)")
	out := flag.String("out", "kb/eval/testdata/libreoffice.jsonl.gz", "output file")
	minBody := flag.Int("min-body", 200, "leave out pages with less body text than this")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "usage: kbcorpus -in …/help/en-US [-out FILE]")
		os.Exit(2)
	}
	if err := run(*in, *out, *minBody); err != nil {
		fmt.Fprintln(os.Stderr, "kbcorpus:", err)
		os.Exit(1)
	}
}

func run(in, out string, minBody int) error {
	var paths []string
	err := filepath.WalkDir(filepath.Join(in, "text"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".html") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	kept, skipped := 0, 0
	for _, p := range paths {
		rel, _ := filepath.Rel(filepath.Join(in, "text"), p)
		a, err := convert(p, rel)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if a.Title == "" || len(a.Body) < minBody {
			skipped++
			continue
		}
		if err := enc.Encode(a); err != nil {
			return err
		}
		kept++
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%d articles written to %s (%d short pages left out)\n", kept, out, skipped)
	return nil
}

func convert(path, rel string) (article, error) {
	fh, err := os.Open(path)
	if err != nil {
		return article{}, err
	}
	defer fh.Close()
	doc, err := goquery.NewDocumentFromReader(fh)
	if err != nil {
		return article{}, err
	}
	slug := strings.TrimSuffix(rel, ".html")
	slug = strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(slug))
	a := article{Slug: slug, Title: clean(doc.Find("head title").First().Text())}
	mod := strings.SplitN(rel, string(filepath.Separator), 2)[0]
	a.Category = modules[mod]
	if a.Category == "" {
		a.Category = "General"
	}
	area := doc.Find("#DisplayArea")
	seen := map[string]bool{}
	area.Find(`meta[itemprop="keywords"]`).Each(func(_ int, s *goquery.Selection) {
		k, _ := s.Attr("content")
		k = clean(k)
		if k != "" && !seen[k] && len(a.Tags) < 12 {
			seen[k] = true
			a.Tags = append(a.Tags, k)
		}
	})
	area.Find(".relatedtopics, .noteicon, #SearchFrame, #DonationFrame, footer, script, style").Remove()
	var b strings.Builder
	first := true
	area.Find("h1, h2, h3, h4, h5, h6, p, pre").Each(func(_ int, s *goquery.Selection) {
		if s.ParentsFiltered("p, pre").Length() > 0 {
			return
		}
		t := clean(s.Text())
		if t == "" {
			return
		}
		name := goquery.NodeName(s)
		switch {
		case name == "h1" && first && strings.EqualFold(t, a.Title):
		case name[0] == 'h':
			fmt.Fprintf(&b, "## %s\n\n", t)
		case name == "pre":
			fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.TrimSpace(s.Text()))
		case s.ParentsFiltered("li").Length() > 0:
			fmt.Fprintf(&b, "- %s\n\n", t)
		default:
			fmt.Fprintf(&b, "%s\n\n", t)
		}
		first = false
	})
	a.Body = strings.TrimSpace(b.String())
	return a, nil
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }
