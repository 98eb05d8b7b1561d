package workspaces

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/web"
)

// folderData gathers what a folder view shows.
func (h *Handlers) folderData(c *fiber.Ctx, w *wctx, folderID int64) (fiber.Map, error) {
	ctx := c.UserContext()
	folder, err := h.svc.Folder(ctx, w.WS.ID, folderID)
	if err != nil {
		return nil, notFound(err)
	}
	crumbs, err := h.svc.Breadcrumbs(ctx, w.WS.ID, folderID)
	if err != nil {
		return nil, err
	}
	listing, err := h.svc.ListFolder(ctx, w.WS.ID, folderID)
	if err != nil {
		return nil, err
	}
	tasks, err := h.svc.Tasks(ctx, w.WS.ID)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"Folder": folder, "Crumbs": crumbs, "Listing": listing, "Tasks": tasks,
		"Now": h.svc.clock(), "UploadAction": h.uploadAction(c, w, folderID, 0)}, nil
}

// uploadAction is the upload form's URL. The CSRF token rides in the
// query string so the check never has to parse the (streamed) body.
func (h *Handlers) uploadAction(c *fiber.Ctx, w *wctx, folderID, taskID int64) string {
	u := fmt.Sprintf("/w/%s/upload?folder=%d", w.WS.Slug, folderID)
	if taskID != 0 {
		u += fmt.Sprintf("&task=%d", taskID)
	}
	return u + "&_csrf=" + web.CSRFToken(c)
}

func (h *Handlers) showOverview(c *fiber.Ctx, w *wctx) error {
	ctx := c.UserContext()
	d, err := h.folderData(c, w, 0)
	if err != nil {
		return err
	}
	msgs, err := h.svc.Messages(ctx, w.WS.ID, 0)
	if err != nil {
		return err
	}
	pending, names, err := h.svc.PendingApprovals(ctx, w.WS.ID)
	if err != nil {
		return err
	}
	d["Messages"], d["Pending"], d["PendingNames"] = msgs, pending, names
	d["TicketsEnabled"] = h.svc.TicketsEnabled()
	return web.Render(c, "workspaces/overview", "", w.data(w.WS.Name, d))
}

func (h *Handlers) showFolder(c *fiber.Ctx, w *wctx) error {
	fid, err := paramID(c, "fid")
	if err != nil {
		return err
	}
	d, err := h.folderData(c, w, fid)
	if err != nil {
		return err
	}
	f := d["Folder"].(*Folder)
	return web.Render(c, "workspaces/folder", "", w.data(f.Name+" · "+w.WS.Name, d))
}

func (h *Handlers) createFolder(c *fiber.Ctx, w *wctx) error {
	parent, _ := strconv.ParseInt(c.FormValue("parent"), 10, 64)
	f, err := h.svc.CreateFolder(c.UserContext(), w.Actor, w.WS.ID, parent, c.FormValue("name"))
	if fe, ok := fieldErrors(err); ok {
		web.SetFlash(c, "error", fe.Error())
		return web.Redirect(c, folderURL(w.WS, parent))
	}
	if err != nil {
		return notFound(err)
	}
	return web.Redirect(c, folderURL(w.WS, f.ID))
}

func folderURL(ws *Workspace, id int64) string {
	if id == 0 {
		return "/w/" + ws.Slug
	}
	return fmt.Sprintf("/w/%s/folders/%d", ws.Slug, id)
}

// upload reads a multipart body part by part straight into the file store
// (Fiber streams request bodies; nothing is buffered whole), so a 500 MB
// video costs a 4 KB buffer, not 500 MB of memory. Several files may come
// in one request (<input type=file multiple>).
func (h *Handlers) upload(c *fiber.Ctx, w *wctx) error {
	ctx := c.UserContext()
	folderID, _ := strconv.ParseInt(c.Query("folder"), 10, 64)
	taskID, _ := strconv.ParseInt(c.Query("task"), 10, 64)
	back := folderURL(w.WS, folderID)
	_, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return fiber.NewError(fiber.StatusBadRequest, "Send the files as a multipart form.")
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	mr := multipart.NewReader(body, params["boundary"])
	var names []string
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "The upload was cut off. Please try again.")
		}
		if part.FormName() != "files" || part.FileName() == "" {
			part.Close()
			continue
		}
		f, _, err := h.svc.Upload(ctx, w.Actor, w.WS, UploadInput{FolderID: folderID, Name: part.FileName(), TaskID: taskID}, part)
		part.Close()
		var tl *TooLargeError
		switch {
		case errors.As(err, &tl):
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, tl.Error())
		case err != nil:
			if fe, ok := fieldErrors(err); ok {
				web.SetFlash(c, "error", fe.Error())
				return web.Redirect(c, back)
			}
			return notFound(err)
		}
		names = append(names, f.Name)
		// Only the first file completes a task.
		taskID = 0
	}
	if len(names) == 0 {
		web.SetFlash(c, "error", "Choose one or more files to upload.")
		return web.Redirect(c, back)
	}
	web.SetFlash(c, "success", "Uploaded "+strings.Join(names, ", ")+".")
	return web.Redirect(c, back)
}

func (h *Handlers) loadFile(c *fiber.Ctx, w *wctx) (*File, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	f, err := h.svc.File(c.UserContext(), w.WS.ID, id)
	return f, notFound(err)
}

func (h *Handlers) showFile(c *fiber.Ctx, w *wctx) error {
	ctx := c.UserContext()
	f, err := h.loadFile(c, w)
	if err != nil {
		return err
	}
	versions, err := h.svc.Versions(ctx, f.ID)
	if err != nil {
		return err
	}
	approvals, err := h.svc.Approvals(ctx, f.ID)
	if err != nil {
		return err
	}
	comments, err := h.svc.Messages(ctx, w.WS.ID, f.ID)
	if err != nil {
		return err
	}
	crumbs, err := h.svc.Breadcrumbs(ctx, w.WS.ID, f.FolderID)
	if err != nil {
		return err
	}
	var candidates []Candidate
	if w.Acc.Deliver {
		if candidates, err = h.svc.Candidates(ctx, w.WS.ID); err != nil {
			return err
		}
	}
	var open *Approval
	if len(approvals) > 0 {
		f.Approval = approvals[0].Status
		if approvals[0].Status == ApprovalPending {
			open = &approvals[0]
		}
	}
	shown := f.CurrentVersion
	if n, err := strconv.Atoi(c.Query("v")); err == nil && n >= 1 && n <= f.CurrentVersion {
		shown = n
	}
	var shownV *Version
	for i := range versions {
		if versions[i].Number == shown {
			shownV = &versions[i]
		}
	}
	if err := h.svc.Record(ctx, w.WS.ID, w.Actor, "file.viewed", fmt.Sprintf("%s (version %d)", f.Name, shown), &f.ID); err != nil {
		return err
	}
	return web.Render(c, "workspaces/file", "", w.data(f.Name+" · "+w.WS.Name, fiber.Map{
		"File": f, "Versions": versions, "Shown": shownV, "Approvals": approvals, "Open": open,
		"MayDecide": open != nil && MayDecide(open, w.Actor), "Comments": comments, "Crumbs": crumbs,
		"Candidates": candidates, "Preview": PreviewKind(f.ContentType),
		"PreviewShown": shownV != nil && PreviewKind(shownV.ContentType) != "",
	}))
}

func (h *Handlers) loadVersion(c *fiber.Ctx, w *wctx) (*File, *Version, error) {
	f, err := h.loadFile(c, w)
	if err != nil {
		return nil, nil, err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return nil, nil, fiber.ErrNotFound
	}
	v, err := h.svc.Version(c.UserContext(), f.ID, n)
	return f, v, notFound(err)
}

// raw serves a version for the in-page preview: inline only for the
// preview allow-list, sandboxed by CSP so even a mislabelled file can run
// nothing, with Range support so video and audio can seek.
func (h *Handlers) raw(c *fiber.Ctx, w *wctx) error {
	f, v, err := h.loadVersion(c, w)
	if err != nil {
		return err
	}
	kind := PreviewKind(v.ContentType)
	if kind == "" {
		return h.serve(c, w, f, v, true)
	}
	if kind == "pdf" {
		// Chromium's PDF viewer does not run in a sandboxed document; a
		// PDF runs no script of ours either way, and it may be framed by
		// our own page only.
		c.Set("Content-Security-Policy", "default-src 'none'; object-src 'self'; plugin-types application/pdf; frame-ancestors 'self'")
		c.Set("X-Frame-Options", "SAMEORIGIN")
	} else {
		c.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'self'")
	}
	// Seeking in a video asks for ranges again and again: only a request
	// from the start counts as a view.
	if rg := c.Get(fiber.HeaderRange); rg == "" || strings.HasPrefix(rg, "bytes=0-") {
		if err := h.svc.Record(c.UserContext(), w.WS.ID, w.Actor, "file.viewed", fmt.Sprintf("%s (version %d)", f.Name, v.Number), &f.ID); err != nil {
			return err
		}
	}
	return h.serveBytes(c, f, v, false)
}

func (h *Handlers) download(c *fiber.Ctx, w *wctx) error {
	f, v, err := h.loadVersion(c, w)
	if err != nil {
		return err
	}
	return h.serve(c, w, f, v, true)
}

func (h *Handlers) serve(c *fiber.Ctx, w *wctx, f *File, v *Version, attachment bool) error {
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if rg := c.Get(fiber.HeaderRange); rg == "" || strings.HasPrefix(rg, "bytes=0-") {
		if err := h.svc.Record(c.UserContext(), w.WS.ID, w.Actor, "file.downloaded", fmt.Sprintf("%s (version %d)", f.Name, v.Number), &f.ID); err != nil {
			return err
		}
	}
	return h.serveBytes(c, f, v, attachment)
}

func (h *Handlers) serveBytes(c *fiber.Ctx, f *File, v *Version, attachment bool) error {
	r, err := h.svc.OpenVersion(c.UserContext(), v)
	if errors.Is(err, files.ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	ctype := v.ContentType
	if PreviewKind(ctype) == "" {
		ctype = "application/octet-stream"
	}
	return files.Serve(c, r, f.Name, ctype, attachment)
}

func (h *Handlers) deleteFile(c *fiber.Ctx, w *wctx) error {
	f, err := h.loadFile(c, w)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteFile(c.UserContext(), w.Actor, w.WS.ID, f.ID); err != nil {
		return notFound(err)
	}
	web.SetFlash(c, "success", "Deleted "+f.Name+".")
	return web.Redirect(c, folderURL(w.WS, f.FolderID))
}

// themeCSS gives the workspace pages the client's colour (the CSP allows
// no inline style).
func (h *Handlers) themeCSS(c *fiber.Ctx, w *wctx) error {
	color := w.WS.Color
	if !hexColor.MatchString(color) {
		color = "var(--brand)"
	}
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=60")
	return c.SendString(":root{--ws:" + color + "}\n")
}

func (h *Handlers) logo(c *fiber.Ctx, w *wctx) error {
	if w.WS.LogoSHA256 == "" || !logoTypes[w.WS.LogoType] {
		return fiber.ErrNotFound
	}
	r, err := h.svc.OpenBlob(c.UserContext(), w.WS.LogoSHA256)
	if err != nil {
		return notFound(err)
	}
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return files.Serve(c, r, "logo", w.WS.LogoType, false)
}
