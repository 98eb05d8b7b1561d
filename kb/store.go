package kb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/database"
)

// Store functions take the context first and a bun.IDB second, so they run
// on the database or inside a transaction alike.

// scanOne runs q, which selects one row into its model, and turns "no
// rows" into ErrNotFound so handlers can answer 404.
func scanOne(ctx context.Context, q *bun.SelectQuery, what string) error {
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	return nil
}

func getArticle(ctx context.Context, db bun.IDB, id int64) (*Article, error) {
	a := new(Article)
	if err := scanOne(ctx, db.NewSelect().Model(a).Relation("Category").Where("article.id = ?", id), "article"); err != nil {
		return nil, err
	}
	return a, nil
}

func getCategory(ctx context.Context, db bun.IDB, id int64) (*Category, error) {
	c := new(Category)
	if err := scanOne(ctx, db.NewSelect().Model(c).Where("id = ?", id), "category"); err != nil {
		return nil, err
	}
	return c, nil
}

// slugTaken reports whether another row of table (than exceptID) uses slug.
func slugTaken(ctx context.Context, db bun.IDB, table, slug string, exceptID int64) (bool, error) {
	return db.NewSelect().Table(table).Where("slug = ?", slug).Where("id <> ?", exceptID).Exists(ctx)
}

// freeSlug returns base, or base-2, base-3… whichever is free. Each probe
// is an exact, indexed lookup (a LIKE 'base-%' scan would make a large
// import quadratic).
func freeSlug(ctx context.Context, db bun.IDB, table, base string, exceptID int64) (string, error) {
	for i := 1; ; i++ {
		s := base
		if i > 1 {
			s = fmt.Sprintf("%s-%d", base, i)
		}
		taken, err := slugTaken(ctx, db, table, s, exceptID)
		if err != nil {
			return "", fmt.Errorf("check slug: %w", err)
		}
		if !taken {
			return s, nil
		}
	}
}

// changeLogLockKey is the PostgreSQL advisory lock that orders kb_changes.
const changeLogLockKey = 0x6b620001

// addChanges appends kb_changes rows that tell every node's search index
// to re-read these articles.
func addChanges(ctx context.Context, db bun.IDB, now time.Time, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	if database.IsPostgres(db) {
		// Serialise the writers of kb_changes until they commit, so ids
		// commit in increasing order: a follower that has seen id N can
		// never later find a smaller id appear (SQLite has one writer
		// anyway). The lock is released by COMMIT or ROLLBACK.
		if _, err := db.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", changeLogLockKey); err != nil {
			return fmt.Errorf("lock change log: %w", err)
		}
	}
	rows := make([]Change, len(ids))
	for i, id := range ids {
		rows[i] = Change{ArticleID: id, CreatedAt: now}
	}
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("record index change: %w", err)
	}
	return nil
}

// articleIDsIn lists the articles of a category and of its sections.
func articleIDsIn(ctx context.Context, db bun.IDB, categoryID int64) ([]int64, error) {
	var ids []int64
	err := db.NewSelect().Model((*Article)(nil)).Column("id").
		Where("category_id = ? OR category_id IN (SELECT id FROM kb_categories WHERE parent_id = ?)", categoryID, categoryID).
		Scan(ctx, &ids)
	return ids, err
}

// VoteResult is the article's counters after a vote.
type VoteResult struct {
	Helpful    bool
	HelpfulYes int
	HelpfulNo  int
	Changed    bool // false when the same vote was cast again
}

// VoterKey identifies who votes: the user, or a hash of the anonymous
// voter cookie (the raw cookie value never reaches the database).
func VoterKey(userID *int64, anonymous string) string {
	if userID != nil {
		return fmt.Sprintf("u:%d", *userID)
	}
	sum := sha256.Sum256([]byte(anonymous))
	return "a:" + hex.EncodeToString(sum[:16])
}

// Vote records one person's "Was this helpful?" answer. One vote per
// person per article: voting again changes the vote (and the comment,
// when a new one is given). The article's counters change in the same
// transaction, so they always equal the feedback rows.
func (s *Service) Vote(ctx context.Context, articleID int64, voterKey string, userID *int64, helpful bool, comment string) (*VoteResult, error) {
	return s.vote(ctx, articleID, voterKey, "", userID, helpful, comment)
}

// Anonymous votes are limited per client address and article: anyone can
// clear a cookie, so without a limit one visitor could vote an article up
// or down without end.
const (
	anonVotesPerClient = 3
	anonVoteWindow     = 24 * time.Hour
)

// ErrVoteLimit is returned when a client address has cast its share of
// anonymous votes on an article.
var ErrVoteLimit = errors.New("kb: too many anonymous votes from this address for this article")

// ClientKey hashes a client address for the vote limit (the address
// itself is never stored).
func ClientKey(addr string) string {
	sum := sha256.Sum256([]byte("kb-vote:" + addr))
	return hex.EncodeToString(sum[:16])
}

// VoteAnonymous records an anonymous visitor's vote like Vote, unless
// clientKey (see ClientKey) already cast anonVotesPerClient first votes on
// the article within anonVoteWindow: then ErrVoteLimit. Changing one's own
// vote is always allowed.
func (s *Service) VoteAnonymous(ctx context.Context, articleID int64, voterKey, clientKey string, helpful bool, comment string) (*VoteResult, error) {
	return s.vote(ctx, articleID, voterKey, clientKey, nil, helpful, comment)
}

func (s *Service) vote(ctx context.Context, articleID int64, voterKey, clientKey string, userID *int64, helpful bool, comment string) (*VoteResult, error) {
	comment = truncate(strings.TrimSpace(comment), 2000)
	var res VoteResult
	try := func() error {
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			res = VoteResult{Helpful: helpful}
			now := s.now()
			var prev Feedback
			q := tx.NewSelect().Model(&prev).Where("article_id = ? AND voter_key = ?", articleID, voterKey)
			if database.IsPostgres(tx) {
				q = q.For("UPDATE")
			}
			err := q.Scan(ctx)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if clientKey != "" {
					n, err := tx.NewSelect().Model((*Feedback)(nil)).
						Where("article_id = ? AND client_key = ? AND created_at > ?", articleID, clientKey, now.Add(-anonVoteWindow)).
						Count(ctx)
					if err != nil {
						return err
					}
					if n >= anonVotesPerClient {
						return ErrVoteLimit
					}
				}
				fb := &Feedback{ArticleID: articleID, VoterKey: voterKey, UserID: userID, Helpful: helpful,
					Comment: comment, ClientKey: clientKey, CreatedAt: now, UpdatedAt: now}
				if _, err := tx.NewInsert().Model(fb).Exec(ctx); err != nil {
					return err
				}
				res.Changed = true
				col := "helpful_no"
				if helpful {
					col = "helpful_yes"
				}
				if _, err := tx.NewUpdate().Model((*Article)(nil)).Set("? = ? + 1", bun.Ident(col), bun.Ident(col)).
					Where("id = ?", articleID).Exec(ctx); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				upd := tx.NewUpdate().Model((*Feedback)(nil)).Set("helpful = ?", helpful).Set("updated_at = ?", now).Where("id = ?", prev.ID)
				if comment != "" {
					upd = upd.Set("comment = ?", comment)
				}
				if _, err := upd.Exec(ctx); err != nil {
					return err
				}
				if prev.Helpful != helpful {
					res.Changed = true
					inc, dec := "helpful_no", "helpful_yes"
					if helpful {
						inc, dec = dec, inc
					}
					if _, err := tx.NewUpdate().Model((*Article)(nil)).
						Set("? = ? + 1", bun.Ident(inc), bun.Ident(inc)).
						Set("? = CASE WHEN ? > 0 THEN ? - 1 ELSE 0 END", bun.Ident(dec), bun.Ident(dec), bun.Ident(dec)).
						Where("id = ?", articleID).Exec(ctx); err != nil {
						return err
					}
				}
			}
			return tx.NewSelect().Model((*Article)(nil)).Column("helpful_yes", "helpful_no").
				Where("id = ?", articleID).Scan(ctx, &res.HelpfulYes, &res.HelpfulNo)
		})
	}
	err := try()
	if database.IsUniqueViolation(err) {
		// Two first votes by the same person raced; the second now updates.
		err = try()
	}
	if errors.Is(err, ErrVoteLimit) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("record vote: %w", err)
	}
	return &res, nil
}

// RecordView counts one view of a published article, per UTC day and in
// total.
func (s *Service) RecordView(ctx context.Context, articleID int64) error {
	if s.slog != nil {
		s.slog.View(articleID)
		return nil
	}
	day := s.now().Format("2006-01-02")
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return addViews(ctx, tx, articleID, day, 1)
	})
}

// addViews adds n views on day (YYYY-MM-DD) to an article. A deleted
// article's views are dropped.
func addViews(ctx context.Context, db bun.IDB, articleID int64, day string, n int64) error {
	res, err := db.NewUpdate().Model((*Article)(nil)).Set("view_count = view_count + ?", n).Where("id = ?", articleID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("count views: %w", err)
	}
	if rows, _ := res.RowsAffected(); rows == 0 {
		return nil
	}
	if _, err := db.NewRaw(`INSERT INTO kb_article_views (article_id, day, count) VALUES (?, ?, ?)
ON CONFLICT (article_id, day) DO UPDATE SET count = kb_article_views.count + EXCLUDED.count`, articleID, day, n).Exec(ctx); err != nil {
		return fmt.Errorf("count daily views: %w", err)
	}
	return nil
}

// NormalizeQuery folds a search for the reports: lower-case, single
// spaces, no surrounding punctuation.
func NormalizeQuery(q string) string {
	q = strings.ToLower(strings.Join(strings.Fields(q), " "))
	return strings.Trim(q, " .,;:!?\"'")
}

// LogSearch records a search and returns its id (for the click).
func (s *Service) LogSearch(ctx context.Context, query string, results int, userID *int64) (int64, error) {
	row := &SearchLog{Query: truncate(query, 300), Normalized: truncate(NormalizeQuery(query), 300),
		Results: results, UserID: userID, CreatedAt: s.now()}
	if _, err := s.db.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("log search: %w", err)
	}
	return row.ID, nil
}

// RefineSearch replaces a just-logged search with the longer query the
// visitor kept typing, so as-you-type keystrokes count as one search. It
// only touches a row less than a minute old that nobody clicked yet, and
// reports whether it did.
func (s *Service) RefineSearch(ctx context.Context, id int64, query string, results int) (bool, error) {
	res, err := s.db.NewUpdate().Model((*SearchLog)(nil)).
		Set("query = ?", truncate(query, 300)).
		Set("normalized = ?", truncate(NormalizeQuery(query), 300)).
		Set("results = ?", results).
		Where("id = ? AND clicked_article_id IS NULL AND created_at > ?", id, s.now().Add(-time.Minute)).
		Exec(ctx)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RecordClick notes which article a search led to (the first click counts).
func (s *Service) RecordClick(ctx context.Context, searchID, articleID int64) error {
	_, err := s.db.NewUpdate().Model((*SearchLog)(nil)).Set("clicked_article_id = ?", articleID).
		Where("id = ? AND clicked_article_id IS NULL", searchID).Exec(ctx)
	return err
}

// CategoryCount is a category with its number of published articles
// (its sections' included).
type CategoryCount struct {
	Category
	Articles int
	Sections []CategoryCount
}

// CategoryTree returns the top-level categories with their sections and
// published-article counts, in display order.
//
// The tree is remembered while neither the kb_changes head (every article
// save or delete moves it) nor the categories change, so a page view costs
// two one-row queries instead of counting every published article.
func (s *Service) CategoryTree(ctx context.Context) ([]CategoryCount, error) {
	head, err := s.changeHead(ctx)
	if err != nil {
		return nil, err
	}
	var catN, catMax int64
	if err := s.db.NewSelect().Model((*Category)(nil)).ColumnExpr("COUNT(*), COALESCE(MAX(id), 0)").Scan(ctx, &catN, &catMax); err != nil {
		return nil, err
	}
	var catUpdated time.Time
	if catN > 0 {
		if err := s.db.NewSelect().Model((*Category)(nil)).ColumnExpr("MAX(updated_at)").Scan(ctx, &catUpdated); err != nil {
			return nil, err
		}
	}
	key := fmt.Sprintf("%d/%d/%d/%d", head, catN, catMax, catUpdated.UnixNano())
	s.treeMu.Lock()
	if s.treeKey == key {
		tree := s.tree
		s.treeMu.Unlock()
		return tree, nil
	}
	s.treeMu.Unlock()
	tree, err := s.categoryTree(ctx)
	if err != nil {
		return nil, err
	}
	s.treeMu.Lock()
	s.treeKey, s.tree = key, tree
	s.treeMu.Unlock()
	return tree, nil
}

func (s *Service) categoryTree(ctx context.Context) ([]CategoryCount, error) {
	cats, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		CategoryID int64 `bun:"category_id"`
		N          int   `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Article)(nil)).ColumnExpr("category_id, COUNT(*) AS n").
		Where("status = ? AND category_id IS NOT NULL", StatusPublished).Group("category_id").
		Scan(ctx, &counts); err != nil {
		return nil, err
	}
	n := map[int64]int{}
	for _, c := range counts {
		n[c.CategoryID] = c.N
	}
	var top []CategoryCount
	idx := map[int64]int{}
	for _, c := range cats {
		if c.ParentID == nil {
			idx[c.ID] = len(top)
			top = append(top, CategoryCount{Category: c, Articles: n[c.ID]})
		}
	}
	for _, c := range cats {
		if c.ParentID != nil {
			if i, ok := idx[*c.ParentID]; ok {
				top[i].Sections = append(top[i].Sections, CategoryCount{Category: c, Articles: n[c.ID]})
				top[i].Articles += n[c.ID]
			}
		}
	}
	return top, nil
}

// PublishedIn lists the published articles of one category (not its
// sections), in the category's order.
func (s *Service) PublishedIn(ctx context.Context, categoryID int64, limit int) ([]Article, error) {
	var out []Article
	q := s.db.NewSelect().Model(&out).ExcludeColumn("body").
		Where("category_id = ? AND status = ?", categoryID, StatusPublished).
		Order("position", "id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	return out, q.Scan(ctx)
}

// PublishedPage is one page of PublishedIn and the category's total.
func (s *Service) PublishedPage(ctx context.Context, categoryID int64, limit, offset int) ([]Article, int, error) {
	// Articles of equal position come oldest first: the order of the
	// kb_articles_category index, so a page reads its 50 rows instead of
	// sorting the whole category by title.
	var out []Article
	if err := s.db.NewSelect().Model(&out).Column("id", "slug", "title", "summary").
		Where("category_id = ? AND status = ?", categoryID, StatusPublished).
		Order("position", "id").Limit(int64(limit)).Offset(int64(offset)).Scan(ctx); err != nil {
		return nil, 0, err
	}
	n, err := s.db.NewSelect().Model((*Article)(nil)).Where("category_id = ? AND status = ?", categoryID, StatusPublished).Count(ctx)
	return out, int(n), err
}

// Popular lists the most viewed published articles.
//
// The ids come first from a walk down the kb_articles_popular index (ties
// newest first, the order that index gives for free); sorting every
// published article with its category joined was 90% of the home page.
func (s *Service) Popular(ctx context.Context, limit int) ([]Article, error) {
	var ids []int64
	if err := s.db.NewSelect().Model((*Article)(nil)).Column("id").Where("status = ?", StatusPublished).
		OrderExpr("view_count DESC, helpful_yes DESC, id DESC").Limit(int64(limit)).Scan(ctx, &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []Article
	if err := s.db.NewSelect().Model(&rows).Relation("Category").ExcludeColumn("body").
		Where("article.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := make(map[int64]Article, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]Article, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// RecentlyUpdated lists published articles, the most recently changed
// first.
func (s *Service) RecentlyUpdated(ctx context.Context, limit int) ([]Article, error) {
	var out []Article
	err := s.db.NewSelect().Model(&out).Relation("Category").ExcludeColumn("body").
		Where("article.status = ?", StatusPublished).
		OrderExpr("article.updated_at DESC, article.id DESC").Limit(int64(limit)).Scan(ctx)
	return out, err
}

// RelatedByTaxonomy lists other published articles of the same category,
// those sharing most tags first.
func (s *Service) RelatedByTaxonomy(ctx context.Context, a *Article, limit int) ([]Article, error) {
	// The 50 most viewed of the same category (an index walk), ranked by
	// shared tags; articles of other categories come from the search by
	// title (Portal.related). Matching tags with LIKE across every article
	// was a scan of the whole table per article view.
	tags := TagList(a.Tags)
	if a.CategoryID == nil {
		return nil, nil
	}
	var cands []Article
	if err := s.db.NewSelect().Model(&cands).Column("id", "slug", "title", "summary", "tags", "category_id").
		Where("category_id = ? AND status = ? AND id <> ?", *a.CategoryID, StatusPublished, a.ID).
		OrderExpr("view_count DESC, id DESC").Limit(50).Scan(ctx); err != nil { // the index's own order: no sort
		return nil, err
	}
	mine := map[string]bool{}
	for _, t := range tags {
		mine[t] = true
	}
	score := func(b *Article) int {
		n := 0
		for _, t := range TagList(b.Tags) {
			if mine[t] {
				n += 2
			}
		}
		if a.CategoryID != nil && b.CategoryID != nil && *a.CategoryID == *b.CategoryID {
			n++
		}
		return n
	}
	// Stable insertion sort by score: the list is short.
	for i := 1; i < len(cands); i++ {
		for j := i; j > 0 && score(&cands[j]) > score(&cands[j-1]); j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
	if len(cands) > limit {
		cands = cands[:limit]
	}
	return cands, nil
}

// publishedByIDs returns the published articles among ids (search hits are
// confirmed against the database, so a stale index never shows a draft);
// only ID, Slug and Title are set.
//
// Every write that can change an article's status, slug or title appends
// to kb_changes in its transaction (ids only grow), so the answers are
// remembered for as long as the change log's head stays the same: a search
// then costs one primary-key read of MAX(id) instead of a query over its
// hits. Articles not remembered are read by primary key and their status
// checked here (with "status = ? AND id IN (?)" SQLite chose the (status,
// updated_at) index and walked every published article on each search).
// The answer holds only the published ones, as liveArticle values (an
// Article is ten times their size, and this runs on every search).
func (s *Service) publishedByIDs(ctx context.Context, ids []int64, since time.Time) (map[int64]liveArticle, error) {
	out := make(map[int64]liveArticle, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	head, err := s.freshHead(ctx, since)
	if err != nil {
		return nil, err
	}
	missing := s.live.lookup(head, ids, out)
	if len(missing) == 0 {
		return out, nil
	}
	rows := make([]Article, 0, len(missing))
	if err := s.db.NewSelect().Model(&rows).Column("id", "slug", "title", "status").
		Where("id IN (?)", bun.In(missing)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Status == StatusPublished {
			out[r.ID] = liveArticle{published: true, slug: r.Slug, title: r.Title}
		}
	}
	s.live.store(head, missing, out)
	return out, nil
}

// freshHead returns the kb_changes head as a read that began after since
// found it: every change committed before since is in it. Such a read is
// reused rather than repeated, for as long as it is the newest one.
//
// Under load a search waits its turn (search.Gate) for longer than it
// runs, so by the time it reads the head, another search has read it
// since this one's request arrived: reading it again cost 5% of the
// uncached search's CPU (a SQLite statement per search), and told nothing
// the request could have known more of. A change committed after the
// request arrived may or may not be in the head, as it may when the
// request runs alone; one committed before it always is.
func (s *Service) freshHead(ctx context.Context, since time.Time) (int64, error) {
	s.headMu.Lock()
	if s.headAt.After(since) {
		head := s.head
		s.headMu.Unlock()
		return head, nil
	}
	s.headMu.Unlock()
	start := time.Now()
	head, err := s.changeHead(ctx)
	if err != nil {
		return 0, err
	}
	s.headMu.Lock()
	if start.After(s.headAt) {
		s.head, s.headAt = head, start
	}
	s.headMu.Unlock()
	return head, nil
}

// changeHead returns the newest kb_changes id (0 when none), with a
// statement prepared once: parsing the query was a tenth of a cached
// search's CPU on SQLite.
func (s *Service) changeHead(ctx context.Context) (int64, error) {
	const q = "SELECT MAX(id) FROM kb_changes"
	s.headOnce.Do(func() {
		s.headStmt, _ = s.db.DB.PrepareContext(context.WithoutCancel(ctx), q) // nil: query unprepared
	})
	var head sql.NullInt64
	var err error
	if s.headStmt != nil {
		err = s.headStmt.QueryRowContext(ctx).Scan(&head)
	} else {
		err = s.db.QueryRowContext(ctx, q).Scan(&head)
	}
	if err != nil {
		return 0, fmt.Errorf("kb change log head: %w", err)
	}
	return head.Int64, nil
}

// maxLiveArticles bounds the published-status cache; it is simply cleared
// when full.
const maxLiveArticles = 20000

// liveArticles remembers which articles are published (with their slug
// and title) as of one kb_changes head.
type liveArticles struct {
	mu   sync.Mutex
	head int64
	m    map[int64]liveArticle
}

type liveArticle struct {
	published   bool
	slug, title string
}

func newLiveArticles() *liveArticles {
	return &liveArticles{head: -1, m: map[int64]liveArticle{}}
}

// lookup adds the remembered published articles among ids to out and
// returns the ids it knows nothing about; a moved head forgets everything.
func (l *liveArticles) lookup(head int64, ids []int64, out map[int64]liveArticle) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case head < l.head: // a request that read the head before a newer one
		return ids
	case head > l.head:
		clear(l.m)
		l.head = head
	}
	var missing []int64
	for _, id := range ids {
		a, ok := l.m[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case a.published:
			out[id] = a
		}
	}
	return missing
}

// store remembers the answer for ids (read after head was), unless the
// head moved on meanwhile.
func (l *liveArticles) store(head int64, ids []int64, out map[int64]liveArticle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if head != l.head {
		return
	}
	if len(l.m)+len(ids) > maxLiveArticles {
		clear(l.m)
	}
	for _, id := range ids {
		l.m[id] = out[id] // the zero value: not published
	}
}

// SitemapEntry is one URL of sitemap.xml.
type SitemapEntry struct {
	Path    string
	Updated time.Time
}

// Sitemap lists the public KB pages: categories and published articles.
func (s *Service) Sitemap(ctx context.Context) ([]SitemapEntry, error) {
	var cats []Category
	if err := s.db.NewSelect().Model(&cats).Column("slug", "updated_at").Order("position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	var arts []Article
	if err := s.db.NewSelect().Model(&arts).Column("slug", "updated_at").
		Where("status = ?", StatusPublished).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]SitemapEntry, 0, len(cats)+len(arts)+1)
	for _, c := range cats {
		out = append(out, SitemapEntry{Path: "/kb/c/" + c.Slug, Updated: c.UpdatedAt})
	}
	for _, a := range arts {
		out = append(out, SitemapEntry{Path: "/kb/a/" + a.Slug, Updated: a.UpdatedAt})
	}
	return out, nil
}
