package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

func (h *Handlers) mountAPI(r fiber.Router) {
	g := r.Group("/api/v1/tickets", policy.Require(policy.UseAccount))
	g.Get("/", h.apiList)
	g.Post("/", policy.Require(policy.CreateTicket), h.apiCreate)
	g.Get("/:number<int>", h.apiShow)
	g.Patch("/:number<int>", h.apiChange)
	g.Post("/:number<int>/messages", h.apiAddMessage)
}

type apiPerson struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type apiTicket struct {
	Number    int64      `json:"number"`
	Subject   string     `json:"subject"`
	Status    string     `json:"status"`
	Priority  string     `json:"priority"`
	Channel   string     `json:"channel"`
	Requester apiPerson  `json:"requester"`
	Assignee  *apiPerson `json:"assignee"`
	Tags      []string   `json:"tags"`
	CreatedAt string     `json:"created_at"`
	UpdatedAt string     `json:"updated_at"`
	// Added fields (the design allows additions).
	SLADueAt *string `json:"sla_due_at"`
	Rating   *string `json:"rating"`
}

type apiAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type apiMessage struct {
	ID          int64           `json:"id"`
	Author      *apiPerson      `json:"author"`
	Public      bool            `json:"public"`
	Channel     string          `json:"channel"`
	MessageID   *string         `json:"message_id"`
	Subject     string          `json:"subject"`
	Text        string          `json:"text"`
	Auto        bool            `json:"auto"`
	Attachments []apiAttachment `json:"attachments"`
	CreatedAt   string          `json:"created_at"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toAPITicket(t *Ticket, people map[int64]Person) apiTicket {
	req := people[t.RequesterID]
	out := apiTicket{
		Number: t.Number, Subject: t.Subject, Status: t.Status, Priority: t.Priority, Channel: t.Channel,
		Requester: apiPerson{Email: req.Email, Name: req.Name}, Tags: t.TagList(),
		CreatedAt: rfc3339(t.CreatedAt), UpdatedAt: rfc3339(t.UpdatedAt),
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if t.AssigneeID != nil {
		if p, ok := people[*t.AssigneeID]; ok {
			out.Assignee = &apiPerson{Email: p.Email, Name: p.Name}
		}
	}
	if t.SLADueAt != nil {
		s := rfc3339(*t.SLADueAt)
		out.SLADueAt = &s
	}
	if t.Rating != "" {
		r := t.Rating
		out.Rating = &r
	}
	return out
}

func toAPIMessage(m *Message, people map[int64]Person) apiMessage {
	out := apiMessage{
		ID: m.ID, Public: m.Public, Channel: m.Channel, MessageID: m.MessageID, Subject: m.Subject,
		Text: m.Text, Auto: m.Auto, Attachments: []apiAttachment{}, CreatedAt: rfc3339(m.CreatedAt),
	}
	if m.AuthorID != nil {
		if p, ok := people[*m.AuthorID]; ok {
			out.Author = &apiPerson{Email: p.Email, Name: p.Name}
		}
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, apiAttachment{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
	}
	return out
}

func (h *Handlers) apiList(c *fiber.Ctx) error {
	scope, err := h.scopeFor(c)
	if err != nil {
		return err
	}
	id := identity.Current(c)
	q, _ := inboxQuery(c, id.UserID)
	q.Scope = scope
	if c.Query("view") == "" {
		q.View = ViewAll
	}
	if !scope.All {
		// Customers filter by status and search only.
		q.View, q.Priority, q.Assignee, q.Tag, q.OrgID, q.Channel = ViewAll, "", "", "", 0, ""
	}
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		q.Limit = min(n, 100)
	}
	if text := normalizeText(c.Query("q")); text != "" {
		if q.IDs, err = h.searchIDs(text, scope, policy.Can(id, policy.ViewInternalNotes, policy.Ticket{})); err != nil {
			return err
		}
	}
	page, err := h.svc.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	out := make([]apiTicket, 0, len(page.Rows))
	for _, r := range page.Rows {
		people := map[int64]Person{r.RequesterID: r.Requester}
		if r.Assignee != nil {
			people[r.Assignee.ID] = *r.Assignee
		}
		out = append(out, toAPITicket(r.Ticket, people))
	}
	var next any
	if page.NextCursor != "" {
		next = page.NextCursor
	}
	return c.JSON(fiber.Map{"tickets": out, "next_cursor": next})
}

func (h *Handlers) apiTicketPeople(c *fiber.Ctx, t *Ticket, msgs []Message) (map[int64]Person, error) {
	return h.svc.dir.People(c.UserContext(), authorIDs(msgs, t))
}

func (h *Handlers) apiShow(c *fiber.Ctx) error {
	t, pt, err := h.loadTicket(c, policy.ViewTicket)
	if err != nil {
		return err
	}
	withNotes := policy.Can(identity.Current(c), policy.ViewInternalNotes, pt)
	msgs, err := h.svc.Messages(c.UserContext(), t.ID, withNotes)
	if err != nil {
		return err
	}
	people, err := h.apiTicketPeople(c, t, msgs)
	if err != nil {
		return err
	}
	out := make([]apiMessage, len(msgs))
	for i := range msgs {
		out[i] = toAPIMessage(&msgs[i], people)
	}
	return c.JSON(fiber.Map{"ticket": toAPITicket(t, people), "messages": out})
}

func decodeJSON(c *fiber.Ctx, v any) error {
	if len(c.Body()) == 0 {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body")
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "invalid JSON: "+err.Error())
	}
	return nil
}

func apiInvalid(c *fiber.Ctx, err error) error {
	if fe, ok := isFieldErrors(err); ok {
		keys := make([]string, 0, len(fe))
		for k, m := range fe {
			keys = append(keys, k+": "+m)
		}
		return web.JSONError(c, fiber.StatusUnprocessableEntity, strings.Join(keys, "; "))
	}
	return err
}

func (h *Handlers) apiCreate(c *fiber.Ctx) error {
	var body struct {
		Subject   string `json:"subject"`
		Text      string `json:"text"`
		Priority  string `json:"priority"`
		Requester *struct {
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"requester"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	id := identity.Current(c)
	in := NewTicket{RequesterID: id.UserID, ActorID: id.UserID, Subject: body.Subject, Text: body.Text, Channel: ChannelAPI}
	if id.IsStaff() {
		in.Priority = body.Priority
	}
	if body.Requester != nil && body.Requester.Email != "" && !strings.EqualFold(body.Requester.Email, id.Email) {
		if !id.IsStaff() {
			return web.JSONError(c, fiber.StatusUnprocessableEntity, "requester: only agents open tickets for someone else")
		}
		var t *Ticket
		err := h.svc.db.RunInTx(c.UserContext(), nil, func(ctx2 contextT, tx txT) error {
			p, err := h.svc.dir.FindOrCreateContact(ctx2, tx, body.Requester.Email, body.Requester.Name)
			if err != nil {
				return web.FieldErrors{"requester": err.Error()}
			}
			in.RequesterID = p.ID
			t, _, err = h.svc.CreateTicketTx(ctx2, tx, in)
			return err
		})
		if err != nil {
			return apiInvalid(c, err)
		}
		h.svc.Committed()
		return h.apiCreated(c, t)
	}
	t, err := h.svc.CreateTicket(c.UserContext(), in)
	if err != nil {
		return apiInvalid(c, err)
	}
	return h.apiCreated(c, t)
}

func (h *Handlers) apiCreated(c *fiber.Ctx, t *Ticket) error {
	people, err := h.svc.dir.People(c.UserContext(), authorIDs(nil, t))
	if err != nil {
		return err
	}
	c.Location(fmt.Sprintf("/api/v1/tickets/%d", t.Number))
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"ticket": toAPITicket(t, people)})
}

func (h *Handlers) apiAddMessage(c *fiber.Ctx) error {
	t, pt, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	var body struct {
		Text   string `json:"text"`
		Public *bool  `json:"public"`
		Status string `json:"status"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	public := body.Public == nil || *body.Public
	if !public {
		if err := policy.Check(c, policy.AddInternalNote, pt); err != nil {
			return err
		}
	}
	id := identity.Current(c)
	in := NewMessage{AuthorID: id.UserID, Public: public, Channel: ChannelAPI, Text: body.Text}
	if id.IsStaff() {
		in.SetStatus = body.Status
	}
	m, err := h.svc.AddMessage(c.UserContext(), t.ID, in)
	if errors.Is(err, ErrClosed) {
		return web.JSONError(c, fiber.StatusConflict, "the ticket is closed")
	}
	if err != nil {
		return apiInvalid(c, err)
	}
	people, err := h.svc.dir.People(c.UserContext(), []int64{id.UserID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"message": toAPIMessage(m, people)})
}

func (h *Handlers) apiChange(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	var body struct {
		Status   string          `json:"status"`
		Priority string          `json:"priority"`
		Assignee json.RawMessage `json:"assignee"`
		Tags     *[]string       `json:"tags"`
		Subject  string          `json:"subject"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ch := Changes{Status: body.Status, Priority: body.Priority, Subject: body.Subject}
	if len(body.Assignee) > 0 {
		if string(body.Assignee) == "null" {
			zero := int64(0)
			ch.Assignee = &zero
		} else {
			var a struct {
				Email string `json:"email"`
			}
			if err := json.Unmarshal(body.Assignee, &a); err != nil || a.Email == "" {
				return web.JSONError(c, fiber.StatusBadRequest, `assignee: want {"email": "…"} or null`)
			}
			p, err := h.svc.dir.PersonByEmail(c.UserContext(), a.Email)
			if err != nil || !p.Role.IsStaff() {
				return web.JSONError(c, fiber.StatusUnprocessableEntity, "assignee: no agent with that email")
			}
			ch.Assignee = &p.ID
		}
	}
	if body.Tags != nil {
		want := map[string]bool{}
		for _, tg := range *body.Tags {
			want[strings.ToLower(strings.TrimSpace(tg))] = true
			ch.AddTags = append(ch.AddTags, tg)
		}
		for _, tg := range t.TagList() {
			if !want[tg] {
				ch.RemoveTags = append(ch.RemoveTags, tg)
			}
		}
	}
	nt, err := h.svc.Change(c.UserContext(), t.ID, identity.Current(c).UserID, ch)
	if err != nil {
		return apiInvalid(c, err)
	}
	people, err := h.svc.dir.People(c.UserContext(), authorIDs(nil, nt))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ticket": toAPITicket(nt, people)})
}

type (
	contextT = context.Context
	txT      = bun.Tx
)
