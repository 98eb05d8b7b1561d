package kb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/web"
)

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

// sniffLen is how much of a file sniffAttachment looks at.
const sniffLen = 1024

// sniffAttachment decides the stored content type from the file's bytes
// (never the browser's claim); the extension only refines what sniffing
// cannot tell apart (SVG, CSV and Markdown are all text to the sniffer).
func sniffAttachment(filename string, data []byte) (string, bool) {
	data = data[:min(len(data), sniffLen)]
	ct := http.DetectContentType(data)
	base, _, _ := mime.ParseMediaType(ct)
	ext := strings.ToLower(path.Ext(filename))
	switch base {
	case "text/xml", "text/plain", "text/html":
		head := strings.ToLower(string(data))
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
	defer f.Close()
	// The type is sniffed from the first bytes (never the browser's
	// claim); the whole file then streams into the file store.
	br := bufio.NewReaderSize(f, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read upload: %w", err)
	}
	name := cleanFilename(fh.Filename)
	ct, ok := sniffAttachment(name, head)
	if !ok {
		return fail("Only images (PNG, JPEG, GIF, WebP, SVG), PDF and plain-text files can be attached.")
	}
	if _, err := h.svc.AddAttachment(ctx, art.ID, name, ct, br, h.maxFile); errors.Is(err, files.ErrTooLarge) {
		return fail(fmt.Sprintf("The file is too large: %d MB at most.", h.maxFile>>20))
	} else if err != nil {
		return editorNotFound(err)
	}
	if web.IsHTMX(c) {
		return h.renderAttachments(c, fiber.StatusOK, art, "")
	}
	web.SetFlash(c, "success", "Uploaded "+name+". Paste its Markdown snippet into the body to show it.")
	return web.Redirect(c, "/agent/kb/"+strconv.FormatInt(id, 10)+"/edit#attachments")
}

func (h *EditorHandlers) renderAttachments(c *fiber.Ctx, status int, art *Article, errMsg string) error {
	atts, err := h.svc.Attachments(c.UserContext(), art.ID)
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
	if err := h.svc.DeleteAttachment(ctx, id, aid); err != nil {
		return editorNotFound(err)
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
	att, published, err := h.svc.Attachment(ctx, id)
	if err != nil {
		return editorNotFound(err)
	}
	name, err := url.PathUnescape(c.Params("name"))
	if err != nil || name != att.Filename {
		return fiber.ErrNotFound
	}
	if !policy.Can(identity.Current(c), policy.ViewArticle, policy.Article{Published: published}) {
		return fiber.ErrNotFound
	}
	r, err := h.svc.OpenAttachment(ctx, att)
	if err != nil {
		return err
	}
	_, inline := attachmentType(att.ContentType)
	ct := att.ContentType
	if strings.HasPrefix(ct, "text/") {
		ct += "; charset=utf-8"
	}
	if err := files.Serve(c, r, att.Filename, ct, !inline); err != nil {
		return err
	}
	// A file is never a page of ours: no script, no plugins, no framing.
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	if published {
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	} else {
		c.Set(fiber.HeaderCacheControl, "private, no-store")
	}
	return nil
}
