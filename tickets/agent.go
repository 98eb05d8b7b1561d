package tickets

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

func (h *Handlers) mountAgent(r fiber.Router) {
	r.Get("/agent", policy.Require(policy.UseAgentDesk), h.inbox)
	g := r.Group("/agent", policy.Require(policy.UseAgentDesk))
	g.Post("/bulk", h.bulk)
	g.Post("/views", h.saveView)
	g.Post("/views/:id<int>/delete", h.deleteView)
	g.Get("/dashboard", h.dashboard)
	g.Get("/canned", h.listCanned)
	g.Post("/canned", h.saveCanned)
	g.Post("/canned/:id<int>", h.saveCanned)
	g.Post("/canned/:id<int>/delete", h.deleteCanned)
	g.Get("/tickets/:number<int>", h.agentTicket)
	g.Post("/tickets/:number<int>/messages", h.agentReply)
	g.Post("/tickets/:number<int>/fields", h.agentFields)
	g.Post("/tickets/:number<int>/presence", h.presence)
	g.Get("/tickets/:number<int>/canned/:id<int>", h.insertCanned)
	g.Post("/tickets/:number<int>/article", h.turnIntoArticle)
	g.Post("/tickets/:number<int>/flag/accept", h.flagAccept)
	g.Post("/tickets/:number<int>/flag/dismiss", h.flagDismiss)
	g.Get("/tickets/:number<int>/files/:id<int>/:name", h.agentFile)
	r.Get("/admin/tickets/sla", policy.Require(policy.Administer), h.showSLA)
	r.Post("/admin/tickets/sla", policy.Require(policy.Administer), h.saveSLA)
}

// inboxRows renders the rows of the inbox page q asks for (the htmx poll's
// whole answer), from the cache when nothing changed since: see
// inboxcache.go.
func (h *Handlers) inboxRows(c *fiber.Ctx, q Query, v url.Values, text string) (*inboxEntry, error) {
	ctx := c.UserContext()
	gen, err := h.svc.ChangeGeneration(ctx)
	if err != nil {
		return nil, err
	}
	render := func() ([]byte, error) {
		page, err := h.svc.List(ctx, q)
		if err != nil {
			return nil, err
		}
		next := ""
		if page.NextCursor != "" {
			nv := url.Values{}
			for k, vs := range v {
				nv[k] = vs
			}
			nv.Set("cursor", page.NextCursor)
			next = "/agent?" + nv.Encode()
		}
		var b bytes.Buffer
		err = c.App().Config().Views.Render(&b, "tickets/_inbox_rows", fiber.Map{
			"Rows": inboxRows(page.Rows, h.svc.clock()), "NextURL": next,
		})
		return b.Bytes(), err
	}
	now := h.svc.clock()
	if text != "" {
		// Search hits come from the index, which follows the change log
		// on its own time: never cached.
		html, err := render()
		return &inboxEntry{gen: gen, at: now, html: html}, err
	}
	key := v.Encode() + "\x00" + q.Cursor
	if q.View == ViewMine || v.Get("assignee") == "me" {
		key += "\x00" + strconv.FormatInt(q.Me, 10)
	}
	return h.svc.inbox.get(key, gen, now, render)
}

// inboxQuery reads the inbox's view, filters and sort from the URL.
func inboxQuery(c *fiber.Ctx, me int64) (Query, url.Values) {
	v := url.Values{}
	get := func(k string) string {
		s := strings.TrimSpace(c.Query(k))
		if s != "" {
			v.Set(k, s)
		}
		return s
	}
	q := Query{Scope: policy.TicketScope{All: true}, Me: me, Limit: 50, Brief: true}
	q.View = get("view")
	known := false
	for _, vw := range Views {
		known = known || vw.Key == q.View
	}
	if !known {
		q.View = ViewUnassigned
		v.Del("view")
	}
	if s := get("status"); s == "open-any" || ValidStatus(s) {
		q.Status = s
	} else {
		v.Del("status")
	}
	if p := get("priority"); ValidPriority(p) {
		q.Priority = p
	} else {
		v.Del("priority")
	}
	if a := get("assignee"); a == "none" || a == "me" {
		q.Assignee = a
		if a == "me" {
			q.Assignee = strconv.FormatInt(me, 10)
		}
	} else if n, err := strconv.ParseInt(a, 10, 64); err == nil && n > 0 {
		q.Assignee = a
	} else {
		v.Del("assignee")
	}
	if t := get("tag"); t != "" && normTag(t) != "" {
		q.Tag = t
	} else {
		v.Del("tag")
	}
	if o, err := strconv.ParseInt(get("org"), 10, 64); err == nil && o > 0 {
		q.OrgID = o
	} else {
		v.Del("org")
	}
	if ch := get("channel"); ValidChannel(ch) {
		q.Channel = ch
	} else {
		v.Del("channel")
	}
	switch s := get("sort"); s {
	case SortCreated, SortPriority, SortSLA, SortUpdated:
		q.Sort = s
	default:
		v.Del("sort")
	}
	get("q")
	q.Cursor = c.Query("cursor")
	return q, v
}

func (h *Handlers) inbox(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := identity.Current(c)
	q, v := inboxQuery(c, id.UserID)
	text := normalizeText(v.Get("q"))
	if text != "" {
		// "#1042" or "1042" jumps to the ticket.
		if n, err := strconv.ParseInt(strings.TrimPrefix(text, "#"), 10, 64); err == nil && !web.IsHTMX(c) {
			if _, err := h.svc.TicketByNumber(ctx, n); err == nil {
				return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d", n))
			}
		}
		ids, err := h.searchIDs(text, q.Scope, true)
		if err != nil {
			return err
		}
		q.IDs = ids
	}
	self := "/agent"
	if enc := v.Encode(); enc != "" {
		self += "?" + enc
	}
	rows, err := h.inboxRows(c, q, v, text)
	if err != nil {
		return err
	}
	if web.IsHTMX(c) {
		c.Vary("HX-Request")
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
		c.Type("html", "utf-8")
		if c.Request().Header.HasAcceptEncoding("gzip") {
			// Compressed once per entry; the compress middleware leaves a
			// body with a Content-Encoding alone.
			c.Vary(fiber.HeaderAcceptEncoding)
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(rows.gzipped())
		}
		return c.Send(rows.html)
	}
	data := fiber.Map{"Query": q, "Q": text, "Self": self, "First": q.Cursor == "", "RowsHTML": template.HTML(rows.html)}
	staff, err := h.svc.dir.Staff(ctx)
	if err != nil {
		return err
	}
	orgs, err := h.svc.dir.AllOrgs(ctx)
	if err != nil {
		return err
	}
	tags, err := h.svc.Tags(ctx, 50)
	if err != nil {
		return err
	}
	views, err := h.svc.SavedViews(ctx, id.UserID)
	if err != nil {
		return err
	}
	data["Title"] = "Inbox"
	data["Views"] = Views
	data["Saved"] = views
	data["Staff"] = staff
	data["Orgs"] = orgs
	data["Tags"] = tags
	data["Statuses"] = Statuses
	data["Priorities"] = Priorities
	data["Channels"] = Channels
	data["Filters"] = v
	data["Me"] = id.UserID
	return web.Render(c, "tickets/inbox", "", data)
}

func (h *Handlers) agentTicketData(c *fiber.Ctx, t *Ticket) (fiber.Map, error) {
	ctx := c.UserContext()
	id := identity.Current(c)
	pt := PolicyTicket(t, false)
	withNotes := policy.Can(id, policy.ViewInternalNotes, pt)
	msgs, err := h.svc.Messages(ctx, t.ID, withNotes)
	if err != nil {
		return nil, err
	}
	events, err := h.svc.Events(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	ids := authorIDs(msgs, t)
	for _, e := range events {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
		if e.Kind == EventAssignee {
			for _, s := range []string{e.OldValue, e.NewValue} {
				if n, err := strconv.ParseInt(s, 10, 64); err == nil {
					ids = append(ids, n)
				}
			}
		}
	}
	people, err := h.svc.dir.People(ctx, dedupe(ids))
	if err != nil {
		return nil, err
	}
	staff, err := h.svc.dir.Staff(ctx)
	if err != nil {
		return nil, err
	}
	others, err := h.svc.OtherTickets(ctx, t, 5)
	if err != nil {
		return nil, err
	}
	parts, err := h.svc.Participants(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	canned, err := h.svc.CannedReplies(ctx)
	if err != nil {
		return nil, err
	}
	org := Org{}
	if t.OrgID != nil {
		orgs, err := h.svc.dir.Orgs(ctx, []int64{*t.OrgID})
		if err != nil {
			return nil, err
		}
		org = orgs[*t.OrgID]
	}
	var billing template.HTML
	if h.billing != nil {
		billing, err = h.billing.SummaryHTML(ctx, t.RequesterID, t.Org())
		if err != nil {
			h.log.Warn("billing summary", "ticket", t.Number, "err", err)
			billing = ""
		}
	}
	timeline := make([]fiber.Map, 0, len(events))
	for _, e := range events {
		actor := "System"
		if e.ActorID != nil {
			actor = people[*e.ActorID].DisplayName()
		}
		timeline = append(timeline, fiber.Map{"Event": e, "Text": eventText(e, people), "Actor": actor})
	}
	return fiber.Map{
		"Title": fmt.Sprintf("#%d %s", t.Number, t.Subject), "Ticket": t, "Messages": msgs, "People": people,
		"Requester": people[t.RequesterID], "Org": org, "Others": others, "Participants": parts,
		"Staff": staff, "Statuses": Statuses, "Priorities": Priorities, "Timeline": timeline,
		"Canned": canned, "Billing": billing, "CanDraft": h.drafts != nil && (t.Status == StatusSolved || t.Status == StatusClosed),
		"Form": fiber.Map{}, "Errors": web.FieldErrors{}, "Now": h.svc.clock(),
		"MaxLabel": formatBytes(h.svc.MaxAttachment()), "MaxBytes": h.svc.MaxAttachment(),
		"WithNotes": withNotes, "StatusLabel": StatusLabel(t.Status),
	}, nil
}

// eventText describes a timeline event for people.
func eventText(e Event, people map[int64]Person) string {
	name := func(s string) string {
		if s == "" {
			return "nobody"
		}
		n, _ := strconv.ParseInt(s, 10, 64)
		if p, ok := people[n]; ok {
			return p.DisplayName()
		}
		return "user " + s
	}
	switch e.Kind {
	case EventCreated:
		return "opened the ticket via " + e.NewValue
	case EventStatus:
		return fmt.Sprintf("changed status from %s to %s", StatusLabel(e.OldValue), StatusLabel(e.NewValue))
	case EventPriority:
		return fmt.Sprintf("changed priority from %s to %s", e.OldValue, e.NewValue)
	case EventAssignee:
		return fmt.Sprintf("assigned it to %s (was %s)", name(e.NewValue), name(e.OldValue))
	case EventTagAdded:
		return "added tag " + e.NewValue
	case EventTagRemoved:
		return "removed tag " + e.OldValue
	case EventSLA:
		return fmt.Sprintf("SLA due time changed to %s", e.NewValue)
	case EventRated:
		return "rated the help " + e.NewValue
	case EventSubject:
		return fmt.Sprintf("changed the subject to “%s”", e.NewValue)
	}
	return emailEventText(e)
}

func (h *Handlers) agentTicket(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ViewTicket)
	if err != nil {
		return err
	}
	data, err := h.agentTicketData(c, t)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return web.Render(c, "tickets/agent_ticket", "", data)
}

func (h *Handlers) agentReply(c *fiber.Ctx) error {
	t, pt, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	id := identity.Current(c)
	note := c.FormValue("kind") == "note"
	if note {
		if err := policy.Check(c, policy.AddInternalNote, pt); err != nil {
			return err
		}
	}
	form := fiber.Map{"Text": c.FormValue("text"), "SetStatus": c.FormValue("status")}
	in := NewMessage{AuthorID: id.UserID, Public: !note, Channel: ChannelWeb, Text: form["Text"].(string), SetStatus: form["SetStatus"].(string)}
	files, tooBig, err := h.uploads(c)
	if err != nil {
		return err
	}
	fail := func(fe web.FieldErrors) error {
		data, err := h.agentTicketData(c, t)
		if err != nil {
			return err
		}
		data["Form"], data["Errors"] = form, fe
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "tickets/agent_ticket", "", data)
	}
	if tooBig != "" {
		return fail(web.FieldErrors{"files": tooBig})
	}
	in.Files = files
	_, err = h.svc.AddMessage(c.UserContext(), t.ID, in)
	if fe, ok := isFieldErrors(err); ok {
		return fail(fe)
	}
	if errors.Is(err, ErrClosed) {
		return fail(web.FieldErrors{"text": "This ticket is closed; it takes no more messages."})
	}
	if err != nil {
		return err
	}
	if note {
		web.SetFlash(c, "success", "Internal note added.")
	} else {
		web.SetFlash(c, "success", "Reply sent.")
	}
	return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d#latest", t.Number))
}

// changesFromForm compares each field with the value the form was
// rendered with (orig_*), so only what this agent changed is applied and
// a concurrent change by someone else to another field is kept.
func changesFromForm(c *fiber.Ctx) Changes {
	var ch Changes
	changed := func(k string) (string, bool) {
		v := strings.TrimSpace(c.FormValue(k))
		return v, v != strings.TrimSpace(c.FormValue("orig_"+k))
	}
	if v, ok := changed("status"); ok {
		ch.Status = v
	}
	if v, ok := changed("priority"); ok {
		ch.Priority = v
	}
	if v, ok := changed("assignee"); ok {
		n, _ := strconv.ParseInt(v, 10, 64)
		ch.Assignee = &n
	}
	if v, ok := changed("tags"); ok {
		now := map[string]bool{}
		for _, t := range SplitTags(v) {
			now[strings.ToLower(t)] = true
		}
		before := map[string]bool{}
		for _, t := range SplitTags(c.FormValue("orig_tags")) {
			before[strings.ToLower(t)] = true
		}
		for t := range now {
			if !before[t] {
				ch.AddTags = append(ch.AddTags, t)
			}
		}
		for t := range before {
			if !now[t] {
				ch.RemoveTags = append(ch.RemoveTags, t)
			}
		}
	}
	return ch
}

func (h *Handlers) agentFields(c *fiber.Ctx) error {
	t, pt, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	_ = pt
	ch := changesFromForm(c)
	if c.FormValue("solve") != "" {
		ch.Status = StatusSolved
	}
	if c.FormValue("assign") == "me" {
		me := identity.Current(c).UserID
		ch.Assignee = &me
	}
	if !ch.Empty() {
		_, err = h.svc.Change(c.UserContext(), t.ID, identity.Current(c).UserID, ch)
		if fe, ok := isFieldErrors(err); ok {
			web.SetFlash(c, "error", fe.Error())
		} else if err != nil {
			return err
		} else {
			web.SetFlash(c, "success", "Ticket updated.")
		}
	}
	return web.Redirect(c, fmt.Sprintf("/agent/tickets/%d", t.Number))
}

// presence is the heartbeat the agent ticket page sends every few seconds
// (htmx); it answers the collision notice.
func (h *Handlers) presence(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	viewers, err := h.svc.Heartbeat(c.UserContext(), t.ID, identity.Current(c).UserID, c.FormValue("replying") == "1")
	if err != nil {
		return err
	}
	latest, _ := strconv.ParseInt(c.FormValue("count"), 10, 64)
	fresh, err := h.svc.TicketByID(c.UserContext(), t.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return web.Render(c, "tickets/_presence", "tickets/_presence", fiber.Map{
		"Viewers": viewers, "Ticket": fresh, "NewMessages": int64(fresh.MessageCount) > latest && latest > 0,
	})
}

func (h *Handlers) agentFile(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ViewTicket)
	if err != nil {
		return err
	}
	return h.serveAttachment(c, t)
}

// bulk applies one change to the selected tickets.
func (h *Handlers) bulk(c *fiber.Ctx) error {
	id := identity.Current(c)
	back := web.SafeNext(c.FormValue("return"), "/agent")
	var ch Changes
	if s := c.FormValue("status"); s != "" {
		ch.Status = s
	}
	if p := c.FormValue("priority"); p != "" {
		ch.Priority = p
	}
	switch a := c.FormValue("assignee"); a {
	case "":
	case "none":
		zero := int64(0)
		ch.Assignee = &zero
	case "me":
		me := id.UserID
		ch.Assignee = &me
	default:
		n, _ := strconv.ParseInt(a, 10, 64)
		ch.Assignee = &n
	}
	if tg := strings.TrimSpace(c.FormValue("tag")); tg != "" {
		ch.AddTags = SplitTags(tg)
	}
	form, err := c.MultipartForm()
	var raw []string
	if err == nil {
		raw = form.Value["ids"]
	} else {
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if string(k) == "ids" {
				raw = append(raw, string(v))
			}
		})
	}
	if ch.Empty() || len(raw) == 0 {
		web.SetFlash(c, "error", "Select tickets and a change to apply.")
		return web.Redirect(c, back)
	}
	n := 0
	for _, s := range raw {
		tid, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			continue
		}
		t, err := h.svc.TicketByID(c.UserContext(), tid)
		if err != nil {
			continue
		}
		pt, err := h.svc.PolicyFor(c.UserContext(), t)
		if err != nil || !policy.Can(id, policy.ManageTicket, pt) {
			continue
		}
		_, err = h.svc.Change(c.UserContext(), t.ID, id.UserID, ch)
		if fe, ok := isFieldErrors(err); ok {
			web.SetFlash(c, "error", fe.Error())
			return web.Redirect(c, back)
		}
		if err != nil {
			return err
		}
		n++
	}
	web.SetFlash(c, "success", fmt.Sprintf("Updated %d ticket(s).", n))
	return web.Redirect(c, back)
}

func (h *Handlers) turnIntoArticle(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ManageTicket)
	if err != nil {
		return err
	}
	if h.drafts == nil {
		return fiber.ErrNotFound
	}
	msgs, err := h.svc.Messages(c.UserContext(), t.ID, false)
	if err != nil {
		return err
	}
	question, answer := "", ""
	for _, m := range msgs {
		if m.AuthorID != nil && *m.AuthorID == t.RequesterID {
			if question == "" {
				question = m.Text
			}
		} else {
			answer = m.Text // the last staff reply
		}
	}
	edit, err := h.drafts.DraftFromTicket(c.UserContext(), t.Subject, question, answer, identity.Current(c).UserID)
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", fmt.Sprintf("Draft article started from ticket #%d.", t.Number))
	return web.Redirect(c, edit)
}
