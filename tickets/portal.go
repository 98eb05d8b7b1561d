package tickets

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

func (h *Handlers) mountPortal(r fiber.Router) {
	g := r.Group("/tickets", policy.Require(policy.UseAccount))
	g.Get("/", policy.Require(policy.ListTickets), h.myTickets)
	g.Get("/new", policy.Require(policy.CreateTicket), h.newTicket)
	g.Post("/", policy.Require(policy.CreateTicket), h.createTicket)
	g.Get("/suggest", policy.Require(policy.CreateTicket), h.suggestArticles)
	g.Get("/suggest/open", policy.Require(policy.CreateTicket), h.openSuggestion)
	g.Get("/:number<int>", h.showTicket)
	g.Post("/:number<int>/messages", h.customerReply)
	g.Post("/:number<int>/solve", h.customerSolve)
	g.Post("/:number<int>/reopen", h.customerReopen)
	g.Post("/:number<int>/rating", h.rate)
	g.Get("/:number<int>/files/:id<int>/:name", h.customerFile)
}

func (h *Handlers) myTickets(c *fiber.Ctx) error {
	ctx := c.UserContext()
	scope, err := h.scopeFor(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && status != "open-any" && !ValidStatus(status) {
		status = ""
	}
	text := normalizeText(c.Query("q"))
	q := Query{Scope: scope, Status: status, Cursor: c.Query("cursor"), Limit: 25}
	if text != "" {
		if q.IDs, err = h.searchIDs(text, scope, false); err != nil {
			return err
		}
	}
	page, err := h.svc.List(ctx, q)
	if err != nil {
		return err
	}
	next := ""
	if page.NextCursor != "" {
		v := url.Values{"cursor": {page.NextCursor}}
		if status != "" {
			v.Set("status", status)
		}
		if text != "" {
			v.Set("q", text)
		}
		next = "/tickets?" + v.Encode()
	}
	return web.Render(c, "tickets/list", "tickets/_list_rows", fiber.Map{
		"Title": "My tickets", "Page": page, "Status": status, "Q": text, "NextURL": next,
		"Statuses": Statuses, "Shared": scope.OrgID != 0,
	})
}

// searchIDs asks the index; an index failure is logged and finds nothing
// rather than failing the page.
func (h *Handlers) searchIDs(text string, scope policy.TicketScope, withNotes bool) ([]int64, error) {
	if h.ix == nil {
		return []int64{}, nil
	}
	ids, err := h.ix.Search(text, scope, withNotes, 200)
	if err != nil {
		h.log.Warn("ticket search", "err", err)
		return []int64{}, nil
	}
	return ids, nil
}

var invoiceNumber = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

func (h *Handlers) newTicketData(c *fiber.Ctx, form fiber.Map, fe web.FieldErrors) fiber.Map {
	if fe == nil {
		fe = web.FieldErrors{}
	}
	return fiber.Map{
		"Title": "New request", "Form": form, "Errors": fe,
		"MaxBytes": h.svc.MaxAttachment(), "MaxLabel": formatBytes(h.svc.MaxAttachment()),
	}
}

func (h *Handlers) newTicket(c *fiber.Ctx) error {
	form := fiber.Map{
		"Subject": c.Query("subject"), "Text": c.Query("text"),
		"Deflection": newToken(),
	}
	if inv := strings.TrimSpace(c.Query("invoice")); inv != "" && invoiceNumber.MatchString(inv) {
		form["Invoice"] = inv
		if form["Subject"] == "" {
			form["Subject"] = "Question about invoice " + inv
		}
	}
	return web.Render(c, "tickets/new", "", h.newTicketData(c, form, nil))
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (h *Handlers) createTicket(c *fiber.Ctx) error {
	id := identity.Current(c)
	form := fiber.Map{
		"Subject": c.FormValue("subject"), "Text": c.FormValue("text"),
		"Invoice": c.FormValue("invoice"), "Deflection": c.FormValue("deflection"),
	}
	in := NewTicket{
		RequesterID: id.UserID, Subject: form["Subject"].(string), Text: form["Text"].(string), Channel: ChannelWeb,
	}
	if inv := form["Invoice"].(string); inv != "" && invoiceNumber.MatchString(inv) {
		in.RefKind, in.RefValue = "invoice", inv
	}
	fe := in.Validate()
	files, tooBig, err := h.uploads(c)
	if err != nil {
		return err
	}
	if tooBig != "" {
		fe.Add("files", tooBig)
	}
	if fe.Any() {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "tickets/new", "", h.newTicketData(c, form, fe))
	}
	in.Files = files
	t, err := h.svc.CreateTicket(c.UserContext(), in)
	if fe, ok := isFieldErrors(err); ok {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "tickets/new", "", h.newTicketData(c, form, fe))
	}
	if err != nil {
		return err
	}
	if tok := form["Deflection"].(string); tok != "" {
		h.svc.DeflectionSubmitted(c.UserContext(), tok, t.ID)
	}
	web.SetFlash(c, "success", fmt.Sprintf("Thanks: your request #%d is with our team. We will reply here and by email.", t.Number))
	return web.Redirect(c, fmt.Sprintf("/tickets/%d", t.Number))
}

// suggestArticles answers the htmx request the subject field makes while
// the customer types: up to five KB articles, each link going through
// /tickets/suggest/open so opening one is recorded.
func (h *Handlers) suggestArticles(c *fiber.Ctx) error {
	text := normalizeText(c.Query("subject"))
	tok := c.Query("deflection")
	var hits []Suggestion
	if h.suggest != nil && len(text) >= 3 {
		var err error
		hits, err = h.suggest.Suggest(c.UserContext(), text, 5)
		if err != nil {
			h.log.Warn("kb suggestions", "err", err)
			hits = nil
		}
	}
	if len(hits) > 0 && tok != "" {
		h.svc.DeflectionShown(c.UserContext(), tok, identity.Current(c).UserID, len(hits))
	}
	links := make([]fiber.Map, len(hits))
	for i, s := range hits {
		links[i] = fiber.Map{"Title": s.Title, "Snippet": s.Snippet,
			"Href": "/tickets/suggest/open?" + url.Values{"deflection": {tok}, "to": {s.URL}}.Encode()}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "tickets/_suggestions", "tickets/_suggestions", fiber.Map{"Suggestions": links, "Text": text})
}

// openSuggestion records that a suggested article was opened and sends
// the customer to it (only to a KB article path).
func (h *Handlers) openSuggestion(c *fiber.Ctx) error {
	to := c.Query("to")
	if !strings.HasPrefix(to, "/kb/a/") || web.SafeNext(to, "") == "" {
		return fiber.ErrNotFound
	}
	if tok := c.Query("deflection"); tok != "" {
		h.svc.DeflectionOpened(c.UserContext(), tok)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func (h *Handlers) showTicket(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ViewTicket)
	if err != nil {
		return err
	}
	return h.renderCustomerTicket(c, t, fiber.StatusOK, fiber.Map{}, nil)
}

func (h *Handlers) renderCustomerTicket(c *fiber.Ctx, t *Ticket, status int, form fiber.Map, fe web.FieldErrors) error {
	ctx := c.UserContext()
	// Customers never see internal notes, staff included on this page: it
	// is the customer's view.
	msgs, err := h.svc.Messages(ctx, t.ID, false)
	if err != nil {
		return err
	}
	people, err := h.svc.dir.People(ctx, authorIDs(msgs, t))
	if err != nil {
		return err
	}
	if fe == nil {
		fe = web.FieldErrors{}
	}
	id := identity.Current(c)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.RenderStatus(c, status, "tickets/show", "", fiber.Map{
		"Title": fmt.Sprintf("#%d %s", t.Number, t.Subject), "Ticket": t, "Messages": msgs, "People": people,
		"Form": form, "Errors": fe, "MaxLabel": formatBytes(h.svc.MaxAttachment()), "MaxBytes": h.svc.MaxAttachment(),
		"CanSolve": t.IsOpen, "CanReopen": t.Status == StatusSolved,
		"CanRate": (t.Status == StatusSolved || t.Status == StatusClosed) && id != nil && id.UserID == t.RequesterID,
		"Closed":  t.Status == StatusClosed, "StatusLabel": StatusLabel(t.Status),
	})
}

func authorIDs(msgs []Message, t *Ticket) []int64 {
	ids := []int64{t.RequesterID}
	if t.AssigneeID != nil {
		ids = append(ids, *t.AssigneeID)
	}
	for _, m := range msgs {
		if m.AuthorID != nil {
			ids = append(ids, *m.AuthorID)
		}
	}
	return dedupe(ids)
}

func (h *Handlers) customerReply(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	id := identity.Current(c)
	form := fiber.Map{"Text": c.FormValue("text")}
	in := NewMessage{AuthorID: id.UserID, Public: true, Channel: ChannelWeb, Text: form["Text"].(string)}
	files, tooBig, err := h.uploads(c)
	if err != nil {
		return err
	}
	if tooBig != "" {
		return h.renderCustomerTicket(c, t, fiber.StatusUnprocessableEntity, form, web.FieldErrors{"files": tooBig})
	}
	in.Files = files
	_, err = h.svc.AddMessage(c.UserContext(), t.ID, in)
	if fe, ok := isFieldErrors(err); ok {
		return h.renderCustomerTicket(c, t, fiber.StatusUnprocessableEntity, form, fe)
	}
	if errors.Is(err, ErrClosed) {
		return h.renderCustomerTicket(c, t, fiber.StatusUnprocessableEntity, form,
			web.FieldErrors{"text": "This request is closed. Please open a new request."})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "Your reply was added.")
	return web.Redirect(c, fmt.Sprintf("/tickets/%d#latest", t.Number))
}

func (h *Handlers) customerSolve(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	if t.IsOpen {
		if _, err := h.svc.Change(c.UserContext(), t.ID, identity.Current(c).UserID, Changes{Status: StatusSolved}); err != nil {
			return err
		}
		web.SetFlash(c, "success", "Marked as solved. How did we do?")
	}
	return web.Redirect(c, fmt.Sprintf("/tickets/%d#rating", t.Number))
}

func (h *Handlers) customerReopen(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	if t.Status == StatusSolved {
		if _, err := h.svc.Change(c.UserContext(), t.ID, identity.Current(c).UserID, Changes{Status: StatusOpen}); err != nil {
			return err
		}
		web.SetFlash(c, "success", "Reopened: tell us what is still not right.")
	}
	return web.Redirect(c, fmt.Sprintf("/tickets/%d", t.Number))
}

func (h *Handlers) rate(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	id := identity.Current(c)
	if id.UserID != t.RequesterID {
		return fiber.ErrNotFound
	}
	form := fiber.Map{"Rating": c.FormValue("rating"), "Comment": c.FormValue("comment")}
	err = h.svc.Rate(c.UserContext(), t.ID, id.UserID, form["Rating"].(string), form["Comment"].(string))
	if fe, ok := isFieldErrors(err); ok {
		return h.renderCustomerTicket(c, t, fiber.StatusUnprocessableEntity, form, fe)
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "Thank you for rating our help.")
	return web.Redirect(c, fmt.Sprintf("/tickets/%d#rating", t.Number))
}

func (h *Handlers) customerFile(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ViewTicket)
	if err != nil {
		return err
	}
	return h.serveAttachment(c, t)
}

var _ = strconv.Itoa
