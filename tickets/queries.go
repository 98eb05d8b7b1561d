package tickets

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/policy"
)

// TicketByID loads a ticket.
func (s *Service) TicketByID(ctx context.Context, id int64) (*Ticket, error) {
	return s.ticketWhere(ctx, s.db, "t.id = ?", id)
}

// TicketByNumber loads a ticket by its human number (the [#123] token).
func (s *Service) TicketByNumber(ctx context.Context, number int64) (*Ticket, error) {
	return s.ticketWhere(ctx, s.db, "t.number = ?", number)
}

// TicketByNumberTx is TicketByNumber inside a transaction.
func (s *Service) TicketByNumberTx(ctx context.Context, db bun.IDB, number int64) (*Ticket, error) {
	return s.ticketWhere(ctx, db, "t.number = ?", number)
}

// TicketByMailID finds the ticket a Message-ID (angle brackets included)
// belongs to: one received on it or one sent from it. ErrNotFound when
// none.
func (s *Service) TicketByMailID(ctx context.Context, db bun.IDB, messageID string) (*Ticket, error) {
	if db == nil {
		db = s.db
	}
	return s.ticketWhere(ctx, db, "t.id = (SELECT ticket_id FROM ticket_mail_ids WHERE message_id = ?)", messageID)
}

// HasMailID reports whether a Message-ID was already stored (a duplicate
// delivery of mail that is on a ticket).
func (s *Service) HasMailID(ctx context.Context, db bun.IDB, messageID string) (bool, error) {
	if db == nil {
		db = s.db
	}
	return db.NewSelect().Model((*MailID)(nil)).Where("message_id = ?", messageID).Exists(ctx)
}

func (s *Service) ticketWhere(ctx context.Context, db bun.IDB, where string, arg any) (*Ticket, error) {
	t := new(Ticket)
	if err := db.NewSelect().Model(t).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return t, nil
}

// Participants lists the ticket's Cc participants and followers.
func (s *Service) Participants(ctx context.Context, ticketID int64) ([]Participant, error) {
	var ps []Participant
	err := s.db.NewSelect().Model(&ps).Where("ticket_id = ?", ticketID).Order("id").Scan(ctx)
	return ps, err
}

// Messages returns the conversation, oldest first, with attachments.
// Internal notes are included only when withNotes is true: callers pass
// policy.Can(id, policy.ViewInternalNotes, …) so notes never reach a
// customer.
func (s *Service) Messages(ctx context.Context, ticketID int64, withNotes bool) ([]Message, error) {
	var ms []Message
	q := s.db.NewSelect().Model(&ms).Where("ticket_id = ?", ticketID).Order("id")
	if !withNotes {
		q = q.Where("public = ?", true)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return ms, nil
	}
	var atts []Attachment
	aq := s.db.NewSelect().Model(&atts).Where("ticket_id = ?", ticketID).Order("id")
	if err := aq.Scan(ctx); err != nil {
		return nil, err
	}
	if len(atts) > 0 {
		idx := make(map[int64]int, len(ms))
		for i := range ms {
			idx[ms[i].ID] = i
		}
		for _, a := range atts {
			if i, ok := idx[a.MessageID]; ok {
				ms[i].Attachments = append(ms[i].Attachments, a)
			}
		}
	}
	return ms, nil
}

// Events returns the timeline, oldest first.
func (s *Service) Events(ctx context.Context, ticketID int64) ([]Event, error) {
	var es []Event
	err := s.db.NewSelect().Model(&es).Where("ticket_id = ?", ticketID).Order("id").Scan(ctx)
	return es, err
}

// Attachment loads one attachment of a ticket together with whether its
// message is public (internal notes' files are staff-only).
func (s *Service) Attachment(ctx context.Context, ticketID, id int64) (*Attachment, bool, error) {
	a := new(Attachment)
	if err := s.db.NewSelect().Model(a).Where("a.id = ? AND a.ticket_id = ?", id, ticketID).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, ErrNotFound
		}
		return nil, false, err
	}
	var public bool
	if err := s.db.NewSelect().Model((*Message)(nil)).Column("public").Where("id = ?", a.MessageID).Scan(ctx, &public); err != nil {
		return nil, false, err
	}
	return a, public, nil
}

// Inbox views.
const (
	ViewUnassigned = "unassigned"
	ViewMine       = "mine"
	ViewOpen       = "open"
	ViewPending    = "pending"
	ViewSolved     = "solved"
	ViewBreaching  = "breaching"
	ViewAll        = "all"
)

// Views lists the built-in inbox views with their labels.
var Views = []struct{ Key, Label string }{
	{ViewUnassigned, "Unassigned"}, {ViewMine, "Mine"}, {ViewOpen, "All open"},
	{ViewPending, "Pending"}, {ViewSolved, "Recently solved"}, {ViewBreaching, "SLA breaching soon"},
	{ViewAll, "All tickets"},
}

// Sort orders.
const (
	SortUpdated  = "updated"
	SortCreated  = "created"
	SortPriority = "priority"
	SortSLA      = "sla"
)

// Query selects a page of tickets.
type Query struct {
	Scope policy.TicketScope
	View  string
	Me    int64 // the asking user (view "mine")
	// Filters (empty: any).
	Status   string
	Priority string
	Assignee string // "", "none", or a user id
	Tag      string
	OrgID    int64
	Channel  string
	Sort     string
	// IDs restricts to these tickets (full-text search hits).
	IDs    []int64
	Cursor string
	Limit  int
	// Brief reads only the columns a list row and its cursor need
	// (listColumns); the other fields stay zero.
	Brief bool
}

// listColumns are what the inbox rows show and sort on.
var listColumns = []string{"id", "number", "subject", "status", "is_open", "priority", "priority_rank", "channel",
	"requester_id", "org_id", "assignee_id", "tags", "created_at", "updated_at", "sla_due_at"}

// Row is a ticket in a list with the people it names.
type Row struct {
	*Ticket
	Requester Person
	Assignee  *Person
	OrgName   string
}

// Page is one page of a list.
type Page struct {
	Rows       []Row
	NextCursor string
}

type cursor struct {
	T  time.Time `json:"t,omitempty"`
	R  int       `json:"r,omitempty"`
	ID int64     `json:"i"`
}

// farFuture stands in for "no SLA deadline" when sorting by due time, so
// tickets without one come last and keyset pagination stays a row-value
// comparison.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// List returns one page of tickets in q's scope, view and filters,
// paginated by an opaque keyset cursor.
func (s *Service) List(ctx context.Context, q Query) (*Page, error) {
	if q.Scope.None {
		return &Page{}, nil
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = 50
	}
	now := s.clock()
	var rows []Ticket
	if q.View == ViewBreaching && q.Sort == "" {
		q.Sort = SortSLA
	}
	filtered := func(dst *[]Ticket) *bun.SelectQuery {
		sel := s.db.NewSelect().Model(dst)
		if q.Brief {
			sel.Column(listColumns...)
		}
		// Scope (customers: their own, plus their organisation's when shared).
		if !q.Scope.All {
			if q.Scope.OrgID != 0 {
				sel.Where("(t.requester_id = ? OR t.org_id = ?)", q.Scope.RequesterID, q.Scope.OrgID)
			} else {
				sel.Where("t.requester_id = ?", q.Scope.RequesterID)
			}
		}
		switch q.View {
		case ViewUnassigned:
			sel.Where("t.is_open = ?", true).Where("t.assignee_id IS NULL")
		case ViewMine:
			sel.Where("t.is_open = ?", true).Where("t.assignee_id = ?", q.Me)
		case ViewOpen:
			sel.Where("t.is_open = ?", true)
		case ViewPending:
			sel.Where("t.status = ?", StatusPending)
		case ViewSolved:
			sel.Where("t.status = ?", StatusSolved).Where("t.updated_at > ?", now.Add(-7*24*time.Hour))
		case ViewBreaching:
			sel.Where("t.is_open = ?", true).Where("t.sla_due_at < ?", now.Add(time.Hour))
		}
		if q.Status != "" {
			if q.Status == "open-any" {
				sel.Where("t.is_open = ?", true)
			} else {
				sel.Where("t.status = ?", q.Status)
			}
		}
		if q.Priority != "" {
			sel.Where("t.priority = ?", q.Priority)
		}
		switch q.Assignee {
		case "":
		case "none":
			sel.Where("t.assignee_id IS NULL")
		default:
			var id int64
			fmt.Sscan(q.Assignee, &id)
			sel.Where("t.assignee_id = ?", id)
		}
		if q.Tag != "" {
			sel.Where("EXISTS (SELECT 1 FROM ticket_tags tt WHERE tt.ticket_id = t.id AND tt.tag = ?)", normTag(q.Tag))
		}
		if q.OrgID != 0 {
			sel.Where("t.org_id = ?", q.OrgID)
		}
		if q.Channel != "" {
			sel.Where("t.channel = ?", q.Channel)
		}
		if q.IDs != nil {
			sel.Where("t.id IN (?)", bun.In(q.IDs))
		}
		return sel
	}
	if q.IDs != nil && len(q.IDs) == 0 {
		return &Page{}, nil
	}
	sel := filtered(&rows)
	var c cursor
	hasCursor := false
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err == nil && json.Unmarshal(b, &c) == nil && c.ID > 0 {
			hasCursor = true
		}
	}
	switch q.Sort {
	case SortCreated:
		if hasCursor {
			sel.Where("(t.created_at, t.id) < (?, ?)", c.T, c.ID)
		}
		sel.OrderExpr("t.created_at DESC, t.id DESC")
	case SortPriority:
		if hasCursor {
			sel.Where("(t.priority_rank, t.updated_at, t.id) < (?, ?, ?)", c.R, c.T, c.ID)
		}
		sel.OrderExpr("t.priority_rank DESC, t.updated_at DESC, t.id DESC")
	case SortSLA:
		// Two index-ordered segments: tickets with a deadline by due time,
		// then those without by id (a COALESCE in ORDER BY would sort
		// every open ticket on each request).
		if !hasCursor || !c.T.Equal(farFuture) {
			sel.Where("t.sla_due_at IS NOT NULL")
			if hasCursor {
				sel.Where("(t.sla_due_at, t.id) > (?, ?)", c.T, c.ID)
			}
			sel.OrderExpr("t.sla_due_at ASC, t.id ASC")
			sel.Limit(int64(q.Limit + 1))
			if err := sel.Scan(ctx); err != nil {
				return nil, err
			}
			if len(rows) <= q.Limit {
				var more []Ticket
				if err := filtered(&more).Where("t.sla_due_at IS NULL").OrderExpr("t.id ASC").
					Limit(int64(q.Limit + 1 - len(rows))).Scan(ctx); err != nil {
					return nil, err
				}
				rows = append(rows, more...)
			}
		} else {
			if err := sel.Where("t.sla_due_at IS NULL").Where("t.id > ?", c.ID).OrderExpr("t.id ASC").
				Limit(int64(q.Limit + 1)).Scan(ctx); err != nil {
				return nil, err
			}
		}
		return s.page(ctx, q, rows)
	default:
		q.Sort = SortUpdated
		if hasCursor {
			sel.Where("(t.updated_at, t.id) < (?, ?)", c.T, c.ID)
		}
		sel.OrderExpr("t.updated_at DESC, t.id DESC")
	}
	sel.Limit(int64(q.Limit + 1))
	if err := sel.Scan(ctx); err != nil {
		return nil, err
	}
	return s.page(ctx, q, rows)
}

// page cuts rows to the limit and makes the next cursor.
func (s *Service) page(ctx context.Context, q Query, rows []Ticket) (*Page, error) {
	page := &Page{}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		last := rows[len(rows)-1]
		nc := cursor{ID: last.ID}
		switch q.Sort {
		case SortCreated:
			nc.T = last.CreatedAt
		case SortPriority:
			nc.R, nc.T = last.PriorityRank, last.UpdatedAt
		case SortSLA:
			nc.T = farFuture
			if last.SLADueAt != nil {
				nc.T = *last.SLADueAt
			}
		default:
			nc.T = last.UpdatedAt
		}
		b, _ := json.Marshal(nc)
		page.NextCursor = base64.RawURLEncoding.EncodeToString(b)
	}
	var err error
	page.Rows, err = s.decorate(ctx, rows)
	return page, err
}

// decorate adds the people and organisations a list shows.
func (s *Service) decorate(ctx context.Context, ts []Ticket) ([]Row, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(ts)*2)
	var orgIDs []int64
	for i := range ts {
		ids = append(ids, ts[i].RequesterID)
		if ts[i].AssigneeID != nil {
			ids = append(ids, *ts[i].AssigneeID)
		}
		if ts[i].OrgID != nil {
			orgIDs = append(orgIDs, *ts[i].OrgID)
		}
	}
	people, err := s.dir.People(ctx, dedupe(ids))
	if err != nil {
		return nil, err
	}
	var orgs map[int64]Org
	if len(orgIDs) > 0 {
		if orgs, err = s.dir.Orgs(ctx, dedupe(orgIDs)); err != nil {
			return nil, err
		}
	}
	out := make([]Row, len(ts))
	for i := range ts {
		t := &ts[i]
		r := Row{Ticket: t, Requester: people[t.RequesterID]}
		if t.AssigneeID != nil {
			if p, ok := people[*t.AssigneeID]; ok {
				r.Assignee = &p
			}
		}
		if t.OrgID != nil {
			r.OrgName = orgs[*t.OrgID].Name
		}
		out[i] = r
	}
	return out, nil
}

func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// PolicyTicket describes t for the policy layer. orgShared is the
// organisation's members_see_all_tickets flag.
func PolicyTicket(t *Ticket, orgShared bool) policy.Ticket {
	return policy.Ticket{RequesterID: t.RequesterID, OrgID: t.Org(), OrgShared: orgShared}
}

// PolicyFor describes t for the policy layer, looking up whether its
// organisation shares tickets.
func (s *Service) PolicyFor(ctx context.Context, t *Ticket) (policy.Ticket, error) {
	shared := false
	if t.OrgID != nil {
		orgs, err := s.dir.Orgs(ctx, []int64{*t.OrgID})
		if err != nil {
			return policy.Ticket{}, err
		}
		shared = orgs[*t.OrgID].Shared
	}
	return PolicyTicket(t, shared), nil
}

// OtherTickets lists the requester's other recent tickets (agent sidebar).
func (s *Service) OtherTickets(ctx context.Context, t *Ticket, limit int) ([]Ticket, error) {
	var ts []Ticket
	err := s.db.NewSelect().Model(&ts).Where("t.requester_id = ? AND t.id <> ?", t.RequesterID, t.ID).
		OrderExpr("t.updated_at DESC, t.id DESC").Limit(int64(limit)).Scan(ctx)
	return ts, err
}

// Tags lists the tags in use (filter choices), most used first. The
// answer is cached for a minute: counting them walks every ticket tag.
func (s *Service) Tags(ctx context.Context, limit int) ([]string, error) {
	s.tagsMu.Lock()
	defer s.tagsMu.Unlock()
	if s.tagsAt.IsZero() || time.Since(s.tagsAt) > time.Minute || len(s.tags) < limit && s.tagsFull < limit {
		var tags []string
		err := s.db.NewSelect().Model((*ticketTag)(nil)).Column("tag").Group("tag").
			OrderExpr("COUNT(*) DESC, tag").Limit(int64(limit)).Scan(ctx, &tags)
		if err != nil {
			return nil, err
		}
		s.tags, s.tagsAt, s.tagsFull = tags, time.Now(), limit
	}
	return s.tags[:min(limit, len(s.tags))], nil
}

// normalizeText trims and bounds a search text.
func normalizeText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
