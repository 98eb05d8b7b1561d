package kb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

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
		Title: c.FormValue("title"), Slug: c.FormValue("slug"), Summary: c.FormValue("summary"),
		Body: c.FormValue("body"), Tags: c.FormValue("tags"), CategoryID: c.FormValue("category_id"),
		Position: c.FormValue("position"), Note: c.FormValue("note"),
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
		atts, err := h.svc.Attachments(ctx, a.ID)
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
	f := ArticleForm{CategoryID: c.Query("category")}
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
	if c.FormValue("action") == "preview" {
		return h.renderEditor(c, fiber.StatusOK, cur, f, nil, fiber.Map{"Previewed": true})
	}
	status := submittedStatus(c.FormValue("status"))
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
	saved, err := h.svc.SaveArticle(c.UserContext(), in, actor(c), note)
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
	status := submittedStatus(c.FormValue("status"))
	if status == "" {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Choose draft, published or archived.")
	}
	after, err := h.svc.SetStatus(ctx, id, status, actor(c))
	if err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", savedMessage(before, after))
	return web.Redirect(c, web.SafeNext(c.FormValue("next"), "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit"))
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
	if err := h.svc.DeleteArticle(ctx, id, actor(c)); err != nil {
		return editorNotFound(err)
	}
	web.SetFlash(c, "success", "Deleted “"+a.Title+"”.")
	return web.Redirect(c, "/agent/kb")
}
