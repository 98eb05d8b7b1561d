package workspaces

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

func fileURLPath(ws *Workspace, id int64) string { return fmt.Sprintf("/w/%s/files/%d", ws.Slug, id) }

// formFailed shows a rejected form's first message on the page it came
// from (the forms are small; the page keeps everything else).
func formFailed(c *fiber.Ctx, back string, err error) error {
	if fe, ok := fieldErrors(err); ok {
		web.SetFlash(c, "error", fe.Error())
		return web.Redirect(c, back)
	}
	return notFound(err)
}

func (h *Handlers) requestApproval(c *fiber.Ctx, w *wctx) error {
	f, err := h.loadFile(c, w)
	if err != nil {
		return err
	}
	back := fileURLPath(w.WS, f.ID)
	due, ok := parseDate(c.FormValue("due"))
	if !ok {
		return formFailed(c, back, web.FieldErrors{"due": "Enter the due date as a date."})
	}
	var reviewers []string
	if form, err := c.MultipartForm(); err == nil {
		reviewers = form.Value["reviewers"]
	} else {
		for _, v := range c.Context().PostArgs().PeekMulti("reviewers") {
			reviewers = append(reviewers, string(v))
		}
	}
	_, err = h.svc.RequestApproval(c.UserContext(), w.Actor, w.WS, f.ID, ApprovalInput{Reviewers: reviewers, DueOn: due, Note: c.FormValue("note")})
	if err != nil {
		return formFailed(c, back, err)
	}
	web.SetFlash(c, "success", "Approval requested.")
	return web.Redirect(c, back)
}

func (h *Handlers) decide(c *fiber.Ctx, w *wctx) error {
	aid, err := paramID(c, "aid")
	if err != nil {
		return err
	}
	a, err := h.svc.Decide(c.UserContext(), w.Actor, w.WS, aid, c.FormValue("decision"), c.FormValue("comment"))
	if errors.Is(err, ErrNotReviewer) || errors.Is(err, ErrClosed) {
		web.SetFlash(c, "error", map[bool]string{true: "You are not one of the reviewers of this request.", false: "This request was already settled or replaced by a newer version."}[errors.Is(err, ErrNotReviewer)])
		return web.Redirect(c, "/w/"+w.WS.Slug)
	}
	if fe, ok := fieldErrors(err); ok {
		back := "/w/" + w.WS.Slug
		if fid := c.FormValue("file"); fid != "" {
			back += "/files/" + fid
		}
		web.SetFlash(c, "error", fe.Error())
		return web.Redirect(c, back)
	}
	if err != nil {
		return notFound(err)
	}
	msg := "Thank you: you approved this version."
	if a.Status == ApprovalChanges || c.FormValue("decision") == ApprovalChanges {
		msg = "Thank you: your request for changes was sent to the team."
	}
	web.SetFlash(c, "success", msg)
	return web.Redirect(c, fileURLPath(w.WS, a.FileID))
}

func (h *Handlers) comment(c *fiber.Ctx, w *wctx) error {
	f, err := h.loadFile(c, w)
	if err != nil {
		return err
	}
	if _, err := h.svc.Post(c.UserContext(), w.Actor, w.WS, f.ID, c.FormValue("body")); err != nil {
		return formFailed(c, fileURLPath(w.WS, f.ID)+"#comments", err)
	}
	return web.Redirect(c, fileURLPath(w.WS, f.ID)+"#comments")
}

func (h *Handlers) postMessage(c *fiber.Ctx, w *wctx) error {
	if _, err := h.svc.Post(c.UserContext(), w.Actor, w.WS, 0, c.FormValue("body")); err != nil {
		return formFailed(c, "/w/"+w.WS.Slug+"#conversation", err)
	}
	return web.Redirect(c, "/w/"+w.WS.Slug+"#conversation")
}

func (h *Handlers) createTask(c *fiber.Ctx, w *wctx) error {
	back := "/w/" + w.WS.Slug + "#tasks"
	due, ok := parseDate(c.FormValue("due"))
	if !ok {
		return formFailed(c, back, web.FieldErrors{"due": "Enter the due date as a date."})
	}
	_, err := h.svc.CreateTask(c.UserContext(), w.Actor, w.WS, TaskInput{
		Title: c.FormValue("title"), Details: c.FormValue("details"), Kind: c.FormValue("kind"), DueOn: due})
	if err != nil {
		return formFailed(c, back, err)
	}
	web.SetFlash(c, "success", "Task given to the client.")
	return web.Redirect(c, back)
}

func (h *Handlers) tickTask(c *fiber.Ctx, w *wctx) error {
	tid, err := paramID(c, "tid")
	if err != nil {
		return err
	}
	if err := h.svc.TickTask(c.UserContext(), w.Actor, w.WS, tid); err != nil {
		return formFailed(c, "/w/"+w.WS.Slug+"#tasks", err)
	}
	web.SetFlash(c, "success", "Task completed.")
	return web.Redirect(c, "/w/"+w.WS.Slug+"#tasks")
}

func (h *Handlers) toTicket(c *fiber.Ctx, w *wctx) error {
	mid, err := paramID(c, "mid")
	if err != nil {
		return err
	}
	ref, url, err := h.svc.MessageToTicket(c.UserContext(), w.Actor, w.WS, mid)
	if err != nil {
		return formFailed(c, "/w/"+w.WS.Slug+"#conversation", err)
	}
	web.SetFlash(c, "success", "The message is now ticket "+ref+".")
	if url != "" {
		return web.Redirect(c, url)
	}
	return web.Redirect(c, "/w/"+w.WS.Slug+"#conversation")
}
