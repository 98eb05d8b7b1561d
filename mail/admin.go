package mail

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/web"
)

// AdminDeps is what the outbox admin pages need.
type AdminDeps struct {
	DB     bun.IDB
	Outbox *Outbox // woken after "retry now"; may be nil
	// SMTPConfigured tells the page whether a sender is running or mail
	// only waits here to be read.
	SMTPConfigured bool
	Now            func() time.Time
	// Guard admits administrators only; app passes the policy layer's
	// guard (mail imports no other domain). Nil denies everyone.
	Guard fiber.Handler
}

// Admin serves the outbox pages: the list, one message, and "retry now".
type Admin struct {
	d AdminDeps
}

// NewAdmin returns the outbox admin handlers.
func NewAdmin(d AdminDeps) *Admin {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Admin{d: d}
}

// Statuses lists the outbox states in the order the filter shows them.
var statuses = []string{StatusPending, StatusSending, StatusSent, StatusFailed}

// Mount adds the routes to r, for administrators only:
//
//	GET  /admin/outbox                 list, newest first (?status=, ?before=)
//	GET  /admin/outbox/:id             one message: headers, text, HTML source
//	POST /admin/outbox/:id/retry       requeue a failed message now
//
// Mount them after the middleware that establishes the identity.
func (h *Admin) Mount(r fiber.Router) {
	guard := h.d.Guard
	if guard == nil {
		guard = func(*fiber.Ctx) error { return fiber.ErrNotFound }
	}
	r.Get("/admin/outbox", guard, h.listOutbox)
	r.Get("/admin/outbox/:id<int>", guard, h.showOutboxMessage)
	r.Post("/admin/outbox/:id<int>/retry", guard, h.retryOutboxMessage)
}

func (h *Admin) listOutbox(c *fiber.Ctx) error {
	ctx := c.UserContext()
	status := c.Query("status")
	valid := status == ""
	for _, s := range statuses {
		valid = valid || s == status
	}
	if !valid {
		return fiber.NewError(fiber.StatusBadRequest, "Unknown status filter.")
	}
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	const pageSize = 50
	rows, err := List(ctx, h.d.DB, ListFilter{Status: status, Before: before, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	var older int64
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		older = rows[pageSize-1].ID
	}
	counts, err := CountByStatus(ctx, h.d.DB)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	return web.Render(c, "mail/outbox", "mail/_outbox_rows", fiber.Map{
		"Title":    "Outbox",
		"Rows":     rows,
		"Status":   status,
		"Statuses": statuses,
		"Counts":   counts,
		"Total":    total,
		"Older":    older,
		"Paged":    before > 0,
		"SMTP":     h.d.SMTPConfigured,
	})
}

func (h *Admin) load(c *fiber.Ctx) (*Entry, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	e, err := Get(c.UserContext(), h.d.DB, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return e, err
}

func (h *Admin) showOutboxMessage(c *fiber.Ctx) error {
	e, err := h.load(c)
	if err != nil {
		return err
	}
	return web.Render(c, "mail/outbox_message", "", fiber.Map{
		"Title": "Outbox: " + e.Subject,
		"Msg":   e,
		"Links": links(e.TextBody),
		"SMTP":  h.d.SMTPConfigured,
	})
}

func (h *Admin) retryOutboxMessage(c *fiber.Ctx) error {
	e, err := h.load(c)
	if err != nil {
		return err
	}
	ok, err := Retry(c.UserContext(), h.d.DB, e.ID, h.d.Now())
	if err != nil {
		return err
	}
	if ok {
		if h.d.Outbox != nil {
			h.d.Outbox.Wake()
		}
		msg := "Queued again; the sender will try it now."
		if !h.d.SMTPConfigured {
			msg = "Queued again. No SMTP server is configured, so it waits in the outbox."
		}
		web.SetFlash(c, "success", msg)
	} else {
		web.SetFlash(c, "error", "Only failed messages can be retried; this one is "+e.Status+".")
	}
	return web.Redirect(c, "/admin/outbox/"+strconv.FormatInt(e.ID, 10))
}

// links returns the http(s) URLs in a text body, so an admin reading the
// outbox (no SMTP configured, or the demo) can follow a verification link.
func links(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range linkRE.FindAllString(text, -1) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// SentTime returns SentAt or the zero time (templates cannot dereference).
func (e *Entry) SentTime() time.Time {
	if e.SentAt == nil {
		return time.Time{}
	}
	return *e.SentAt
}
