// Package searchtest loads the judged help-center fixtures and generates
// large deterministic corpora for the search benchmarks and the HTTP
// benchmark script. It is test support; the app does not import it.
package searchtest

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/frontdesk/frontdesk/kb/search"
)

// FrontMatter is the YAML header of a fixture article.
type FrontMatter struct {
	Title    string   `yaml:"title"`
	Slug     string   `yaml:"slug"`
	Summary  string   `yaml:"summary"`
	Tags     []string `yaml:"tags"`
	Category string   `yaml:"category"`
	Status   string   `yaml:"status"`
}

// LoadDir reads every .md file under dir (recursively) into index
// documents with ids from firstID on. Drafts and archived articles are
// skipped, as the index only holds published ones. The category is the
// front matter's category (a slug); names maps it to a display name.
func LoadDir(dir string, firstID int64, names map[string]string) ([]search.Doc, error) {
	var docs []search.Doc
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	id := firstID
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		fm, body, err := ParseFrontMatter(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if fm.Status != "" && fm.Status != "published" {
			continue
		}
		if fm.Slug == "" {
			fm.Slug = strings.TrimSuffix(filepath.Base(path), ".md")
		}
		name := names[fm.Category]
		if name == "" {
			name = fm.Category
		}
		docs = append(docs, search.Doc{
			ID: id, Slug: fm.Slug, Title: fm.Title, Summary: fm.Summary, Body: body,
			Tags: fm.Tags, Category: name, CategorySlug: fm.Category, Helpful: 0.5,
		})
		id++
	}
	return docs, nil
}

// ParseFrontMatter splits "---\nyaml\n---\nbody".
func ParseFrontMatter(b []byte) (FrontMatter, string, error) {
	var fm FrontMatter
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	if !strings.HasPrefix(s, "---\n") {
		return fm, s, nil
	}
	rest := s[4:]
	end := strings.Index(rest, "\n---")
	if end < 0 {
		return fm, s, fmt.Errorf("front matter not closed")
	}
	if err := yaml.Unmarshal([]byte(rest[:end]), &fm); err != nil {
		return fm, s, fmt.Errorf("front matter: %w", err)
	}
	body := rest[end+4:]
	if i := strings.IndexByte(body, '\n'); i >= 0 {
		body = body[i+1:]
	} else {
		body = ""
	}
	return fm, body, nil
}

// Vocabulary returns the distinct lower-case words of docs (letters only,
// two or more), most frequent first, with their counts.
func Vocabulary(docs []search.Doc) ([]string, []int) {
	counts := map[string]int{}
	for _, d := range docs {
		text := d.Title + " " + d.Summary + " " + search.PlainText(d.Body)
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) >= 2 {
				counts[w]++
			}
		}
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	freq := make([]int, len(words))
	for i, w := range words {
		freq[i] = counts[w]
	}
	return words, freq
}

// Generator makes realistic-looking articles from a vocabulary: words are
// drawn with the vocabulary's own frequencies (so common words stay
// common and rare ones rare), arranged in sentences, paragraphs, headings
// and lists. The same seed always gives the same corpus.
type Generator struct {
	words []string
	cum   []float64
	rng   *rand.Rand
	cats  []string
}

// NewGenerator returns a generator over words weighted by freq.
func NewGenerator(seed uint64, words []string, freq []int) *Generator {
	g := &Generator{words: words, cum: make([]float64, len(words)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	total := 0.0
	for i, f := range freq {
		// Dampen the head so articles are not all "the" and "your".
		total += math.Sqrt(float64(f))
		g.cum[i] = total
	}
	g.cats = []string{"account", "billing", "tickets", "integrations", "troubleshooting", "orders", "shipping", "returns"}
	return g
}

func (g *Generator) word() string {
	x := g.rng.Float64() * g.cum[len(g.cum)-1]
	i := sort.SearchFloat64s(g.cum, x)
	return g.words[min(i, len(g.words)-1)]
}

func (g *Generator) phrase(min, max int) string {
	n := min + g.rng.IntN(max-min+1)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.word()
	}
	return strings.Join(parts, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func (g *Generator) sentence() string {
	return capitalize(g.phrase(6, 16)) + "."
}

// Doc generates article number i (ids start at 1).
func (g *Generator) Doc(i int) search.Doc {
	var body strings.Builder
	paragraphs := 3 + g.rng.IntN(5)
	for p := 0; p < paragraphs; p++ {
		switch g.rng.IntN(6) {
		case 0:
			fmt.Fprintf(&body, "## %s\n\n", capitalize(g.phrase(2, 5)))
		case 1:
			for k := 0; k < 2+g.rng.IntN(3); k++ {
				fmt.Fprintf(&body, "- %s **%s** %s\n", capitalize(g.phrase(2, 5)), g.word(), g.phrase(2, 6))
			}
			body.WriteString("\n")
			continue
		}
		for s := 0; s < 2+g.rng.IntN(4); s++ {
			body.WriteString(g.sentence())
			body.WriteString(" ")
		}
		body.WriteString("\n\n")
	}
	title := capitalize(g.phrase(3, 7))
	cat := g.cats[g.rng.IntN(len(g.cats))]
	tags := []string{g.word(), g.word()}
	return search.Doc{
		ID:           int64(i),
		Slug:         fmt.Sprintf("gen-%d", i),
		Title:        title,
		Summary:      g.sentence(),
		Body:         body.String(),
		Tags:         tags,
		Category:     capitalize(cat),
		CategorySlug: cat,
		Helpful:      g.rng.Float64(),
	}
}

// Markdown renders d as an importable file with front matter.
func Markdown(d search.Doc) string {
	fm := FrontMatter{Title: d.Title, Slug: d.Slug, Summary: d.Summary, Tags: d.Tags, Category: d.CategorySlug, Status: "published"}
	y, err := yaml.Marshal(fm)
	if err != nil {
		panic(err) // a plain struct always marshals
	}
	return "---\n" + string(y) + "---\n" + d.Body
}
