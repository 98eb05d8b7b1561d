// Package kb is the knowledge base: categories, articles with revisions,
// Markdown rendering, the public help center, the agent editor, feedback,
// search analytics, and (in kb/search) the bleve index behind as-you-type
// search.
package kb

import (
	"time"

	"github.com/uptrace/bun"
)

// Article statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Category groups articles; a category with a ParentID is a section inside
// its parent (one level deep).
type Category struct {
	bun.BaseModel `bun:"table:kb_categories"`

	ID          int64     `bun:"id,pk,autoincrement"`
	ParentID    *int64    `bun:"parent_id"`
	Slug        string    `bun:"slug,notnull"`
	Name        string    `bun:"name,notnull"`
	Description string    `bun:"description,notnull"`
	Position    int       `bun:"position,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
}

// Article is a help-center article. Body is Markdown.
type Article struct {
	bun.BaseModel `bun:"table:kb_articles"`

	ID          int64      `bun:"id,pk,autoincrement"`
	CategoryID  *int64     `bun:"category_id"`
	Slug        string     `bun:"slug,notnull"`
	Title       string     `bun:"title,notnull"`
	Summary     string     `bun:"summary,notnull"`
	Body        string     `bun:"body,notnull"`
	Tags        string     `bun:"tags,notnull"` // comma-separated, lower-case
	Status      string     `bun:"status,notnull"`
	AuthorID    *int64     `bun:"author_id"`
	Position    int        `bun:"position,notnull"`
	Revision    int        `bun:"revision,notnull"`
	SourcePath  string     `bun:"source_path,notnull"`
	ViewCount   int64      `bun:"view_count,notnull"`
	HelpfulYes  int        `bun:"helpful_yes,notnull"`
	HelpfulNo   int        `bun:"helpful_no,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull"`
	PublishedAt *time.Time `bun:"published_at"`

	Category *Category `bun:"rel:belongs-to,join:category_id=id"`
}

// Revision is a saved version of an article; every save keeps one.
type Revision struct {
	bun.BaseModel `bun:"table:kb_revisions"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ArticleID  int64     `bun:"article_id,notnull"`
	Number     int       `bun:"number,notnull"`
	Title      string    `bun:"title,notnull"`
	Slug       string    `bun:"slug,notnull"`
	Summary    string    `bun:"summary,notnull"`
	Body       string    `bun:"body,notnull"`
	Tags       string    `bun:"tags,notnull"`
	CategoryID *int64    `bun:"category_id"`
	Status     string    `bun:"status,notnull"`
	AuthorID   *int64    `bun:"author_id"`
	Note       string    `bun:"note,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// Attachment is an image or file embedded in an article.
type Attachment struct {
	bun.BaseModel `bun:"table:kb_attachments"`

	ID          int64     `bun:"id,pk,autoincrement"`
	ArticleID   *int64    `bun:"article_id"`
	Filename    string    `bun:"filename,notnull"`
	ContentType string    `bun:"content_type,notnull"`
	Size        int64     `bun:"size,notnull"`
	SHA256      string    `bun:"sha256,notnull"` // the bytes, in the file store
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// Feedback is one person's "Was this helpful?" vote on an article.
type Feedback struct {
	bun.BaseModel `bun:"table:kb_feedback"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ArticleID int64     `bun:"article_id,notnull"`
	VoterKey  string    `bun:"voter_key,notnull"`
	UserID    *int64    `bun:"user_id"`
	Helpful   bool      `bun:"helpful,notnull"`
	Comment   string    `bun:"comment,notnull"`
	ClientKey string    `bun:"client_key,notnull"` // hashed client address of an anonymous vote
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// SearchLog is one search a visitor made, and which result they opened.
type SearchLog struct {
	bun.BaseModel `bun:"table:kb_searches"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Query            string    `bun:"query,notnull"`
	Normalized       string    `bun:"normalized,notnull"`
	Results          int       `bun:"results,notnull"`
	ClickedArticleID *int64    `bun:"clicked_article_id"`
	UserID           *int64    `bun:"user_id"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
}

// ArticleViews counts an article's views per UTC day.
type ArticleViews struct {
	bun.BaseModel `bun:"table:kb_article_views"`

	ArticleID int64     `bun:"article_id,pk"`
	Day       time.Time `bun:"day,pk,type:date"`
	Count     int64     `bun:"count,notnull"`
}

// Change is one entry of the log the search index follows.
type Change struct {
	bun.BaseModel `bun:"table:kb_changes"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ArticleID int64     `bun:"article_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}
