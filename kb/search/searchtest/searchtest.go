// Package searchtest loads the judged help-center fixtures and generates
// large deterministic corpora for the search benchmarks and the HTTP
// benchmark script. It is test support; the app does not import it.
package searchtest

import (
	"bytes"
	"fmt"
	"io/fs"
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

// Generator makes realistic-looking articles from fixture articles: each
// generated article takes one fixture as its topic and draws three words
// in four from that fixture's text (so, as in a real help center, a word
// like "password" is frequent in a few articles and absent from most) and
// the rest from the whole vocabulary by frequency. The words are arranged
// in sentences, paragraphs, headings and lists. The same seed and fixtures
// always give the same corpus.
type Generator struct {
	words  []string
	cum    []float64
	topics [][]string
	rng    *rand.Rand
	cats   []string
}

// words splits text into lower-case words of two letters or more.
func words(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if w = strings.Trim(w, "'"); len(w) >= 2 {
			out = append(out, w)
		}
	}
	return out
}

// NewGenerator returns a generator whose topics are the fixture docs.
func NewGenerator(seed uint64, fixtures []search.Doc) *Generator {
	vocab, freq := Vocabulary(fixtures)
	g := &Generator{words: vocab, cum: make([]float64, len(vocab)), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	total := 0.0
	for i, f := range freq {
		total += float64(f)
		g.cum[i] = total
	}
	for _, d := range fixtures {
		if ws := words(d.Title + " " + d.Summary + " " + strings.Join(d.Tags, " ") + " " + search.PlainText(d.Body)); len(ws) > 0 {
			g.topics = append(g.topics, ws)
		}
	}
	g.cats = []string{"account", "billing", "tickets", "integrations", "troubleshooting", "orders", "shipping", "returns"}
	return g
}

func (g *Generator) globalWord() string {
	x := g.rng.Float64() * g.cum[len(g.cum)-1]
	i := sort.SearchFloat64s(g.cum, x)
	return g.words[min(i, len(g.words)-1)]
}

func (g *Generator) word(topic []string) string {
	if g.rng.IntN(4) == 0 {
		return g.globalWord()
	}
	return topic[g.rng.IntN(len(topic))]
}

func (g *Generator) phrase(topic []string, min, max int) string {
	n := min + g.rng.IntN(max-min+1)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.word(topic)
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

func (g *Generator) sentence(topic []string) string {
	return capitalize(g.phrase(topic, 6, 16)) + "."
}

// Doc generates article number i (ids start at 1).
func (g *Generator) Doc(i int) search.Doc {
	topic := g.topics[g.rng.IntN(len(g.topics))]
	var body strings.Builder
	paragraphs := 3 + g.rng.IntN(5)
	for p := 0; p < paragraphs; p++ {
		switch g.rng.IntN(6) {
		case 0:
			fmt.Fprintf(&body, "## %s\n\n", capitalize(g.phrase(topic, 2, 5)))
		case 1:
			for k := 0; k < 2+g.rng.IntN(3); k++ {
				fmt.Fprintf(&body, "- %s **%s** %s\n", capitalize(g.phrase(topic, 2, 5)), g.word(topic), g.phrase(topic, 2, 6))
			}
			body.WriteString("\n")
			continue
		}
		for s := 0; s < 2+g.rng.IntN(4); s++ {
			body.WriteString(g.sentence(topic))
			body.WriteString(" ")
		}
		body.WriteString("\n\n")
	}
	cat := g.cats[g.rng.IntN(len(g.cats))]
	return search.Doc{
		ID:           int64(i),
		Slug:         fmt.Sprintf("gen-%d", i),
		Title:        capitalize(g.phrase(topic, 3, 7)),
		Summary:      g.sentence(topic),
		Body:         body.String(),
		Tags:         []string{g.word(topic), g.word(topic)},
		Category:     capitalize(cat),
		CategorySlug: cat,
		Helpful:      g.rng.Float64(),
	}
}

// Queries returns n queries, a mix of what customers type: one to five words drawn
// from the corpus vocabulary, misspelled words, half-typed last words,
// questions with stop words and quoted phrases.
func Queries(seed uint64, words []string, n int) []string {
	rng := rand.New(rand.NewPCG(seed, seed))
	// Content words: skip the very most frequent (mostly stop words).
	content := words[min(40, len(words)/4):min(len(words), 1500)]
	pick := func() string { return content[rng.IntN(len(content))] }
	typo := func(w string) string {
		if len(w) < 5 {
			return w
		}
		r := []byte(w)
		switch rng.IntN(3) {
		case 0: // swap two letters
			i := 1 + rng.IntN(len(r)-2)
			r[i], r[i+1] = r[i+1], r[i]
		case 1: // drop a letter
			i := 1 + rng.IntN(len(r)-2)
			r = append(r[:i], r[i+1:]...)
		default: // double a letter
			i := 1 + rng.IntN(len(r)-2)
			r = append(r[:i+1], r[i:]...)
		}
		return string(r)
	}
	var qs []string
	for len(qs) < n {
		switch rng.IntN(8) {
		case 0:
			qs = append(qs, pick()+" ")
		case 1:
			qs = append(qs, pick()+" "+pick()+" ")
		case 2:
			qs = append(qs, "how do i "+pick()+" my "+pick()+" ")
		case 3:
			qs = append(qs, typo(pick())+" "+pick()+" ")
		case 4:
			w := pick()
			qs = append(qs, pick()+" "+w[:min(len(w), 2+rng.IntN(3))])
		case 5:
			qs = append(qs, `"`+pick()+" "+pick()+`"`)
		case 6:
			qs = append(qs, pick()+" "+pick()+" "+pick()+" "+typo(pick())+" ")
		default:
			w := pick()
			qs = append(qs, w[:min(len(w), 3+rng.IntN(4))])
		}
	}
	return qs
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
