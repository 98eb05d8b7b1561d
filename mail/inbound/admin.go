package inbound

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/platform/web"
)

// StatusSource answers the fetcher's health (a *Fetcher; nil when no
// --imap-url is configured).
type StatusSource interface {
	Status(ctx context.Context) (Status, error)
}

// AdminDeps is what the inbound-mail admin pages and API need.
type AdminDeps struct {
	DB       bun.IDB
	Files    *files.Store
	Ingester *Ingester    // for re-processing; nil disables it
	Fetcher  StatusSource // nil: no mailbox configured
	// Guard admits administrators only (pages and API); app passes the
	// policy layer's guard, since mail imports no other domain. Nil denies
	// everyone.
	Guard fiber.Handler
	// Settings holds the acknowledgement switch and text and the hourly
	// cap (/admin/mail/settings); nil hides the page.
	Settings *settings.Store
	// Audit records an admin's change (app wires the audit log with the
	// request's actor; mail imports no accounts code).
	Audit func(c *fiber.Ctx, action, detail string) error
}

// Admin serves the ingestion log pages and GET /api/v1/mail/log.
type Admin struct{ d AdminDeps }

// NewAdmin returns the handlers.
func NewAdmin(d AdminDeps) *Admin { return &Admin{d: d} }

// Mount adds, for administrators only:
//
//	GET  /admin/mail                   mailbox status + ingestion log (?decision=, ?before=)
//	GET  /admin/mail/:id               one inbound message: decision, reason, parsed text
//	GET  /admin/mail/:id/raw           the raw message as received (.eml)
//	POST /admin/mail/:id/reprocess     deliver a failed message again
//	GET  /api/v1/mail/log              the log as JSON (limit, cursor, decision)
//	GET  /admin/mail/settings          acknowledgement switch and text, hourly cap
//	POST /admin/mail/settings          save them (validated, audited)
func (h *Admin) Mount(r fiber.Router) {
	guard := h.d.Guard
	if guard == nil {
		guard = func(*fiber.Ctx) error { return fiber.ErrNotFound }
	}
	r.Get("/admin/mail", guard, h.list)
	r.Get("/admin/mail/:id<int>", guard, h.show)
	r.Get("/admin/mail/:id<int>/raw", guard, h.raw)
	r.Post("/admin/mail/:id<int>/reprocess", guard, h.reprocess)
	r.Get("/api/v1/mail/log", guard, h.apiLog)
	r.Get("/admin/mail/settings", guard, h.showSettings)
	r.Post("/admin/mail/settings", guard, h.saveSettings)
}

func parseDecision(s string) (Decision, bool) {
	if s == "" {
		return "", true
	}
	for _, d := range Decisions {
		if string(d) == s {
			return d, true
		}
	}
	return "", false
}

func (h *Admin) list(c *fiber.Ctx) error {
	ctx := c.UserContext()
	decision, ok := parseDecision(c.Query("decision"))
	if !ok {
		return fiber.NewError(fiber.StatusBadRequest, "Unknown decision filter.")
	}
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	rows, next, err := ListLog(ctx, h.d.DB, LogFilter{Decision: decision, BeforeID: before, Limit: 50})
	if err != nil {
		return err
	}
	counts, err := CountDecisions(ctx, h.d.DB)
	if err != nil {
		return err
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	var status *Status
	if h.d.Fetcher != nil {
		s, err := h.d.Fetcher.Status(ctx)
		if err != nil {
			return err
		}
		status = &s
	}
	return web.Render(c, "mail/inbound", "mail/_inbound_rows", fiber.Map{
		"Title":     "Inbound mail",
		"Rows":      rows,
		"Decision":  string(decision),
		"Decisions": Decisions,
		"Counts":    counts,
		"Total":     total,
		"Older":     next,
		"Paged":     before > 0,
		"Status":    status,
	})
}

func (h *Admin) load(c *fiber.Ctx) (*LogEntry, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	e, err := GetLog(c.UserContext(), h.d.DB, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fiber.ErrNotFound
	}
	return e, err
}

func (h *Admin) show(c *fiber.Ctx) error {
	e, err := h.load(c)
	if err != nil {
		return err
	}
	data := fiber.Map{"Title": "Inbound mail: " + e.Subject, "Entry": e, "CanReprocess": h.d.Ingester != nil && e.Decision == DecisionFailed}
	if e.RawSHA256 != "" && h.d.Files != nil {
		if rc, err := OpenRaw(c.UserContext(), h.d.DB, h.d.Files, e.RawSHA256); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(rc, 4<<20))
			rc.Close()
			m := ParseBytes(raw)
			visible, quoted := SplitQuoted(m.Text)
			data["Message"] = m
			data["Visible"] = visible
			data["Quoted"] = quoted
		} else {
			data["RawError"] = err.Error()
		}
	}
	return web.Render(c, "mail/inbound_message", "", data)
}

func (h *Admin) raw(c *fiber.Ctx) error {
	e, err := h.load(c)
	if err != nil {
		return err
	}
	if e.RawSHA256 == "" || h.d.Files == nil {
		return fiber.ErrNotFound
	}
	rc, err := OpenRaw(c.UserContext(), h.d.DB, h.d.Files, e.RawSHA256)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "message/rfc822")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="inbound-`+strconv.FormatInt(e.ID, 10)+`.eml"`)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.SendStream(readCloser{rc})
}

// readCloser lets fasthttp close the stream after sending.
type readCloser struct{ io.ReadCloser }

func (h *Admin) reprocess(c *fiber.Ctx) error {
	e, err := h.load(c)
	if err != nil {
		return err
	}
	if h.d.Ingester == nil {
		return fiber.NewError(fiber.StatusConflict, "Re-processing is not available: no mailbox is configured.")
	}
	dec, err := h.d.Ingester.Reprocess(c.UserContext(), e.ID)
	if err != nil {
		web.SetFlash(c, "error", "Re-processing failed: "+err.Error())
	} else {
		web.SetFlash(c, "success", "Re-processed: "+strings.ReplaceAll(string(dec), "_", " ")+".")
	}
	return web.Redirect(c, "/admin/mail/"+strconv.FormatInt(e.ID, 10))
}

// apiEntry is one entry of GET /api/v1/mail/log (shape in DESIGN.md).
type apiEntry struct {
	MessageID    *string   `json:"message_id"`
	Mailbox      string    `json:"mailbox"`
	UID          int64     `json:"uid"`
	Decision     Decision  `json:"decision"`
	Reason       string    `json:"reason"`
	TicketNumber *int64    `json:"ticket_number"`
	CreatedAt    time.Time `json:"created_at"`
}

func (h *Admin) apiLog(c *fiber.Ctx) error {
	decision, ok := parseDecision(c.Query("decision"))
	if !ok {
		return web.JSONError(c, fiber.StatusBadRequest, "unknown decision")
	}
	limit := 50
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return web.JSONError(c, fiber.StatusBadRequest, "limit must be 1 to 200")
		}
		limit = n
	}
	var before int64
	if s := c.Query("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		id, err2 := strconv.ParseInt(strings.TrimPrefix(string(b), "log:"), 10, 64)
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "log:") || id <= 0 {
			return web.JSONError(c, fiber.StatusBadRequest, "invalid cursor")
		}
		before = id
	}
	rows, next, err := ListLog(c.UserContext(), h.d.DB, LogFilter{Decision: decision, BeforeID: before, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]apiEntry, 0, len(rows))
	for _, e := range rows {
		out = append(out, apiEntry{MessageID: e.MessageID, Mailbox: e.Mailbox, UID: e.UID, Decision: e.Decision,
			Reason: e.Reason, TicketNumber: e.TicketNumber, CreatedAt: e.CreatedAt.UTC()})
	}
	var cursor *string
	if next > 0 {
		s := base64.RawURLEncoding.EncodeToString([]byte("log:" + strconv.FormatInt(next, 10)))
		cursor = &s
	}
	return c.JSON(fiber.Map{"entries": out, "next_cursor": cursor})
}
