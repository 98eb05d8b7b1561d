package tickets

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/web"
)

// HandlerDeps is what the HTTP handlers need beside the service.
type HandlerDeps struct {
	Service *Service
	Index   *Index // nil: search finds nothing
	// Suggest offers KB articles on the new-request form; nil offers none.
	Suggest Suggester
	// Drafts starts KB drafts from solved tickets; nil hides the action.
	Drafts ArticleDrafter
	// Billing fills the sidebar's billing slot; nil renders nothing.
	Billing BillingSummary
	// Mail warns on the dashboard when the support mailbox is not being
	// fetched; nil shows nothing.
	Mail   MailHealth
	Log    *slog.Logger
	Secure bool
}

// Handlers serves the customer portal, the agent desk and the API.
type Handlers struct {
	svc     *Service
	ix      *Index
	suggest Suggester
	drafts  ArticleDrafter
	billing BillingSummary
	mail    MailHealth
	log     *slog.Logger
	secure  bool
}

// NewHandlers builds the handlers.
func NewHandlers(d HandlerDeps) *Handlers {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handlers{svc: d.Service, ix: d.Index, suggest: d.Suggest, drafts: d.Drafts, billing: d.Billing, mail: d.Mail, log: log, secure: d.Secure}
}

// Mount registers every ticket route. The agent inbox takes /agent, so
// mount this before the KB editor (whose /agent redirect then never
// answers).
func (h *Handlers) Mount(r fiber.Router) {
	h.mountPortal(r)
	h.mountAgent(r)
	h.mountAPI(r)
}

// loadTicket loads the ticket named by the :number parameter and checks
// act on it; a ticket the user may not see answers 404 like a missing one.
func (h *Handlers) loadTicket(c *fiber.Ctx, act policy.Action[policy.Ticket]) (*Ticket, policy.Ticket, error) {
	n, err := strconv.ParseInt(c.Params("number"), 10, 64)
	if err != nil || n <= 0 {
		return nil, policy.Ticket{}, fiber.ErrNotFound
	}
	t, err := h.svc.TicketByNumber(c.UserContext(), n)
	if errors.Is(err, ErrNotFound) {
		return nil, policy.Ticket{}, fiber.ErrNotFound
	}
	if err != nil {
		return nil, policy.Ticket{}, err
	}
	pt, err := h.svc.PolicyFor(c.UserContext(), t)
	if err != nil {
		return nil, pt, err
	}
	if err := policy.Check(c, act, pt); err != nil {
		return nil, pt, err
	}
	return t, pt, nil
}

// scopeFor is the list scope of the current user.
func (h *Handlers) scopeFor(c *fiber.Ctx) (policy.TicketScope, error) {
	id := identity.Current(c)
	shared := false
	if id != nil && !id.IsStaff() && id.OrgID != 0 {
		orgs, err := h.svc.dir.Orgs(c.UserContext(), []int64{id.OrgID})
		if err != nil {
			return policy.TicketScope{}, err
		}
		shared = orgs[id.OrgID].Shared
	}
	return policy.TicketScopeFor(id, shared), nil
}

// uploads stores every file of the multipart field "files" in the file
// store, refusing one over the limit (while it streams) with a message
// naming the limit.
func (h *Handlers) uploads(c *fiber.Ctx) ([]AttachmentInput, string, error) {
	form, err := c.MultipartForm()
	if err != nil {
		if errors.Is(err, fiber.ErrUnprocessableEntity) || strings.Contains(err.Error(), "multipart") {
			return nil, "", nil // a urlencoded form: no files
		}
		return nil, "", nil
	}
	var out []AttachmentInput
	for _, fh := range form.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		in, msg, err := h.storeUpload(c, fh)
		if err != nil || msg != "" {
			return nil, msg, err
		}
		out = append(out, in)
	}
	if len(out) > 20 {
		return nil, "Attach at most 20 files.", nil
	}
	return out, "", nil
}

func (h *Handlers) storeUpload(c *fiber.Ctx, fh *multipart.FileHeader) (AttachmentInput, string, error) {
	limit := h.svc.MaxAttachment()
	tooBig := fmt.Sprintf("%s is larger than the %s limit per file; nothing was sent. Remove it or attach a smaller file.", fh.Filename, formatBytes(limit))
	if fh.Size > limit {
		return AttachmentInput{}, tooBig, nil
	}
	f, err := fh.Open()
	if err != nil {
		return AttachmentInput{}, "", err
	}
	defer f.Close()
	blob, err := h.svc.PutFile(c.UserContext(), f)
	var tl *files.TooLargeError
	if errors.As(err, &tl) {
		return AttachmentInput{}, tooBig, nil
	}
	if err != nil {
		return AttachmentInput{}, "", err
	}
	return AttachmentInput{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Blob: blob}, "", nil
}

// formatBytes renders a size for people ("25 MB").
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// serveAttachment sends one attachment: always as a download
// (Content-Disposition: attachment, nosniff), so an uploaded HTML or SVG
// file can never run in the portal's origin; images are shown inline by
// <img> tags only. Files on internal notes are staff-only.
func (h *Handlers) serveAttachment(c *fiber.Ctx, t *Ticket) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	a, public, err := h.svc.Attachment(c.UserContext(), t.ID, id)
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	if !public && !policy.Can(identity.Current(c), policy.ViewInternalNotes, PolicyTicket(t, false)) {
		return fiber.ErrNotFound
	}
	rd, err := h.svc.files.Open(c.UserContext(), h.svc.db, a.SHA256)
	if err != nil {
		return err
	}
	defer rd.Close()
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return files.Serve(c, rd, a.Filename, a.ContentType, true)
}

// textHTML turns plain text into safe HTML paragraphs.
func textHTML(s string) template.HTML {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return template.HTML(b.String())
}

// Body is a message's display HTML: its sanitised HTML, else its text.
func (m *Message) Body() template.HTML {
	if m.HTML != "" {
		return template.HTML(m.HTML) // sanitised by bluemonday when stored
	}
	return textHTML(m.Text)
}

// StatusLabel is the status for people.
func StatusLabel(s string) string {
	switch s {
	case StatusOnHold:
		return "On hold"
	case "":
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// formError answers a failed form: 422 with field messages for bad input.
func isFieldErrors(err error) (web.FieldErrors, bool) {
	var fe web.FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// AuthorKey is the author's user id, 0 when unknown (templates index the
// people map with it).
func (m *Message) AuthorKey() int64 {
	if m.AuthorID == nil {
		return 0
	}
	return *m.AuthorID
}

// SizeLabel is the attachment size for people.
func (a *Attachment) SizeLabel() string { return formatBytes(a.Size) }
