package kb

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// diffContext is how many unchanged lines the revision diff shows around
// each change.
const diffContext = 3

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
	names, err := h.svc.AuthorNames(ctx, uids)
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
		names, err := h.svc.AuthorNames(ctx, []int64{*rev.AuthorID})
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
	a, err := h.svc.RestoreRevision(c.UserContext(), id, n, actor(c))
	if err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", fmt.Sprintf("Restored revision %d as revision %d.", n, a.Revision))
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit")
}
