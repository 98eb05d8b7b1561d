package kb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"gopkg.in/yaml.v3"

	"github.com/frontdesk/frontdesk/platform/web"
)

// importBatch is how many files go into one transaction: large enough to
// make a 50,000-file import fast, small enough that a failing batch is
// cheap to retry file by file.
const importBatch = 500

// maxTitleRunes is the longest title the editor accepts (ArticleInput.Validate).
const maxTitleRunes = 300

// ImportFile is one Markdown file to import.
type ImportFile struct {
	// Source identifies the file across imports (cleaned absolute path,
	// or "demo:<path>" for the embedded demo articles).
	Source string
	// Display is how the file is named in error messages.
	Display string
	Data    []byte
	// ReadErr is set when the file could not be read.
	ReadErr error
}

// ImportFailure is a file that could not be imported, and why.
type ImportFailure struct {
	Path string
	Err  error
}

// ImportReport counts what an import did.
type ImportReport struct {
	Created, Updated, Unchanged, Failed int
	Failures                            []ImportFailure
}

// ImportOptions tune an import.
type ImportOptions struct {
	// Category (name or slug) for files whose front matter names none; it
	// is created when missing.
	Category string
	// ActorID is recorded as the author of the revisions (nil for the CLI).
	ActorID *int64
	// Progress, when set, is called after each batch with the files done.
	Progress func(done, total int)
}

// frontMatter is the YAML header of an imported file.
type frontMatter struct {
	Title    string `yaml:"title"`
	Slug     string `yaml:"slug"`
	Summary  string `yaml:"summary"`
	Category string `yaml:"category"`
	Tags     any    `yaml:"tags"` // a list or a comma-separated string
	Status   string `yaml:"status"`
	Position int    `yaml:"position"`
}

// parsedFile is an ImportFile turned into article fields.
type parsedFile struct {
	file     ImportFile
	in       ArticleInput
	category string
}

// ParseArticleFile reads front matter (YAML between "---" lines) and the
// Markdown body. Without a front-matter title the first "# " heading is
// the title (and is removed from the body); else the file name.
func ParseArticleFile(name string, data []byte) (ArticleInput, string, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))) == 0 {
		return ArticleInput{}, "", errors.New("the file is empty")
	}
	if !utf8.Valid(data) {
		return ArticleInput{}, "", errors.New("not UTF-8 text")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return ArticleInput{}, "", errors.New("binary file, not Markdown")
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var fm frontMatter
	if strings.HasPrefix(text, "---\n") {
		rest := text[4:]
		end := strings.Index(rest, "\n---")
		if end < 0 {
			return ArticleInput{}, "", errors.New("front matter starts with --- but never ends")
		}
		header := rest[:end]
		body := rest[end+4:]
		if i := strings.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		} else {
			body = ""
		}
		if err := yaml.Unmarshal([]byte(header), &fm); err != nil {
			return ArticleInput{}, "", fmt.Errorf("front matter: %w", err)
		}
		text = body
	}
	in := ArticleInput{
		Title: strings.TrimSpace(fm.Title), Slug: strings.TrimSpace(fm.Slug),
		Summary: strings.TrimSpace(fm.Summary), Status: strings.ToLower(strings.TrimSpace(fm.Status)),
		Position: fm.Position,
	}
	switch t := fm.Tags.(type) {
	case nil:
	case string:
		in.Tags = t
	case []any:
		parts := make([]string, 0, len(t))
		for _, v := range t {
			parts = append(parts, fmt.Sprint(v))
		}
		in.Tags = strings.Join(parts, ",")
	default:
		return ArticleInput{}, "", errors.New("front matter: tags must be a list or a comma-separated string")
	}
	if in.Title == "" {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) == "" {
				continue
			}
			if strings.HasPrefix(l, "# ") {
				in.Title = strings.TrimSpace(strings.TrimPrefix(l, "# "))
				text = strings.Join(lines[i+1:], "\n")
			}
			break
		}
	}
	if in.Title == "" {
		base := path.Base(filepath.ToSlash(name))
		base = strings.TrimSuffix(base, path.Ext(base))
		in.Title = strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(base))
		// Upper-case the first letter, not the first byte ("über-uns.md"
		// is "Über uns").
		if r, size := utf8.DecodeRuneInString(in.Title); size > 0 {
			in.Title = string(unicode.ToUpper(r)) + in.Title[size:]
		}
	}
	// A title longer than the editor allows is cut, by characters.
	in.Title = strings.TrimSpace(truncate(in.Title, maxTitleRunes))
	if in.Status == "" {
		in.Status = StatusPublished
	}
	if strings.TrimSpace(text) == "" {
		return ArticleInput{}, "", errors.New("the article has no text, only a title")
	}
	in.Body = strings.Trim(text, "\n") + "\n"
	if fe := in.Validate(); fe.Any() {
		return ArticleInput{}, "", fmt.Errorf("%s", fe.Error())
	}
	return in, strings.TrimSpace(fm.Category), nil
}

// CollectFiles turns command-line paths (files or folders, searched
// recursively for .md and .markdown files) into import files. Unreadable
// paths come back as files with ReadErr set, so they are reported and the
// rest still import.
func CollectFiles(paths []string) []ImportFile {
	var out []ImportFile
	add := func(p string) {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		abs = filepath.Clean(abs)
		data, err := os.ReadFile(abs)
		out = append(out, ImportFile{Source: abs, Display: p, Data: data, ReadErr: err})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			out = append(out, ImportFile{Source: p, Display: p, ReadErr: err})
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		_ = filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, ImportFile{Source: fp, Display: fp, ReadErr: err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if fp != p && strings.HasPrefix(d.Name(), ".") {
					return fs.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(fp))
			if ext == ".md" || ext == ".markdown" {
				add(fp)
			}
			return nil
		})
	}
	return out
}

// CollectFS reads every .md file under root of fsys (the embedded demo),
// naming each source prefix+path.
func CollectFS(fsys fs.FS, root, prefix string) ([]ImportFile, error) {
	var out []ImportFile
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(strings.ToLower(p), ".md") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		out = append(out, ImportFile{Source: prefix + p, Display: p, Data: data, ReadErr: err})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, err
}

// Import creates or updates one article per file. A file is matched to an
// existing article by its source path, else by slug; a changed file
// becomes a new revision and an identical one is left alone, so
// re-importing never duplicates. Files that cannot be read or parsed are
// reported in the result and the others still import.
func (s *Service) Import(ctx context.Context, files []ImportFile, opts ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{}
	fail := func(f ImportFile, err error) {
		rep.Failed++
		rep.Failures = append(rep.Failures, ImportFailure{Path: f.Display, Err: err})
	}
	var parsed []parsedFile
	slugOwner := map[string]string{} // front-matter slug → file claiming it
	for _, f := range files {
		if f.ReadErr != nil {
			fail(f, f.ReadErr)
			continue
		}
		// The edge's cleaning, as web.CleanInput does for requests: control
		// characters in a file never reach the database. A file with a NUL
		// byte (PostgreSQL refuses it) or that is not UTF-8 is refused by
		// ParseArticleFile as binary or not UTF-8, rather than imported
		// with characters missing or replaced.
		data := f.Data
		if utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 {
			if clean := web.CleanText(string(data)); clean != string(data) {
				data = []byte(clean)
			}
		}
		in, cat, err := ParseArticleFile(f.Display, data)
		if err != nil {
			fail(f, err)
			continue
		}
		if in.Slug != "" {
			if other, ok := slugOwner[in.Slug]; ok {
				fail(f, fmt.Errorf("slug %q is also the slug of %s; give one of them another slug", in.Slug, other))
				continue
			}
			slugOwner[in.Slug] = f.Display
		}
		in.SourcePath = truncate(web.CleanText(f.Source), 500)
		if cat == "" {
			cat = opts.Category
		}
		parsed = append(parsed, parsedFile{file: f, in: in, category: cat})
	}
	cats := map[string]int64{}
	changed := false
	for start := 0; start < len(parsed); start += importBatch {
		batch := parsed[start:min(start+importBatch, len(parsed))]
		var outcomes []importOutcome
		err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			outcomes = outcomes[:0]
			for _, pf := range batch {
				o, err := s.importOne(ctx, tx, pf, cats, opts.ActorID)
				if err != nil {
					return err
				}
				outcomes = append(outcomes, o)
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			// Something in the batch failed: redo it file by file so only
			// the bad file is reported. The category cache may hold ids
			// from the rolled-back transaction.
			clear(cats)
			outcomes = outcomes[:0]
			for _, pf := range batch {
				var o importOutcome
				err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					var err error
					o, err = s.importOne(ctx, tx, pf, cats, opts.ActorID)
					return err
				})
				if err != nil {
					clear(cats)
					fail(pf.file, err)
					continue
				}
				outcomes = append(outcomes, o)
			}
		}
		for _, o := range outcomes {
			switch o {
			case importCreated:
				rep.Created++
				changed = true
			case importUpdated:
				rep.Updated++
				changed = true
			default:
				rep.Unchanged++
			}
		}
		if opts.Progress != nil {
			opts.Progress(min(start+importBatch, len(parsed)), len(parsed))
		}
	}
	if changed {
		s.notify()
	}
	return rep, nil
}

type importOutcome int

const (
	importUnchanged importOutcome = iota
	importCreated
	importUpdated
)

func (s *Service) importOne(ctx context.Context, tx bun.IDB, pf parsedFile, cats map[string]int64, actor *int64) (importOutcome, error) {
	in := pf.in
	if pf.category != "" {
		id, err := s.ensureCategory(ctx, tx, pf.category, cats)
		if err != nil {
			return 0, err
		}
		in.CategoryID = &id
	}
	// A file is its article by its source path, or by the slug its front
	// matter names. Two files that merely share a title are two articles
	// (the second gets a free slug), never one overwriting the other.
	var existing Article
	err := tx.NewSelect().Model(&existing).ExcludeColumn("body").Where("source_path = ?", in.SourcePath).Limit(1).Scan(ctx)
	if err != nil && in.Slug != "" {
		err = tx.NewSelect().Model(&existing).ExcludeColumn("body").Where("slug = ?", in.Slug).Limit(1).Scan(ctx)
	}
	if err == nil {
		if err := tx.NewSelect().Model((*Article)(nil)).Column("body").Where("id = ?", existing.ID).Scan(ctx, &existing.Body); err != nil {
			return 0, err
		}
		in.ID = existing.ID
		if in.CategoryID == nil {
			// Neither the file nor --category names one: keep the
			// category the article has (an agent may have chosen it).
			in.CategoryID = existing.CategoryID
		}
		if in.Slug == "" {
			in.Slug = existing.Slug
		}
		if sameContent(&existing, in) {
			return importUnchanged, nil
		}
		if _, err := s.saveArticleTx(ctx, tx, in, actor, "imported"); err != nil {
			return 0, err
		}
		return importUpdated, nil
	}
	if _, err := s.saveArticleTx(ctx, tx, in, actor, "imported"); err != nil {
		var fe web.FieldErrors
		if errors.As(err, &fe) {
			return 0, fmt.Errorf("%s", fe.Error())
		}
		return 0, err
	}
	return importCreated, nil
}

func sameContent(a *Article, in ArticleInput) bool {
	eqID := (a.CategoryID == nil) == (in.CategoryID == nil) && (a.CategoryID == nil || *a.CategoryID == *in.CategoryID)
	return eqID && a.Title == strings.TrimSpace(in.Title) && a.Slug == in.Slug &&
		a.Summary == strings.TrimSpace(in.Summary) && a.Body == in.Body &&
		a.Tags == NormalizeTags(in.Tags) && a.Status == in.Status && a.Position == in.Position &&
		a.SourcePath == in.SourcePath
}

// ensureCategory finds a category by slug or name (case-insensitive), or
// creates it.
func (s *Service) ensureCategory(ctx context.Context, tx bun.IDB, name string, cache map[string]int64) (int64, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	if id, ok := cache[key]; ok {
		return id, nil
	}
	slug := Slugify(name)
	var c Category
	err := tx.NewSelect().Model(&c).Where("slug = ? OR slug = ? OR LOWER(name) = ?", key, slug, key).OrderExpr("id").Limit(1).Scan(ctx)
	if err != nil {
		display := strings.TrimSpace(name)
		if slugRe.MatchString(display) {
			// A slug was given: make a readable name of it.
			display = strings.ReplaceAll(display, "-", " ")
			display = strings.ToUpper(display[:1]) + display[1:]
		}
		created, _, err := s.saveCategoryTx(ctx, tx, CategoryInput{Name: display, Slug: slug, Position: 100})
		if err != nil {
			return 0, fmt.Errorf("category %q: %w", name, err)
		}
		c = *created
	}
	cache[key] = c.ID
	return c.ID, nil
}

// CategorySpec describes a category in a categories.yaml file.
type CategorySpec struct {
	Slug        string `yaml:"slug"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Position    int    `yaml:"position"`
	Parent      string `yaml:"parent"`
}

// EnsureCategories creates the listed categories that do not exist yet
// (matched by slug); existing ones are left as admins edited them.
func (s *Service) EnsureCategories(ctx context.Context, specs []CategorySpec) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, sp := range specs {
			exists, err := slugTaken(ctx, tx, "kb_categories", sp.Slug, 0)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			in := CategoryInput{Name: sp.Name, Slug: sp.Slug, Description: sp.Description, Position: sp.Position}
			if sp.Parent != "" {
				var pid int64
				if err := tx.NewSelect().Model((*Category)(nil)).Column("id").Where("slug = ?", sp.Parent).Scan(ctx, &pid); err == nil {
					in.ParentID = &pid
				}
			}
			if _, _, err := s.saveCategoryTx(ctx, tx, in); err != nil {
				return fmt.Errorf("category %s: %w", sp.Slug, err)
			}
		}
		return nil
	})
}
