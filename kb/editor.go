package kb

import (
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/audit"
	"github.com/frontdesk/frontdesk/platform/web"
)

// DefaultMaxAttachment is the largest file an agent may attach to an
// article unless EditorDeps says otherwise.
const DefaultMaxAttachment = 10 << 20

// EditorDeps is what the agent side of the knowledge base needs.
type EditorDeps struct {
	Service *Service
	// Deflection adds the ticket form's deflection rate to the report;
	// nil leaves it out.
	Deflection DeflectionSource
	Log        *slog.Logger
	// MaxAttachment bounds uploads (bytes); 0 means DefaultMaxAttachment.
	// The Fiber BodyLimit must be at least this plus form overhead.
	MaxAttachment int64
}

// EditorHandlers serve the agent pages under /agent/kb (articles, editor,
// revisions, categories, attachments, reports) and the public attachment
// URLs under /kb/files.
type EditorHandlers struct {
	svc     *Service
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
		svc: d.Service, log: log, maxFile: maxFile,
		reports: &ReportHandlers{svc: d.Service, now: time.Now, deflection: d.Deflection},
	}
}

// Mount registers the routes: /kb/files/:id/:name for everyone (the
// policy decides per file) and everything under /agent/kb for those the
// policy lets manage the knowledge base (others get a login redirect or
// 404 from policy.Require).
func (h *EditorHandlers) Mount(r fiber.Router) {
	r.Get("/kb/files/:id<int>/:name", h.serveAttachment)

	// /agent is the ticket inbox (tickets package).

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

// actor is who acts in this request (user, email, IP), for the revision's
// author and the audit log; the service fills in the action.
func actor(c *fiber.Ctx) *audit.Entry {
	e := identity.AuditEntry(c, "", "", 0, "")
	if e.ActorID != nil && *e.ActorID == 0 {
		e.ActorID = nil
	}
	return &e
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
