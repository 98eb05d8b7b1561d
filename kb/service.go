package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/web"
)

// ErrNotFound is returned when an article, revision or category does not
// exist.
var ErrNotFound = errors.New("not found")

// Notifier is told that kb_changes has new rows (the search follower).
type Notifier interface{ Notify() }

// Deps is what the knowledge base service needs.
type Deps struct {
	DB *bun.DB
	// Index answers searches; nil disables search (pages show no results).
	Index Searcher
	// Follower is nudged after every committed write so this node's index
	// picks the change up at once; other nodes find it by polling.
	Follower Notifier
	Log      *slog.Logger
	// BaseURL makes absolute links (sitemap, canonical, API).
	BaseURL string
	// SearchLog writes search analytics in the background; nil writes
	// them synchronously (tests, commands).
	SearchLog *SearchLogger
	// Files keeps attachment bytes; nil keeps them in DB.
	Files *files.Store
	// Users names revision authors; nil shows no names.
	Users UserNames
}

// UserNames is what the knowledge base asks of accounts: how to show a
// staff member who wrote a revision (accounts.Service implements it; app
// wires it), so kb never reads the users table itself.
type UserNames interface {
	DisplayNames(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Service is the knowledge base's business logic. Every write goes
// through it, in one transaction that also appends a kb_changes row for
// the search index to follow.
type Service struct {
	db       *bun.DB
	index    Searcher
	follower Notifier
	log      *slog.Logger
	baseURL  string
	now      func() time.Time
	slog     *SearchLogger
	files    *files.Store
	users    UserNames
	live     *liveArticles // published-status cache for search hits
	headOnce sync.Once
	treeMu   sync.Mutex // guards the category tree remembered by CategoryTree
	treeKey  string
	tree     []CategoryCount
	headStmt *sql.Stmt // SELECT MAX(id) FROM kb_changes, once per search
	// headMu guards the newest head read and when that read began
	// (freshHead).
	headMu sync.Mutex
	head   int64
	headAt time.Time
}

// NewService builds the service.
func NewService(d Deps) *Service {
	log := d.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	fs := d.Files
	if fs == nil {
		fs, _ = files.New("", "") // the database backend needs no directory, so cannot fail
	}
	return &Service{
		db: d.DB, index: d.Index, follower: d.Follower, log: log,
		baseURL: strings.TrimRight(d.BaseURL, "/"), slog: d.SearchLog, live: newLiveArticles(),
		files: fs, users: d.Users,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
}

// SetSearch installs the index and follower once they are open (the app
// opens the index after the service exists).
func (s *Service) SetSearch(ix Searcher, f Notifier) {
	s.index, s.follower = ix, f
}

func (s *Service) notify() {
	if s.follower != nil {
		s.follower.Notify()
	}
}

// ArticleInput is the editor's form (and the importer's record).
type ArticleInput struct {
	ID         int64 // 0 = new
	Title      string
	Slug       string
	Summary    string
	Body       string
	Tags       string // comma-separated
	CategoryID *int64
	Status     string
	Position   int
	// SourcePath is set by the importer (cleaned absolute path).
	SourcePath string
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks the input; the messages are shown beside the fields.
func (in ArticleInput) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	title := strings.TrimSpace(in.Title)
	switch {
	case title == "":
		fe.Add("title", "Give the article a title.")
	case utf8.RuneCountInString(title) > 300:
		fe.Add("title", "Keep the title under 300 characters.")
	}
	if slug := strings.TrimSpace(in.Slug); slug != "" {
		if len(slug) > 200 || !slugRe.MatchString(slug) {
			fe.Add("slug", "Use lower-case letters, digits and hyphens only (for example reset-your-password).")
		}
	}
	if utf8.RuneCountInString(in.Summary) > 1000 {
		fe.Add("summary", "Keep the summary under 1,000 characters.")
	}
	if len(in.Body) > 1<<20 {
		fe.Add("body", "The article is too long (1 MB at most).")
	} else if p := MarkdownProblem(in.Body); p != "" {
		fe.Add("body", p)
	}
	if len(in.Tags) > 1000 {
		fe.Add("tags", "Too many tags.")
	}
	switch in.Status {
	case "", StatusDraft, StatusPublished, StatusArchived:
	default:
		fe.Add("status", "Choose draft, published or archived.")
	}
	return fe
}

// Slugify makes a URL slug from a title: lower-case ASCII letters and
// digits separated by single hyphens, at most 80 characters.
func Slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == '\'' || r == '’':
			// "don't" → "dont"
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 80 {
		out = strings.Trim(out[:80], "-")
	}
	return out
}

// NormalizeTags lower-cases, trims and de-duplicates a comma-separated tag
// list.
func NormalizeTags(s string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.ToLower(strings.Join(strings.Fields(t), " "))
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return strings.Join(out, ",")
}

// TagList splits an article's tags.
func TagList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// SaveArticle creates or updates an article in one transaction: the
// article row (revision+1), a kb_revisions row holding the saved version
// and a kb_changes row for the search index, and an audit row when the
// save publishes, unpublishes, archives or restores it. by says who saves
// (nil: the system). Invalid input returns web.FieldErrors.
func (s *Service) SaveArticle(ctx context.Context, in ArticleInput, by *audit.Entry, note string) (*Article, error) {
	var saved *Article
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		before := ""
		if in.ID != 0 {
			if cur, err := getArticle(ctx, tx, in.ID); err == nil {
				before = cur.Status
			}
		}
		var err error
		if saved, err = s.saveArticleTx(ctx, tx, in, actorOf(by), note); err != nil {
			return err
		}
		return auditStatus(ctx, tx, by, saved, before)
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return saved, nil
}

func (s *Service) saveArticleTx(ctx context.Context, tx bun.IDB, in ArticleInput, actorID *int64, note string) (*Article, error) {
	if fe := in.Validate(); fe.Any() {
		return nil, fe
	}
	now := s.now()
	a := &Article{}
	if in.ID != 0 {
		var err error
		if a, err = getArticle(ctx, tx, in.ID); err != nil {
			return nil, err
		}
	} else {
		a.CreatedAt = now
		a.AuthorID = actorID
		a.Status = StatusDraft
	}
	if in.CategoryID != nil {
		if _, err := getCategory(ctx, tx, *in.CategoryID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, web.FieldErrors{"category_id": "Choose a category from the list."}
			}
			return nil, err
		}
	}
	title := strings.TrimSpace(in.Title)
	slug := strings.TrimSpace(in.Slug)
	if slug == "" {
		if a.Slug != "" {
			slug = a.Slug
		} else {
			base := Slugify(title)
			if base == "" {
				base = "article"
			}
			var err error
			if slug, err = freeSlug(ctx, tx, "kb_articles", base, a.ID); err != nil {
				return nil, err
			}
		}
	} else if taken, err := slugTaken(ctx, tx, "kb_articles", slug, a.ID); err != nil {
		return nil, err
	} else if taken {
		return nil, web.FieldErrors{"slug": "Another article already uses this address; choose a different slug."}
	}
	status := in.Status
	if status == "" {
		status = a.Status
	}
	a.Title = title
	a.Slug = slug
	a.Summary = strings.TrimSpace(in.Summary)
	a.Body = in.Body
	a.Tags = NormalizeTags(in.Tags)
	a.CategoryID = in.CategoryID
	a.Status = status
	a.Position = in.Position
	if in.SourcePath != "" {
		a.SourcePath = in.SourcePath
	}
	a.UpdatedAt = now
	if a.Status == StatusPublished && a.PublishedAt == nil {
		a.PublishedAt = &now
	}
	a.Revision++
	if a.ID == 0 {
		if _, err := tx.NewInsert().Model(a).Returning("id").Exec(ctx); err != nil {
			if database.IsUniqueViolation(err) {
				return nil, web.FieldErrors{"slug": "Another article already uses this address; choose a different slug."}
			}
			return nil, fmt.Errorf("insert article: %w", err)
		}
	} else {
		if _, err := tx.NewUpdate().Model(a).WherePK().
			Column("category_id", "slug", "title", "summary", "body", "tags", "status", "position", "revision", "source_path", "updated_at", "published_at").
			Exec(ctx); err != nil {
			if database.IsUniqueViolation(err) {
				return nil, web.FieldErrors{"slug": "Another article already uses this address; choose a different slug."}
			}
			return nil, fmt.Errorf("update article: %w", err)
		}
	}
	rev := &Revision{
		ArticleID: a.ID, Number: a.Revision, Title: a.Title, Slug: a.Slug, Summary: a.Summary,
		Body: a.Body, Tags: a.Tags, CategoryID: a.CategoryID, Status: a.Status,
		AuthorID: actorID, Note: truncate(note, 300), CreatedAt: now,
	}
	if _, err := tx.NewInsert().Model(rev).Returning("id").Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert revision: %w", err)
	}
	// Rendered once here; public pages serve the stored HTML.
	if _, err := storeRendered(ctx, tx, a.ID, a.Body); err != nil {
		return nil, err
	}
	if err := addChanges(ctx, tx, now, a.ID); err != nil {
		return nil, err
	}
	a.Category = nil
	return a, nil
}

// SetStatus publishes, unpublishes (draft) or archives an article; it is
// a save like any other, so it leaves a revision, and it is audited.
func (s *Service) SetStatus(ctx context.Context, id int64, status string, by *audit.Entry) (*Article, error) {
	switch status {
	case StatusDraft, StatusPublished, StatusArchived:
	default:
		return nil, web.FieldErrors{"status": "Choose draft, published or archived."}
	}
	var saved *Article
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		a, err := getArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Status == status {
			saved = a
			return nil
		}
		in := inputFromArticle(a)
		in.Status = status
		if saved, err = s.saveArticleTx(ctx, tx, in, actorOf(by), "status: "+status); err != nil {
			return err
		}
		return auditStatus(ctx, tx, by, saved, a.Status)
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return saved, nil
}

func inputFromArticle(a *Article) ArticleInput {
	return ArticleInput{
		ID: a.ID, Title: a.Title, Slug: a.Slug, Summary: a.Summary, Body: a.Body,
		Tags: a.Tags, CategoryID: a.CategoryID, Status: a.Status, Position: a.Position,
	}
}

// DeleteArticle removes an article with its revisions, feedback, views and
// attachment rows (the bytes stay in the file store, which may share them),
// and audits it. by says who deletes (nil: the system).
func (s *Service) DeleteArticle(ctx context.Context, id int64, by *audit.Entry) error {
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		a, err := getArticle(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*Article)(nil)).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete article: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := addChanges(ctx, tx, s.now(), id); err != nil {
			return err
		}
		return writeAudit(ctx, tx, by, ActionDelete, id, fmt.Sprintf("“%s” (%s, %s)", a.Title, a.Slug, a.Status))
	})
	if err != nil {
		return err
	}
	s.notify()
	return nil
}

// Article returns an article (any status) with its category.
func (s *Service) Article(ctx context.Context, id int64) (*Article, error) {
	return getArticle(ctx, s.db, id)
}

// ArticleBySlug returns an article (any status) with its category; callers
// decide with policy.Can whether the visitor may see it.
func (s *Service) ArticleBySlug(ctx context.Context, slug string) (*Article, error) {
	a := new(Article)
	if err := scanOne(ctx, s.db.NewSelect().Model(a).Relation("Category").Where("article.slug = ?", slug), "article"); err != nil {
		return nil, err
	}
	return a, nil
}

// ArticleFilter narrows ListArticles.
type ArticleFilter struct {
	Status     string // "" = any
	CategoryID int64  // 0 = any
	Query      string // substring of the title
	Limit      int    // default 50
	Offset     int
}

// ListArticles lists articles, most recently updated first, and the total
// matching the filter.
func (s *Service) ListArticles(ctx context.Context, f ArticleFilter) ([]Article, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var out []Article
	q := s.db.NewSelect().Model(&out).Relation("Category").
		ExcludeColumn("body").
		OrderExpr("article.updated_at DESC, article.id DESC").
		Limit(int64(f.Limit)).Offset(int64(f.Offset))
	if f.Status != "" {
		q = q.Where("article.status = ?", f.Status)
	}
	if f.CategoryID != 0 {
		q = q.Where("article.category_id = ?", f.CategoryID)
	}
	if qs := strings.TrimSpace(f.Query); qs != "" {
		q = q.Where("LOWER(article.title) LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(qs))+"%")
	}
	n, err := q.ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list articles: %w", err)
	}
	return out, int(n), nil
}

// Revisions lists an article's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, articleID int64) ([]Revision, error) {
	var out []Revision
	err := s.db.NewSelect().Model(&out).Where("article_id = ?", articleID).Order("number DESC").Scan(ctx)
	return out, err
}

// Revision returns one revision of an article.
func (s *Service) Revision(ctx context.Context, articleID int64, number int) (*Revision, error) {
	r := new(Revision)
	if err := scanOne(ctx, s.db.NewSelect().Model(r).Where("article_id = ? AND number = ?", articleID, number), "revision"); err != nil {
		return nil, err
	}
	return r, nil
}

// RestoreRevision saves a new revision whose content (title, slug,
// summary, body, tags, category) equals revision number. The status stays
// as it is now: restoring old text must not publish or unpublish. It is
// audited; by says who restores (nil: the system).
func (s *Service) RestoreRevision(ctx context.Context, articleID int64, number int, by *audit.Entry) (*Article, error) {
	var saved *Article
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		cur, err := getArticle(ctx, tx, articleID)
		if err != nil {
			return err
		}
		r := new(Revision)
		if err := scanOne(ctx, tx.NewSelect().Model(r).Where("article_id = ? AND number = ?", articleID, number), "revision"); err != nil {
			return err
		}
		in := ArticleInput{
			ID: articleID, Title: r.Title, Slug: r.Slug, Summary: r.Summary, Body: r.Body,
			Tags: r.Tags, CategoryID: r.CategoryID, Status: cur.Status, Position: cur.Position,
		}
		if in.CategoryID != nil {
			if _, err := getCategory(ctx, tx, *in.CategoryID); errors.Is(err, ErrNotFound) {
				in.CategoryID = cur.CategoryID // the old category is gone
			}
		}
		if taken, err := slugTaken(ctx, tx, "kb_articles", in.Slug, articleID); err != nil {
			return err
		} else if taken {
			in.Slug = cur.Slug
		}
		if saved, err = s.saveArticleTx(ctx, tx, in, actorOf(by), fmt.Sprintf("restored revision %d", number)); err != nil {
			return err
		}
		return writeAudit(ctx, tx, by, ActionRestoreRevision, articleID,
			fmt.Sprintf("“%s”: revision %d restored as revision %d", saved.Title, number, saved.Revision))
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return saved, nil
}

// Categories returns every category and section ordered by position, then
// name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.db.NewSelect().Model(&out).Order("position", "name", "id").Scan(ctx)
	return out, err
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, id int64) (*Category, error) {
	return getCategory(ctx, s.db, id)
}

// CategoryBySlug returns one category by its slug.
func (s *Service) CategoryBySlug(ctx context.Context, slug string) (*Category, error) {
	c := new(Category)
	if err := scanOne(ctx, s.db.NewSelect().Model(c).Where("slug = ?", slug), "category"); err != nil {
		return nil, err
	}
	return c, nil
}

// CategoryInput is the category form.
type CategoryInput struct {
	ID          int64
	ParentID    *int64
	Name        string
	Slug        string
	Description string
	Position    int
}

// Validate checks the category form.
func (in CategoryInput) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		fe.Add("name", "Give the category a name.")
	case utf8.RuneCountInString(name) > 200:
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if slug := strings.TrimSpace(in.Slug); slug != "" && (len(slug) > 200 || !slugRe.MatchString(slug)) {
		fe.Add("slug", "Use lower-case letters, digits and hyphens only.")
	}
	if utf8.RuneCountInString(in.Description) > 2000 {
		fe.Add("description", "Keep the description under 2,000 characters.")
	}
	if in.ParentID != nil && in.ID != 0 && *in.ParentID == in.ID {
		fe.Add("parent_id", "A category cannot be its own section.")
	}
	return fe
}

// SaveCategory creates or updates a category (a section when ParentID is
// set; sections are one level deep). Renaming re-indexes its articles.
func (s *Service) SaveCategory(ctx context.Context, in CategoryInput) (*Category, error) {
	var saved *Category
	changed := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		saved, changed, err = s.saveCategoryTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.notify()
	}
	return saved, nil
}

func (s *Service) saveCategoryTx(ctx context.Context, tx bun.IDB, in CategoryInput) (*Category, bool, error) {
	if fe := in.Validate(); fe.Any() {
		return nil, false, fe
	}
	now := s.now()
	c := &Category{CreatedAt: now}
	if in.ID != 0 {
		var err error
		if c, err = getCategory(ctx, tx, in.ID); err != nil {
			return nil, false, err
		}
	}
	if in.ParentID != nil {
		parent, err := getCategory(ctx, tx, *in.ParentID)
		if errors.Is(err, ErrNotFound) {
			return nil, false, web.FieldErrors{"parent_id": "Choose a parent category from the list."}
		} else if err != nil {
			return nil, false, err
		}
		if parent.ParentID != nil {
			return nil, false, web.FieldErrors{"parent_id": "Sections go one level deep: choose a top-level category."}
		}
		if c.ID != 0 {
			n, err := tx.NewSelect().Model((*Category)(nil)).Where("parent_id = ?", c.ID).Count(ctx)
			if err != nil {
				return nil, false, err
			}
			if n > 0 {
				return nil, false, web.FieldErrors{"parent_id": "This category has sections of its own, so it cannot become a section."}
			}
		}
	}
	name := strings.TrimSpace(in.Name)
	slug := strings.TrimSpace(in.Slug)
	if slug == "" {
		if c.Slug != "" {
			slug = c.Slug
		} else {
			base := Slugify(name)
			if base == "" {
				base = "category"
			}
			var err error
			if slug, err = freeSlug(ctx, tx, "kb_categories", base, c.ID); err != nil {
				return nil, false, err
			}
		}
	} else if taken, err := slugTaken(ctx, tx, "kb_categories", slug, c.ID); err != nil {
		return nil, false, err
	} else if taken {
		return nil, false, web.FieldErrors{"slug": "Another category already uses this slug."}
	}
	reindex := c.ID != 0 && (c.Name != name || c.Slug != slug)
	c.ParentID = in.ParentID
	c.Name = name
	c.Slug = slug
	c.Description = strings.TrimSpace(in.Description)
	c.Position = in.Position
	c.UpdatedAt = now
	if c.ID == 0 {
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			if database.IsUniqueViolation(err) {
				return nil, false, web.FieldErrors{"slug": "Another category already uses this slug."}
			}
			return nil, false, fmt.Errorf("insert category: %w", err)
		}
		return c, false, nil
	}
	if _, err := tx.NewUpdate().Model(c).WherePK().Exec(ctx); err != nil {
		if database.IsUniqueViolation(err) {
			return nil, false, web.FieldErrors{"slug": "Another category already uses this slug."}
		}
		return nil, false, fmt.Errorf("update category: %w", err)
	}
	if reindex {
		ids, err := articleIDsIn(ctx, tx, c.ID)
		if err != nil {
			return nil, false, err
		}
		if err := addChanges(ctx, tx, now, ids...); err != nil {
			return nil, false, err
		}
	}
	return c, reindex, nil
}

// DeleteCategory removes a category and its sections; their articles stay,
// without a category.
func (s *Service) DeleteCategory(ctx context.Context, id int64) error {
	changed := false
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := getCategory(ctx, tx, id); err != nil {
			return err
		}
		ids, err := articleIDsIn(ctx, tx, id)
		if err != nil {
			return err
		}
		// Sections first: SQLite's ON DELETE SET NULL on the articles of a
		// cascaded section is not guaranteed on every build.
		if _, err := tx.NewUpdate().Model((*Article)(nil)).Set("category_id = NULL").
			Where("category_id = ? OR category_id IN (SELECT id FROM kb_categories WHERE parent_id = ?)", id, id).
			Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*Category)(nil)).Where("parent_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*Category)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		changed = len(ids) > 0
		return addChanges(ctx, tx, s.now(), ids...)
	})
	if err != nil {
		return err
	}
	if changed {
		s.notify()
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
