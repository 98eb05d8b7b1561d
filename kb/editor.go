package kb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// DefaultMaxAttachment is the largest file an agent may attach to an
// article unless EditorDeps says otherwise.
const DefaultMaxAttachment = 10 << 20

// editorPageSize is how many articles the agent list shows per page.
const editorPageSize = 50

// diffContext is how many unchanged lines the revision diff shows around
// each change.
const diffContext = 3

// EditorDeps is what the agent side of the knowledge base needs.
type EditorDeps struct {
	Service *Service
	Log     *slog.Logger
	// MaxAttachment bounds uploads (bytes); 0 means DefaultMaxAttachment.
	// The Fiber BodyLimit must be at least this plus form overhead.
	MaxAttachment int64
}

// EditorHandlers serve the agent pages under /agent/kb (articles, editor,
// revisions, categories, attachments, reports) and the public attachment
// URLs under /kb/files.
type EditorHandlers struct {
	svc     *Service
	db      bun.IDB
	log     *slog.Logger
	maxFile int64
	reports *ReportHandlers
}

// NewEditorHandlers builds the agent handlers.
func NewEditorHandlers(d EditorDeps) *EditorHandlers {
	log := d.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	maxFile := d.MaxAttachment
	if maxFile <= 0 {
		maxFile = DefaultMaxAttachment
	}
	return &EditorHandlers{
		svc: d.Service, db: d.Service.DB(), log: log, maxFile: maxFile,
		reports: NewReportHandlers(d.Service.DB()),
	}
}

// Mount registers the routes: /kb/files/:id/:name for everyone (the
// policy decides per file) and everything under /agent/kb for those the
// policy lets manage the knowledge base (others get a login redirect or
// 404 from policy.Require).
func (h *EditorHandlers) Mount(r fiber.Router) {
	r.Get("/kb/files/:id<int>/:name", h.serveAttachment)

	// The agent desk's front door leads to the KB tools until the ticket
	// inbox (next issue) takes /agent over.
	r.Get("/agent", policy.Require(policy.UseAgentDesk), func(c *fiber.Ctx) error {
		return web.Redirect(c, "/agent/kb")
	})

	g := r.Group("/agent/kb", policy.Require(policy.ManageKB))
	g.Get("/", h.listArticles)
	g.Post("/", h.createArticle)
	g.Get("/new", h.newArticle)
	g.Post("/preview", h.previewMarkdown)
	g.Get("/reports", h.reports.showReport)

	g.Get("/categories", h.listCategories)
	g.Post("/categories", h.createCategory)
	g.Get("/categories/:cid<int>/edit", h.editCategory)
	g.Post("/categories/:cid<int>", h.updateCategory)
	g.Post("/categories/:cid<int>/delete", h.deleteCategory)

	g.Get("/:id<int>/edit", h.editArticle)
	g.Post("/:id<int>", h.updateArticle)
	g.Post("/:id<int>/status", h.setArticleStatus)
	g.Post("/:id<int>/delete", h.deleteArticle)
	g.Get("/:id<int>/revisions", h.listRevisions)
	g.Get("/:id<int>/revisions/:n<int>", h.showRevision)
	g.Post("/:id<int>/revisions/:n<int>/restore", h.restoreRevision)
	g.Post("/:id<int>/attachments", h.uploadAttachment)
	g.Post("/:id<int>/attachments/:aid<int>/delete", h.deleteAttachment)
}

// actingUser is the current user's id for revisions and authorship.
func actingUser(c *fiber.Ctx) *int64 {
	if id := identity.Current(c); id != nil && id.UserID != 0 {
		uid := id.UserID
		return &uid
	}
	return nil
}

// editorNotFound maps ErrNotFound to a 404 and passes other errors on.
func editorNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// formValue reads a form field, copied out of Fiber's reused request buffer.
func formValue(c *fiber.Ctx, name string) string { return strings.Clone(c.FormValue(name)) }

// ---- article list ---------------------------------------------------------

// statusCount is one tab of the list's status filter.
type statusCount struct {
	Status, Label string
	Count         int
}

func (h *EditorHandlers) statusCounts(ctx context.Context) ([]statusCount, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := h.db.NewSelect().Model((*Article)(nil)).
		ColumnExpr("status, COUNT(*) AS n").GroupExpr("status").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count articles: %w", err)
	}
	by := map[string]int{}
	total := 0
	for _, r := range rows {
		by[r.Status] = r.N
		total += r.N
	}
	return []statusCount{
		{"", "All", total},
		{StatusDraft, "Drafts", by[StatusDraft]},
		{StatusPublished, "Published", by[StatusPublished]},
		{StatusArchived, "Archived", by[StatusArchived]},
	}, nil
}

// listArticles renders /agent/kb?status=&category=&q=&page= (the table
// alone for htmx filter requests).
func (h *EditorHandlers) listArticles(c *fiber.Ctx) error {
	ctx := c.UserContext()
	status := c.Query("status")
	switch status {
	case StatusDraft, StatusPublished, StatusArchived:
	default:
		status = ""
	}
	catID, _ := strconv.ParseInt(c.Query("category"), 10, 64)
	q := strings.TrimSpace(strings.Clone(c.Query("q")))
	page, _ := strconv.Atoi(c.Query("page"))
	if page < 1 {
		page = 1
	}
	articles, total, err := h.svc.ListArticles(ctx, ArticleFilter{
		Status: status, CategoryID: catID, Query: q,
		Limit: editorPageSize, Offset: (page - 1) * editorPageSize,
	})
	if err != nil {
		return err
	}
	counts, err := h.statusCounts(ctx)
	if err != nil {
		return err
	}
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return err
	}
	pageURL := func(p int) string {
		v := url.Values{}
		if status != "" {
			v.Set("status", status)
		}
		if catID != 0 {
			v.Set("category", strconv.FormatInt(catID, 10))
		}
		if q != "" {
			v.Set("q", q)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return "/agent/kb"
		}
		return "/agent/kb?" + v.Encode()
	}
	data := fiber.Map{
		"Title":      "Knowledge base articles",
		"Nav":        "articles",
		"Articles":   articles,
		"Total":      total,
		"Counts":     counts,
		"Categories": categoryOptions(cats),
		"Status":     status,
		"CategoryID": catID,
		"Q":          q,
		"Page":       page,
	}
	if page > 1 {
		data["PrevURL"] = pageURL(page - 1)
	}
	if page*editorPageSize < total {
		data["NextURL"] = pageURL(page + 1)
	}
	return web.Render(c, "kb/agent_list", "kb/_agent_list", data)
}

// ---- categories as options ------------------------------------------------

// categoryOption is a category in a picker: top-level categories in order,
// each followed by its sections, which are marked to be shown indented.
type categoryOption struct {
	ID       int64
	Name     string
	Slug     string
	Section  bool
	ParentID *int64
	Category Category
}

// categoryOptions orders categories as a one-level tree. A section whose
// parent is missing is shown at the top level rather than dropped.
func categoryOptions(cats []Category) []categoryOption {
	children := map[int64][]Category{}
	ids := map[int64]bool{}
	for _, c := range cats {
		ids[c.ID] = true
	}
	var top []Category
	for _, c := range cats {
		if c.ParentID != nil && ids[*c.ParentID] {
			children[*c.ParentID] = append(children[*c.ParentID], c)
		} else {
			top = append(top, c)
		}
	}
	less := func(s []Category) func(i, j int) bool {
		return func(i, j int) bool {
			if s[i].Position != s[j].Position {
				return s[i].Position < s[j].Position
			}
			return strings.ToLower(s[i].Name) < strings.ToLower(s[j].Name)
		}
	}
	sort.SliceStable(top, less(top))
	out := make([]categoryOption, 0, len(cats))
	for _, c := range top {
		out = append(out, categoryOption{ID: c.ID, Name: c.Name, Slug: c.Slug, Category: c})
		kids := children[c.ID]
		sort.SliceStable(kids, less(kids))
		for _, k := range kids {
			out = append(out, categoryOption{ID: k.ID, Name: k.Name, Slug: k.Slug, Section: true, ParentID: k.ParentID, Category: k})
		}
	}
	return out
}

// ---- editor ---------------------------------------------------------------

// ArticleForm is the editor form as typed: every field a string so that
// bad input is shown back exactly as entered.
type ArticleForm struct {
	Title, Slug, Summary, Body, Tags, CategoryID, Position, Note string
}

// articleFormFrom fills the form from a saved article.
func articleFormFrom(a *Article) ArticleForm {
	f := ArticleForm{
		Title: a.Title, Slug: a.Slug, Summary: a.Summary, Body: a.Body,
		Tags: strings.ReplaceAll(a.Tags, ",", ", "), Position: strconv.Itoa(a.Position),
	}
	if a.CategoryID != nil {
		f.CategoryID = strconv.FormatInt(*a.CategoryID, 10)
	}
	return f
}

func readArticleForm(c *fiber.Ctx) ArticleForm {
	return ArticleForm{
		Title: formValue(c, "title"), Slug: formValue(c, "slug"), Summary: formValue(c, "summary"),
		Body: formValue(c, "body"), Tags: formValue(c, "tags"), CategoryID: formValue(c, "category_id"),
		Position: formValue(c, "position"), Note: formValue(c, "note"),
	}
}

// Input converts the form for the service; fields that do not parse are
// reported like any other validation failure.
func (f ArticleForm) Input(id int64, status string) (ArticleInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	in := ArticleInput{
		ID: id, Title: f.Title, Slug: strings.TrimSpace(f.Slug), Summary: f.Summary,
		Body: f.Body, Tags: f.Tags, Status: status,
	}
	in.CategoryID = parseOptionalID(fe, "category_id", f.CategoryID, "Choose a category from the list.")
	in.Position = parsePosition(fe, f.Position)
	if utf8.RuneCountInString(f.Note) > 300 {
		fe.Add("note", "Keep the revision note under 300 characters.")
	}
	for k, v := range in.Validate() {
		fe.Add(k, v)
	}
	return in, fe
}

// parseOptionalID reads a picker's value: empty means none; anything but a
// positive id records msg for field.
func parseOptionalID(fe web.FieldErrors, field, raw, msg string) *int64 {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		fe.Add(field, msg)
		return nil
	}
	return &id
}

// parsePosition reads an ordering number; empty means 0.
func parsePosition(fe web.FieldErrors, raw string) int {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0
	}
	p, err := strconv.Atoi(raw)
	if err != nil || p < -1_000_000 || p > 1_000_000 {
		fe.Add("position", "Enter a whole number (lower numbers come first).")
		return 0
	}
	return p
}

// attachmentView is an attachment as the editor lists it.
type attachmentView struct {
	Attachment
	URL     string
	Snippet string
	Image   bool
}

func newAttachmentView(a Attachment) attachmentView {
	u := attachmentURL(a.ID, a.Filename)
	v := attachmentView{Attachment: a, URL: u, Image: strings.HasPrefix(a.ContentType, "image/")}
	label := strings.NewReplacer("[", "", "]", "").Replace(strings.TrimSuffix(a.Filename, path.Ext(a.Filename)))
	if v.Image {
		v.Snippet = fmt.Sprintf("![%s](%s)", label, u)
	} else {
		v.Snippet = fmt.Sprintf("[%s](%s)", a.Filename, u)
	}
	return v
}

// SizeLabel is the file size for people ("12 KB").
func (v attachmentView) SizeLabel() string {
	switch {
	case v.Size >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(v.Size)/(1<<20))
	case v.Size >= 1<<10:
		return fmt.Sprintf("%d KB", (v.Size+512)>>10)
	}
	return fmt.Sprintf("%d bytes", v.Size)
}

func attachmentURL(id int64, filename string) string {
	return "/kb/files/" + strconv.FormatInt(id, 10) + "/" + url.PathEscape(filename)
}

// editorData assembles what the editor page and its form partial need.
func (h *EditorHandlers) editorData(ctx context.Context, a *Article, f ArticleForm, fe web.FieldErrors) (fiber.Map, error) {
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	preview, _ := RenderMarkdown(f.Body)
	data := fiber.Map{
		"Nav":        "articles",
		"Form":       f,
		"Errors":     fe,
		"Categories": categoryOptions(cats),
		"Preview":    preview,
		"Article":    a,
		"MaxFileMB":  h.maxFile >> 20,
	}
	if a == nil {
		data["Title"] = "New article"
		data["Action"] = "/agent/kb"
	} else {
		data["Title"] = "Edit: " + a.Title
		data["Action"] = "/agent/kb/" + strconv.FormatInt(a.ID, 10)
		atts, err := listAttachments(ctx, h.db, a.ID)
		if err != nil {
			return nil, err
		}
		views := make([]attachmentView, len(atts))
		for i, at := range atts {
			views[i] = newAttachmentView(at)
		}
		data["Attachments"] = views
	}
	return data, nil
}

func (h *EditorHandlers) renderEditor(c *fiber.Ctx, status int, a *Article, f ArticleForm, fe web.FieldErrors, extra fiber.Map) error {
	data, err := h.editorData(c.UserContext(), a, f, fe)
	if err != nil {
		return err
	}
	for k, v := range extra {
		data[k] = v
	}
	return web.RenderStatus(c, status, "kb/agent_edit", "kb/_agent_form", data)
}

// newArticle renders an empty editor (category preselected by ?category=).
func (h *EditorHandlers) newArticle(c *fiber.Ctx) error {
	f := ArticleForm{CategoryID: strings.Clone(c.Query("category"))}
	return h.renderEditor(c, fiber.StatusOK, nil, f, nil, nil)
}

// editArticle renders the editor for a saved article.
func (h *EditorHandlers) editArticle(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.svc.Article(c.UserContext(), id)
	if err != nil {
		return editorNotFound(err)
	}
	return h.renderEditor(c, fiber.StatusOK, a, articleFormFrom(a), nil, nil)
}

// submittedStatus is the status a save button asked for: "" keeps the
// current one; "publish", "unpublish" and "archive" are accepted as
// synonyms of the statuses.
func submittedStatus(v string) string {
	switch v {
	case StatusPublished, "publish":
		return StatusPublished
	case StatusDraft, "unpublish":
		return StatusDraft
	case StatusArchived, "archive":
		return StatusArchived
	}
	return ""
}

// createArticle saves a new article (POST /agent/kb).
func (h *EditorHandlers) createArticle(c *fiber.Ctx) error {
	return h.saveArticle(c, nil)
}

// updateArticle saves an edit (POST /agent/kb/:id).
func (h *EditorHandlers) updateArticle(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.svc.Article(c.UserContext(), id)
	if err != nil {
		return editorNotFound(err)
	}
	return h.saveArticle(c, a)
}

// saveArticle validates and saves the editor form. Bad input re-renders the
// form with the messages and everything typed (422). The "Preview" button
// (for browsers without JavaScript) re-renders without saving.
func (h *EditorHandlers) saveArticle(c *fiber.Ctx, cur *Article) error {
	f := readArticleForm(c)
	var id int64
	if cur != nil {
		id = cur.ID
	}
	if formValue(c, "action") == "preview" {
		return h.renderEditor(c, fiber.StatusOK, cur, f, nil, fiber.Map{"Previewed": true})
	}
	status := submittedStatus(formValue(c, "status"))
	if cur == nil && status == "" {
		status = StatusDraft
	}
	in, fe := f.Input(id, status)
	if fe.Any() {
		return h.renderEditor(c, fiber.StatusUnprocessableEntity, cur, f, fe, nil)
	}
	note := strings.TrimSpace(f.Note)
	if note == "" && cur != nil && status != "" && status != cur.Status {
		note = "status: " + status
	}
	saved, err := h.svc.SaveArticle(c.UserContext(), in, actingUser(c), note)
	var sfe web.FieldErrors
	if errors.As(err, &sfe) {
		return h.renderEditor(c, fiber.StatusUnprocessableEntity, cur, f, sfe, nil)
	}
	if err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", savedMessage(cur, saved))
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(saved.ID, 10)+"/edit")
}

func savedMessage(before, after *Article) string {
	switch {
	case before != nil && before.Status != after.Status && after.Status == StatusPublished:
		return "Published “" + after.Title + "”."
	case before != nil && before.Status == StatusPublished && after.Status == StatusDraft:
		return "Unpublished “" + after.Title + "”: it is a draft again."
	case before != nil && before.Status != after.Status && after.Status == StatusArchived:
		return "Archived “" + after.Title + "”."
	case before == nil && after.Status == StatusPublished:
		return "Created and published “" + after.Title + "”."
	case before == nil:
		return "Created the draft “" + after.Title + "”."
	}
	return fmt.Sprintf("Saved “%s” (revision %d).", after.Title, after.Revision)
}

// setArticleStatus publishes, unpublishes or archives without other edits
// (POST /agent/kb/:id/status, status=published|draft|archived).
func (h *EditorHandlers) setArticleStatus(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	before, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	status := submittedStatus(formValue(c, "status"))
	if status == "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Choose draft, published or archived.")
	}
	after, err := h.svc.SetStatus(ctx, id, status, actingUser(c))
	if err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", savedMessage(before, after))
	return web.Redirect(c, web.SafeNext(formValue(c, "next"), "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit"))
}

// deleteArticle removes an article for good (POST /agent/kb/:id/delete).
func (h *EditorHandlers) deleteArticle(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	if err := h.svc.DeleteArticle(ctx, id); err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", "Deleted “"+a.Title+"”.")
	return web.Redirect(c, "/agent/kb")
}

// previewMarkdown renders the editor's body field as the public page would
// (POST /agent/kb/preview; htmx swaps the fragment into #preview).
func (h *EditorHandlers) previewMarkdown(c *fiber.Ctx) error {
	body := formValue(c, "body")
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	html, toc := RenderMarkdown(body)
	return web.Render(c, "kb/agent_preview", "kb/_agent_preview", fiber.Map{
		"Title": "Preview", "Nav": "articles", "Preview": html, "TOC": toc,
	})
}

// ---- revisions ------------------------------------------------------------

// authorNames looks up display names for user ids (name, else email).
// Read-only and by primary key, so the editor need not depend on the
// accounts package.
func authorNames(ctx context.Context, db bun.IDB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID    int64  `bun:"id"`
		Name  string `bun:"name"`
		Email string `bun:"email"`
	}
	if err := db.NewSelect().TableExpr("users").Column("id", "name", "email").
		Where("id IN (?)", bun.In(ids)).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("author names: %w", err)
	}
	for _, r := range rows {
		if r.Name != "" {
			out[r.ID] = r.Name
		} else {
			out[r.ID] = r.Email
		}
	}
	return out, nil
}

// revisionRow is a revision as the history table shows it.
type revisionRow struct {
	Revision
	Author  string
	Current bool
}

// listRevisions renders an article's history (GET /agent/kb/:id/revisions).
func (h *EditorHandlers) listRevisions(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	a, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	revs, err := h.svc.Revisions(ctx, id)
	if err != nil {
		return err
	}
	var uids []int64
	for _, r := range revs {
		if r.AuthorID != nil {
			uids = append(uids, *r.AuthorID)
		}
	}
	names, err := authorNames(ctx, h.db, uids)
	if err != nil {
		return err
	}
	rows := make([]revisionRow, len(revs))
	for i, r := range revs {
		rows[i] = revisionRow{Revision: r, Current: r.Number == a.Revision}
		if r.AuthorID != nil {
			rows[i].Author = names[*r.AuthorID]
		}
	}
	return web.Render(c, "kb/agent_revisions", "", fiber.Map{
		"Title": "History: " + a.Title, "Nav": "articles", "Article": a, "Revisions": rows,
	})
}

// fieldChange is a metadata field that differs between two versions.
type fieldChange struct {
	Field, Old, New string
}

// showRevision renders one revision with a line diff of its body against
// the previous revision (?against=current: against the article as it is
// now) and the metadata fields that changed (GET /agent/kb/:id/revisions/:n).
func (h *EditorHandlers) showRevision(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	a, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	rev, err := h.svc.Revision(ctx, id, n)
	if err != nil {
		return editorNotFound(err)
	}
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return err
	}
	catName := func(id *int64) string {
		if id == nil {
			return "(none)"
		}
		for _, c := range cats {
			if c.ID == *id {
				return c.Name
			}
		}
		return "(deleted category)"
	}

	against := "previous"
	if c.Query("against") == "current" {
		against = "current"
	}
	// old → new: previous revision → this one, or this one → current.
	var old, cur *Revision
	var compareLabel string
	switch against {
	case "current":
		old = rev
		cur = &Revision{Number: a.Revision, Title: a.Title, Slug: a.Slug, Summary: a.Summary,
			Body: a.Body, Tags: a.Tags, CategoryID: a.CategoryID, Status: a.Status}
		compareLabel = fmt.Sprintf("Changes from revision %d to the current version (revision %d)", rev.Number, a.Revision)
	default:
		if n > 1 {
			prev, err := h.svc.Revision(ctx, id, n-1)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			old = prev
		}
		cur = rev
		if old != nil {
			compareLabel = fmt.Sprintf("Changes from revision %d to revision %d", old.Number, rev.Number)
		} else {
			compareLabel = fmt.Sprintf("Revision %d is the first: everything was added", rev.Number)
		}
	}
	if old == nil {
		old = &Revision{}
	}
	lines := DiffLines(old.Body, cur.Body)
	added, removed := DiffStats(lines)
	var changes []fieldChange
	add := func(field, o, n string) {
		if o != n {
			changes = append(changes, fieldChange{field, o, n})
		}
	}
	add("Title", old.Title, cur.Title)
	add("Slug", old.Slug, cur.Slug)
	add("Summary", old.Summary, cur.Summary)
	add("Tags", old.Tags, cur.Tags)
	if old.Number != 0 || cur.CategoryID != nil {
		add("Category", catName(old.CategoryID), catName(cur.CategoryID))
	}
	add("Status", old.Status, cur.Status)

	author := ""
	if rev.AuthorID != nil {
		names, err := authorNames(ctx, h.db, []int64{*rev.AuthorID})
		if err != nil {
			return err
		}
		author = names[*rev.AuthorID]
	}
	rendered, _ := RenderMarkdown(rev.Body)
	return web.Render(c, "kb/agent_revision", "", fiber.Map{
		"Title":        fmt.Sprintf("Revision %d: %s", rev.Number, a.Title),
		"Nav":          "articles",
		"Article":      a,
		"Revision":     rev,
		"Author":       author,
		"Category":     catName(rev.CategoryID),
		"Against":      against,
		"CompareLabel": compareLabel,
		"Diff":         RenderDiff(lines, diffContext),
		"Added":        added,
		"Removed":      removed,
		"Changes":      changes,
		"Rendered":     rendered,
		"IsCurrent":    rev.Number == a.Revision,
	})
}

// restoreRevision saves a new revision with an old one's content (POST
// /agent/kb/:id/revisions/:n/restore). The article keeps its status.
func (h *EditorHandlers) restoreRevision(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return fiber.ErrNotFound
	}
	a, err := h.svc.RestoreRevision(c.UserContext(), id, n, actingUser(c))
	if err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", fmt.Sprintf("Restored revision %d as revision %d.", n, a.Revision))
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit")
}

// ---- categories -----------------------------------------------------------

// CategoryForm is the category form as typed.
type CategoryForm struct {
	Name, Slug, Description, ParentID, Position string
}

// Input converts the form for the service.
func (f CategoryForm) Input(id int64) (CategoryInput, web.FieldErrors) {
	fe := web.FieldErrors{}
	in := CategoryInput{ID: id, Name: f.Name, Slug: strings.TrimSpace(f.Slug), Description: f.Description}
	in.ParentID = parseOptionalID(fe, "parent_id", f.ParentID, "Choose a parent category from the list.")
	in.Position = parsePosition(fe, f.Position)
	for k, v := range in.Validate() {
		fe.Add(k, v)
	}
	return in, fe
}

func readCategoryForm(c *fiber.Ctx) CategoryForm {
	return CategoryForm{
		Name: formValue(c, "name"), Slug: formValue(c, "slug"), Description: formValue(c, "description"),
		ParentID: formValue(c, "parent_id"), Position: formValue(c, "position"),
	}
}

func categoryFormFrom(cat *Category) CategoryForm {
	f := CategoryForm{Name: cat.Name, Slug: cat.Slug, Description: cat.Description, Position: strconv.Itoa(cat.Position)}
	if cat.ParentID != nil {
		f.ParentID = strconv.FormatInt(*cat.ParentID, 10)
	}
	return f
}

// categoryRow is a category in the management table, with how many
// articles (any status) it holds directly and how many sections it has.
type categoryRow struct {
	categoryOption
	Articles int
	Sections int
}

// categoryUsage counts, per category id, its articles and its sections.
func categoryUsage(ctx context.Context, db bun.IDB) (articles, sections map[int64]int, err error) {
	var arts []struct {
		CategoryID int64 `bun:"category_id"`
		N          int   `bun:"n"`
	}
	if err := db.NewSelect().Model((*Article)(nil)).
		ColumnExpr("category_id, COUNT(*) AS n").Where("category_id IS NOT NULL").
		GroupExpr("category_id").Scan(ctx, &arts); err != nil {
		return nil, nil, fmt.Errorf("count articles per category: %w", err)
	}
	var secs []struct {
		ParentID int64 `bun:"parent_id"`
		N        int   `bun:"n"`
	}
	if err := db.NewSelect().Model((*Category)(nil)).
		ColumnExpr("parent_id, COUNT(*) AS n").Where("parent_id IS NOT NULL").
		GroupExpr("parent_id").Scan(ctx, &secs); err != nil {
		return nil, nil, fmt.Errorf("count sections: %w", err)
	}
	articles, sections = map[int64]int{}, map[int64]int{}
	for _, a := range arts {
		articles[a.CategoryID] = a.N
	}
	for _, s := range secs {
		sections[s.ParentID] = s.N
	}
	return articles, sections, nil
}

// categoriesData is what the categories page needs; form and errors are
// for the "new category" form.
func (h *EditorHandlers) categoriesData(ctx context.Context, f CategoryForm, fe web.FieldErrors) (fiber.Map, error) {
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	arts, secs, err := categoryUsage(ctx, h.db)
	if err != nil {
		return nil, err
	}
	opts := categoryOptions(cats)
	rows := make([]categoryRow, len(opts))
	var parents []categoryOption
	for i, o := range opts {
		rows[i] = categoryRow{categoryOption: o, Articles: arts[o.ID], Sections: secs[o.ID]}
		if !o.Section {
			parents = append(parents, o)
		}
	}
	return fiber.Map{
		"Title":      "Knowledge base categories",
		"Nav":        "categories",
		"Categories": rows,
		"Parents":    parents,
		"Form":       f,
		"Errors":     fe,
	}, nil
}

// listCategories renders the category tree and the form for a new one.
func (h *EditorHandlers) listCategories(c *fiber.Ctx) error {
	f := CategoryForm{ParentID: strings.Clone(c.Query("parent"))}
	data, err := h.categoriesData(c.UserContext(), f, nil)
	if err != nil {
		return err
	}
	return web.Render(c, "kb/agent_categories", "", data)
}

// createCategory adds a category or section (POST /agent/kb/categories).
func (h *EditorHandlers) createCategory(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := readCategoryForm(c)
	in, fe := f.Input(0)
	if !fe.Any() {
		cat, err := h.svc.SaveCategory(ctx, in)
		if errors.As(err, &fe) {
			// shown below
		} else if err != nil {
			return err
		} else {
			kind := "category"
			if cat.ParentID != nil {
				kind = "section"
			}
			web.SetFlash(c, "success", "Created the "+kind+" “"+cat.Name+"”.")
			return web.Redirect(c, "/agent/kb/categories")
		}
	}
	data, err := h.categoriesData(ctx, f, fe)
	if err != nil {
		return err
	}
	return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/agent_categories", "", data)
}

// editCategoryData is what the category edit page needs.
func (h *EditorHandlers) editCategoryData(ctx context.Context, cat *Category, f CategoryForm, fe web.FieldErrors) (fiber.Map, error) {
	cats, err := h.svc.Categories(ctx)
	if err != nil {
		return nil, err
	}
	_, secs, err := categoryUsage(ctx, h.db)
	if err != nil {
		return nil, err
	}
	var parents []categoryOption
	for _, o := range categoryOptions(cats) {
		if !o.Section && o.ID != cat.ID {
			parents = append(parents, o)
		}
	}
	return fiber.Map{
		"Title":       "Edit category: " + cat.Name,
		"Nav":         "categories",
		"Category":    cat,
		"Parents":     parents,
		"HasSections": secs[cat.ID] > 0,
		"Form":        f,
		"Errors":      fe,
	}, nil
}

func (h *EditorHandlers) loadCategory(c *fiber.Ctx) (*Category, error) {
	id, err := pathID(c, "cid")
	if err != nil {
		return nil, err
	}
	cat, err := h.svc.Category(c.UserContext(), id)
	if err != nil {
		return nil, editorNotFound(err)
	}
	return cat, nil
}

// editCategory renders the form for one category.
func (h *EditorHandlers) editCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	data, err := h.editCategoryData(c.UserContext(), cat, categoryFormFrom(cat), nil)
	if err != nil {
		return err
	}
	return web.Render(c, "kb/agent_category", "", data)
}

// updateCategory saves the category form (POST /agent/kb/categories/:cid).
func (h *EditorHandlers) updateCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	f := readCategoryForm(c)
	in, fe := f.Input(cat.ID)
	if !fe.Any() {
		saved, err := h.svc.SaveCategory(ctx, in)
		if errors.As(err, &fe) {
			// shown below
		} else if err != nil {
			return editorNotFound(err)
		} else {
			web.SetFlash(c, "success", "Saved “"+saved.Name+"”.")
			return web.Redirect(c, "/agent/kb/categories")
		}
	}
	data, err := h.editCategoryData(ctx, cat, f, fe)
	if err != nil {
		return err
	}
	return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "kb/agent_category", "", data)
}

// deleteCategory removes an empty category (POST
// /agent/kb/categories/:cid/delete). One that still has sections or
// articles (of any status) is kept, with a message saying what to move
// first: deleting it would silently uncategorise published articles.
func (h *EditorHandlers) deleteCategory(c *fiber.Ctx) error {
	cat, err := h.loadCategory(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	arts, secs, err := categoryUsage(ctx, h.db)
	if err != nil {
		return err
	}
	if msg := categoryInUse(cat.Name, arts[cat.ID], secs[cat.ID]); msg != "" {
		data, err := h.categoriesData(ctx, CategoryForm{}, nil)
		if err != nil {
			return err
		}
		data["DeleteError"] = msg
		return web.RenderStatus(c, fiber.StatusConflict, "kb/agent_categories", "", data)
	}
	if err := h.svc.DeleteCategory(ctx, cat.ID); err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", "Deleted “"+cat.Name+"”.")
	return web.Redirect(c, "/agent/kb/categories")
}

// categoryInUse explains why a category cannot be deleted, or returns "".
func categoryInUse(name string, articles, sections int) string {
	var parts []string
	if sections > 0 {
		parts = append(parts, countNoun(sections, "section"))
	}
	if articles > 0 {
		parts = append(parts, countNoun(articles, "article"))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("“%s” still has %s. Move or delete them first; only an empty category can be deleted.",
		name, strings.Join(parts, " and "))
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// ---- attachments ----------------------------------------------------------

// attachmentType reports whether agents may upload files of the sniffed
// content type ct, and whether browsers may show them inline. SVG can
// carry script, so it is always downloaded, never rendered on our origin.
func attachmentType(ct string) (allowed, inline bool) {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp",
		"application/pdf", "text/plain", "text/csv", "text/markdown":
		return true, true
	case "image/svg+xml":
		return true, false
	}
	return false, false
}

// sniffAttachment decides the stored content type from the file's bytes
// (never the browser's claim); the extension only refines what sniffing
// cannot tell apart (SVG, CSV and Markdown are all text to the sniffer).
func sniffAttachment(filename string, data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	base, _, _ := mime.ParseMediaType(ct)
	ext := strings.ToLower(path.Ext(filename))
	switch base {
	case "text/xml", "text/plain", "text/html":
		head := strings.ToLower(string(data[:min(len(data), 1024)]))
		if ext == ".svg" || strings.Contains(head, "<svg") {
			if strings.Contains(head, "<svg") {
				return "image/svg+xml", true
			}
			return "", false
		}
		if base != "text/plain" {
			return "", false // HTML or XML pages are not article attachments
		}
		switch ext {
		case ".csv":
			return "text/csv", true
		case ".md", ".markdown":
			return "text/markdown", true
		}
		return "text/plain", true
	}
	if ok, _ := attachmentType(base); ok {
		return base, true
	}
	return "", false
}

// cleanFilename keeps a safe, readable file name for URLs and headers.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_':
			b.WriteRune(r)
			dash = false
		default:
			if !dash {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 120 {
		ext := path.Ext(out)
		if len(ext) > 10 {
			ext = ""
		}
		out = strings.Trim(out[:120-len(ext)], "-.") + ext
	}
	if out == "" {
		out = "file"
	}
	return out
}

func listAttachments(ctx context.Context, db bun.IDB, articleID int64) ([]Attachment, error) {
	var out []Attachment
	err := db.NewSelect().Model(&out).ExcludeColumn("data").
		Where("article_id = ?", articleID).Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	return out, nil
}

func getAttachment(ctx context.Context, db bun.IDB, id int64) (*Attachment, error) {
	a := new(Attachment)
	if err := scanOne(ctx, db.NewSelect().Model(a).Where("id = ?", id), "attachment"); err != nil {
		return nil, err
	}
	return a, nil
}

// uploadAttachment stores a file for an article (POST
// /agent/kb/:id/attachments, multipart field "file"). htmx gets the
// refreshed attachment list with the Markdown snippet to paste; a plain
// form post goes back to the editor.
func (h *EditorHandlers) uploadAttachment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	art, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	fail := func(msg string) error {
		if web.IsHTMX(c) {
			return h.renderAttachments(c, fiber.StatusUnprocessableEntity, art, msg)
		}
		web.SetFlash(c, "error", msg)
		return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit#attachments")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail("Choose a file to upload.")
	}
	if fh.Size > h.maxFile {
		return fail(fmt.Sprintf("The file is too large: %d MB at most.", h.maxFile>>20))
	}
	if fh.Size == 0 {
		return fail("The file is empty.")
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, h.maxFile+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > h.maxFile {
		return fail(fmt.Sprintf("The file is too large: %d MB at most.", h.maxFile>>20))
	}
	name := cleanFilename(strings.Clone(fh.Filename))
	ct, ok := sniffAttachment(name, data)
	if !ok {
		return fail("Only images (PNG, JPEG, GIF, WebP, SVG), PDF and plain-text files can be attached.")
	}
	sum := sha256.Sum256(data)
	aid := art.ID
	att := &Attachment{
		ArticleID: &aid, Filename: name, ContentType: ct, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedAt: time.Now().UTC(),
	}
	if _, err := h.db.NewInsert().Model(att).Returning("id").Exec(ctx); err != nil {
		return fmt.Errorf("store attachment: %w", err)
	}
	if web.IsHTMX(c) {
		return h.renderAttachments(c, fiber.StatusOK, art, "")
	}
	web.SetFlash(c, "success", "Uploaded "+name+". Paste its Markdown snippet into the body to show it.")
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit#attachments")
}

func (h *EditorHandlers) renderAttachments(c *fiber.Ctx, status int, art *Article, errMsg string) error {
	atts, err := listAttachments(c.UserContext(), h.db, art.ID)
	if err != nil {
		return err
	}
	views := make([]attachmentView, len(atts))
	for i, a := range atts {
		views[i] = newAttachmentView(a)
	}
	c.Status(status)
	return c.Render("kb/_agent_attachments", web.PageData(c, fiber.Map{
		"Article": art, "Attachments": views, "UploadError": errMsg, "MaxFileMB": h.maxFile >> 20,
	}))
}

// deleteAttachment removes a file (POST /agent/kb/:id/attachments/:aid/delete).
func (h *EditorHandlers) deleteAttachment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	aid, err := pathID(c, "aid")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	art, err := h.svc.Article(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	res, err := h.db.NewDelete().Model((*Attachment)(nil)).Where("id = ? AND article_id = ?", aid, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete attachment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fiber.ErrNotFound
	}
	if web.IsHTMX(c) {
		return h.renderAttachments(c, fiber.StatusOK, art, "")
	}
	web.SetFlash(c, "success", "Deleted the file.")
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit#attachments")
}

// serveAttachment sends a file (GET /kb/files/:id/:name). Files of
// published articles are public; others only for those the policy lets
// see unpublished articles, and 404 for everyone else, so their existence
// does not leak. The content type was sniffed at upload and nosniff keeps
// browsers to it; SVG always downloads.
func (h *EditorHandlers) serveAttachment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	att, err := getAttachment(ctx, h.db, id)
	if err != nil {
		return editorNotFound(err)
	}
	name, err := url.PathUnescape(c.Params("name"))
	if err != nil || name != att.Filename {
		return fiber.ErrNotFound
	}
	published := false
	if att.ArticleID != nil {
		var status string
		err := h.db.NewSelect().Model((*Article)(nil)).Column("status").
			Where("id = ?", *att.ArticleID).Scan(ctx, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("attachment article: %w", err)
		}
		published = status == StatusPublished
	}
	if !policy.Can(identity.Current(c), policy.ViewArticle, policy.Article{Published: published}) {
		return fiber.ErrNotFound
	}
	_, inline := attachmentType(att.ContentType)
	disposition := "attachment"
	if inline {
		disposition = "inline"
	}
	ct := att.ContentType
	if strings.HasPrefix(ct, "text/") {
		ct += "; charset=utf-8"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": att.Filename}))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// A file is never a page of ours: no script, no plugins, no framing.
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	c.Set(fiber.HeaderETag, `"`+att.SHA256+`"`)
	if published {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	} else {
		c.Set(fiber.HeaderCacheControl, "private, no-store")
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && match == `"`+att.SHA256+`"` {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(att.Data)
}
