package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// ---- Saved views ----

// Href is the inbox URL of the view (its query was built from known
// filter keys by url.Values.Encode).
func (v *SavedView) Href() template.URL { return template.URL("/agent?" + v.Query) }

// SavedViews lists the user's saved inbox filters and the shared ones.
func (s *Service) SavedViews(ctx context.Context, userID int64) ([]SavedView, error) {
	var vs []SavedView
	err := s.db.NewSelect().Model(&vs).Where("user_id = ? OR shared = ?", userID, true).Order("name", "id").Scan(ctx)
	return vs, err
}

// SaveView stores an inbox filter (the query string) under name.
func (s *Service) SaveView(ctx context.Context, userID int64, name, query string, shared bool) (*SavedView, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, web.FieldErrors{"name": "Name the view (100 characters at most)."}
	}
	if len(query) > 1000 {
		return nil, web.FieldErrors{"query": "The filter is too long."}
	}
	v := &SavedView{UserID: userID, Name: name, Query: query, Shared: shared, CreatedAt: s.clock()}
	_, err := s.db.NewInsert().Model(v).Exec(ctx)
	return v, err
}

// DeleteView removes a saved view of userID (ErrNotFound otherwise).
func (s *Service) DeleteView(ctx context.Context, userID, id int64) error {
	res, err := s.db.NewDelete().Model((*SavedView)(nil)).Where("id = ? AND user_id = ?", id, userID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (h *Handlers) saveView(c *fiber.Ctx) error {
	id := identity.Current(c)
	q, v := inboxQuery(c, id.UserID)
	_ = q
	// The form posts the current filters as fields; keep only known keys.
	vals := url.Values{}
	for _, k := range []string{"view", "status", "priority", "assignee", "tag", "org", "channel", "sort", "q"} {
		if s := strings.TrimSpace(c.FormValue(k)); s != "" {
			vals.Set(k, s)
		}
	}
	if len(vals) == 0 {
		vals = v
	}
	_, err := h.svc.SaveView(c.UserContext(), id.UserID, c.FormValue("name"), vals.Encode(), c.FormValue("shared") != "")
	if fe, ok := isFieldErrors(err); ok {
		web.SetFlash(c, "error", fe.Error())
		return web.Redirect(c, "/agent?"+vals.Encode())
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "View saved.")
	return web.Redirect(c, "/agent?"+vals.Encode())
}

func (h *Handlers) deleteView(c *fiber.Ctx) error {
	vid, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	err := h.svc.DeleteView(c.UserContext(), identity.Current(c).UserID, vid)
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "View deleted.")
	return web.Redirect(c, "/agent")
}

// ---- Canned replies ----

// CannedReplies lists the canned replies by title.
func (s *Service) CannedReplies(ctx context.Context) ([]Canned, error) {
	var cs []Canned
	err := s.db.NewSelect().Model(&cs).Order("title", "id").Scan(ctx)
	return cs, err
}

// CannedReply loads one canned reply.
func (s *Service) CannedReply(ctx context.Context, id int64) (*Canned, error) {
	cr := new(Canned)
	if err := s.db.NewSelect().Model(cr).Where("id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return cr, nil
}

// SaveCanned creates (id 0) or updates a canned reply.
func (s *Service) SaveCanned(ctx context.Context, id, actorID int64, title, body string) (*Canned, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	fe := web.FieldErrors{}
	if title == "" || len(title) > 200 {
		fe.Add("title", "Give the reply a title (200 characters at most).")
	}
	if body == "" || len(body) > 20000 {
		fe.Add("body", "Write the reply (20,000 characters at most).")
	}
	if fe.Any() {
		return nil, fe
	}
	now := s.clock()
	if id == 0 {
		cr := &Canned{Title: title, Body: body, CreatedBy: &actorID, CreatedAt: now, UpdatedAt: now}
		_, err := s.db.NewInsert().Model(cr).Exec(ctx)
		return cr, err
	}
	res, err := s.db.NewUpdate().Model((*Canned)(nil)).Set("title = ?", title).Set("body = ?", body).
		Set("updated_at = ?", now).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, ErrNotFound
	}
	return s.CannedReply(ctx, id)
}

// DeleteCanned removes a canned reply.
func (s *Service) DeleteCanned(ctx context.Context, id int64) error {
	_, err := s.db.NewDelete().Model((*Canned)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// FillPlaceholders replaces {{requester.name}}, {{requester.email}},
// {{ticket.number}}, {{ticket.subject}} and {{agent.name}} in body.
func FillPlaceholders(body string, t *Ticket, requester, agent Person) string {
	return strings.NewReplacer(
		"{{requester.name}}", requester.DisplayName(),
		"{{requester.email}}", requester.Email,
		"{{ticket.number}}", strconv.FormatInt(t.Number, 10),
		"{{ticket.subject}}", t.Subject,
		"{{agent.name}}", agent.DisplayName(),
	).Replace(body)
}

func (h *Handlers) listCanned(c *fiber.Ctx) error {
	cs, err := h.svc.CannedReplies(c.UserContext())
	if err != nil {
		return err
	}
	return web.Render(c, "tickets/canned", "", fiber.Map{"Title": "Canned replies", "Canned": cs, "Form": fiber.Map{}, "Errors": web.FieldErrors{}})
}

func (h *Handlers) saveCanned(c *fiber.Ctx) error {
	var id int64
	if p := c.Params("id"); p != "" {
		id, _ = strconv.ParseInt(p, 10, 64)
	}
	title, body := c.FormValue("title"), c.FormValue("body")
	_, err := h.svc.SaveCanned(c.UserContext(), id, identity.Current(c).UserID, title, body)
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	if fe, ok := isFieldErrors(err); ok {
		cs, err := h.svc.CannedReplies(c.UserContext())
		if err != nil {
			return err
		}
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "tickets/canned", "", fiber.Map{
			"Title": "Canned replies", "Canned": cs, "Form": fiber.Map{"Title": title, "Body": body, "ID": id}, "Errors": fe})
	}
	if err != nil {
		return err
	}
	web.SetFlash(c, "success", "Canned reply saved.")
	return web.Redirect(c, "/agent/canned")
}

func (h *Handlers) deleteCanned(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	if err := h.svc.DeleteCanned(c.UserContext(), id); err != nil {
		return err
	}
	web.SetFlash(c, "success", "Canned reply deleted.")
	return web.Redirect(c, "/agent/canned")
}

// insertCanned answers the reply textarea with a canned reply filled in
// for this ticket (htmx swaps the textarea; without JS the page reloads
// with the text in the form).
func (h *Handlers) insertCanned(c *fiber.Ctx) error {
	t, _, err := h.loadTicket(c, policy.ReplyTicket)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	cr, err := h.svc.CannedReply(c.UserContext(), id)
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	if err != nil {
		return err
	}
	people, err := h.svc.dir.People(c.UserContext(), []int64{t.RequesterID, identity.Current(c).UserID})
	if err != nil {
		return err
	}
	text := FillPlaceholders(cr.Body, t, people[t.RequesterID], people[identity.Current(c).UserID])
	if web.IsHTMX(c) {
		return web.Render(c, "tickets/_reply_text", "tickets/_reply_text", fiber.Map{"Form": fiber.Map{"Text": text}, "Errors": web.FieldErrors{}})
	}
	data, err := h.agentTicketData(c, t)
	if err != nil {
		return err
	}
	data["Form"] = fiber.Map{"Text": text}
	return web.Render(c, "tickets/agent_ticket", "", data)
}

// ---- SLA settings (admins) ----

func (h *Handlers) showSLA(c *fiber.Ctx) error {
	return web.Render(c, "tickets/sla", "", fiber.Map{"Title": "SLA targets", "Targets": slaRows(h.svc.SLATargets(c.UserContext())), "Errors": web.FieldErrors{}})
}

func slaRows(ts []SLATarget) []fiber.Map {
	out := make([]fiber.Map, len(ts))
	for i, t := range ts {
		out[i] = fiber.Map{"Priority": t.Priority, "First": strconv.Itoa(int(t.FirstResponse / time.Minute)), "Resolve": strconv.Itoa(int(t.Resolution / time.Minute))}
	}
	return out
}

func (h *Handlers) saveSLA(c *fiber.Ctx) error {
	fe := web.FieldErrors{}
	var ts []SLATarget
	rows := make([]fiber.Map, 0, len(Priorities))
	for _, p := range Priorities {
		f, r := strings.TrimSpace(c.FormValue(p+"_first")), strings.TrimSpace(c.FormValue(p+"_resolve"))
		rows = append(rows, fiber.Map{"Priority": p, "First": f, "Resolve": r})
		fn, err1 := strconv.Atoi(f)
		rn, err2 := strconv.Atoi(r)
		if err1 != nil || fn < 0 || fn > 525600 {
			fe.Add(p+"_first", "Enter minutes (0 for no target).")
		}
		if err2 != nil || rn < 0 || rn > 525600 {
			fe.Add(p+"_resolve", "Enter minutes (0 for no target).")
		}
		ts = append(ts, SLATarget{Priority: p, FirstResponse: time.Duration(fn) * time.Minute, Resolution: time.Duration(rn) * time.Minute})
	}
	if fe.Any() {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "tickets/sla", "", fiber.Map{"Title": "SLA targets", "Targets": rows, "Errors": fe})
	}
	if err := h.svc.SaveSLATargets(c.UserContext(), ts); err != nil {
		return err
	}
	web.SetFlash(c, "success", "SLA targets saved. They apply to new tickets and priority changes.")
	return web.Redirect(c, "/admin/tickets/sla")
}

// ---- Dashboard ----

// Stats are the dashboard figures for a period.
type Stats struct {
	From, To          time.Time
	OpenByStatus      map[string]int
	OpenByPriority    map[string]int
	Created           int
	Solved            int
	MedianFirstReply  time.Duration
	MedianResolution  time.Duration
	Breaches          int
	RatedGood         int
	RatedBad          int
	Deflection        DeflectionStats
	FirstReplySamples int
}

// Satisfaction is the share of good ratings (0..1), -1 without ratings.
func (s Stats) Satisfaction() float64 {
	if s.RatedGood+s.RatedBad == 0 {
		return -1
	}
	return float64(s.RatedGood) / float64(s.RatedGood+s.RatedBad)
}

// Stats computes the dashboard for tickets created in [from, to); open
// counts are current.
func (s *Service) Stats(ctx context.Context, from, to time.Time) (*Stats, error) {
	st := &Stats{From: from, To: to, OpenByStatus: map[string]int{}, OpenByPriority: map[string]int{}}
	var counts []struct {
		Status   string `bun:"status"`
		Priority string `bun:"priority"`
		N        int    `bun:"n"`
	}
	if err := s.db.NewSelect().Model((*Ticket)(nil)).Column("status", "priority").ColumnExpr("COUNT(*) AS n").
		Where("is_open = ?", true).Group("status", "priority").Scan(ctx, &counts); err != nil {
		return nil, err
	}
	for _, c := range counts {
		st.OpenByStatus[c.Status] += c.N
		st.OpenByPriority[c.Priority] += c.N
	}
	var ts []Ticket
	if err := s.db.NewSelect().Model(&ts).
		Column("id", "status", "is_open", "created_at", "first_response_at", "solved_at", "first_response_due_at", "resolution_due_at", "rating").
		Where("created_at >= ? AND created_at < ?", from, to).Scan(ctx); err != nil {
		return nil, err
	}
	now := s.clock()
	var first, resolve []time.Duration
	for i := range ts {
		t := &ts[i]
		st.Created++
		if t.FirstResponseAt != nil {
			first = append(first, t.FirstResponseAt.Sub(t.CreatedAt))
		}
		if t.SolvedAt != nil {
			st.Solved++
			resolve = append(resolve, t.SolvedAt.Sub(t.CreatedAt))
		}
		if t.Breached(now) {
			st.Breaches++
		}
		switch t.Rating {
		case "good":
			st.RatedGood++
		case "bad":
			st.RatedBad++
		}
	}
	st.MedianFirstReply, st.MedianResolution = median(first), median(resolve)
	st.FirstReplySamples = len(first)
	var err error
	st.Deflection, err = s.Deflection(ctx, from, to)
	return st, err
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}

// HumanDuration renders a duration for the dashboard ("3h 20m").
func HumanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

func (h *Handlers) dashboard(c *fiber.Ctx) error {
	days, _ := strconv.Atoi(c.Query("days"))
	switch days {
	case 1, 7, 30, 90, 365:
	default:
		days = 30
	}
	to := h.svc.clock()
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	st, err := h.svc.Stats(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	sat := "—"
	if v := st.Satisfaction(); v >= 0 {
		sat = fmt.Sprintf("%.0f%%", v*100)
	}
	defl := "—"
	if st.Deflection.Submitted+st.Deflection.Abandoned > 0 {
		defl = fmt.Sprintf("%.0f%%", st.Deflection.Rate()*100)
	}
	return web.Render(c, "tickets/dashboard", "", fiber.Map{
		"Title": "Desk dashboard", "Stats": st, "Days": days, "Statuses": Statuses, "Priorities": Priorities,
		"FirstReply": HumanDuration(st.MedianFirstReply), "Resolution": HumanDuration(st.MedianResolution),
		"Satisfaction": sat, "DeflectionRate": defl, "MailWarning": h.mailWarning(c.UserContext()),
	})
}
