// Package tickets is the help desk: tickets with their conversation
// (public replies and internal notes), attachments, timeline, tags, SLA
// due times and satisfaction rating; the customer portal pages (/tickets),
// the agent inbox and ticket page (/agent), the JSON API (/api/v1/tickets)
// and the ticket search index. It is the only writer of its tables.
//
// The email channel uses the exported Service methods: CreateTicketTx and
// AddMessageTx (inside its own ingestion transaction), TicketByNumber,
// TicketByMailID and Participants; see service.go.
package tickets

import (
	"time"

	"github.com/uptrace/bun"
)

// Statuses.
const (
	StatusNew     = "new"
	StatusOpen    = "open"
	StatusPending = "pending"
	StatusOnHold  = "on-hold"
	StatusSolved  = "solved"
	StatusClosed  = "closed"
)

// Statuses lists every status in workflow order.
var Statuses = []string{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusSolved, StatusClosed}

// Priorities, lowest first.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Priorities lists every priority, lowest first.
var Priorities = []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Channels a ticket or message arrives by.
const (
	ChannelWeb   = "web"
	ChannelEmail = "email"
	ChannelAPI   = "api"
)

// Channels lists every channel.
var Channels = []string{ChannelWeb, ChannelEmail, ChannelAPI}

// IsOpenStatus reports whether a ticket in status s still needs work.
func IsOpenStatus(s string) bool {
	return s == StatusNew || s == StatusOpen || s == StatusPending || s == StatusOnHold
}

// ValidStatus reports whether s is a status.
func ValidStatus(s string) bool { return contains(Statuses, s) }

// ValidPriority reports whether p is a priority.
func ValidPriority(p string) bool { return contains(Priorities, p) }

// ValidChannel reports whether c is a channel.
func ValidChannel(c string) bool { return contains(Channels, c) }

// PriorityRank orders priorities: low 1 … urgent 4.
func PriorityRank(p string) int {
	for i, q := range Priorities {
		if q == p {
			return i + 1
		}
	}
	return 2
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Ticket is one request.
type Ticket struct {
	bun.BaseModel `bun:"table:tickets,alias:t"`

	ID                 int64      `bun:"id,pk,autoincrement"`
	Number             int64      `bun:"number,notnull"`
	Subject            string     `bun:"subject,notnull"`
	Status             string     `bun:"status,notnull"`
	IsOpen             bool       `bun:"is_open,notnull"`
	Priority           string     `bun:"priority,notnull"`
	PriorityRank       int        `bun:"priority_rank,notnull"`
	Channel            string     `bun:"channel,notnull"`
	RequesterID        int64      `bun:"requester_id,notnull"`
	OrgID              *int64     `bun:"org_id"`
	AssigneeID         *int64     `bun:"assignee_id"`
	Tags               string     `bun:"tags,notnull"`
	RefKind            string     `bun:"ref_kind,notnull"`
	RefValue           string     `bun:"ref_value,notnull"`
	MessageCount       int        `bun:"message_count,notnull"`
	CreatedAt          time.Time  `bun:"created_at,notnull"`
	UpdatedAt          time.Time  `bun:"updated_at,notnull"`
	FirstResponseAt    *time.Time `bun:"first_response_at"`
	SolvedAt           *time.Time `bun:"solved_at"`
	ClosedAt           *time.Time `bun:"closed_at"`
	FirstResponseDueAt *time.Time `bun:"first_response_due_at"`
	ResolutionDueAt    *time.Time `bun:"resolution_due_at"`
	SLADueAt           *time.Time `bun:"sla_due_at"`
	Rating             string     `bun:"rating,notnull"`
	RatingComment      string     `bun:"rating_comment,notnull"`
	RatedAt            *time.Time `bun:"rated_at"`
}

// TagList returns the ticket's tags.
func (t *Ticket) TagList() []string { return splitTags(t.Tags) }

// Org returns the organisation id or 0.
func (t *Ticket) Org() int64 {
	if t.OrgID == nil {
		return 0
	}
	return *t.OrgID
}

// Assignee returns the assignee's user id or 0.
func (t *Ticket) Assignee() int64 {
	if t.AssigneeID == nil {
		return 0
	}
	return *t.AssigneeID
}

// Overdue reports whether an SLA deadline has passed while the ticket is
// open.
func (t *Ticket) Overdue(now time.Time) bool {
	return t.IsOpen && t.SLADueAt != nil && t.SLADueAt.Before(now)
}

// DueSoon reports whether the next SLA deadline is within d.
func (t *Ticket) DueSoon(now time.Time, d time.Duration) bool {
	return t.IsOpen && t.SLADueAt != nil && !t.SLADueAt.Before(now) && t.SLADueAt.Before(now.Add(d))
}

// Message is one entry of the conversation: a public reply or an
// internal note.
type Message struct {
	bun.BaseModel `bun:"table:ticket_messages,alias:m"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id,notnull"`
	AuthorID  *int64    `bun:"author_id"`
	Public    bool      `bun:"public,notnull"`
	Channel   string    `bun:"channel,notnull"`
	MessageID *string   `bun:"message_id"`
	Subject   string    `bun:"subject,notnull"`
	Text      string    `bun:"text,notnull"`
	HTML      string    `bun:"html,notnull"`
	Auto      bool      `bun:"auto,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`

	Attachments []Attachment `bun:"-"`
}

// Attachment is a file on a message; its bytes are in the file store.
type Attachment struct {
	bun.BaseModel `bun:"table:ticket_attachments,alias:a"`

	ID          int64  `bun:"id,pk,autoincrement"`
	TicketID    int64  `bun:"ticket_id,notnull"`
	MessageID   int64  `bun:"message_id,notnull"`
	Filename    string `bun:"filename,notnull"`
	ContentType string `bun:"content_type,notnull"`
	Size        int64  `bun:"size,notnull"`
	SHA256      string `bun:"sha256,notnull"`
	// ContentID names an inline image of an email (cid: in its HTML),
	// without angle brackets; "" for other files.
	ContentID string    `bun:"content_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// IsImage reports whether the attachment may be shown inline as an <img>.
func (a *Attachment) IsImage() bool {
	switch a.ContentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// Event is one line of the ticket's timeline.
type Event struct {
	bun.BaseModel `bun:"table:ticket_events,alias:e"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id,notnull"`
	ActorID   *int64    `bun:"actor_id"`
	Kind      string    `bun:"kind,notnull"`
	OldValue  string    `bun:"old_value,notnull"`
	NewValue  string    `bun:"new_value,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Event kinds.
const (
	EventCreated    = "created"
	EventStatus     = "status"
	EventPriority   = "priority"
	EventAssignee   = "assignee"
	EventTagAdded   = "tag_added"
	EventTagRemoved = "tag_removed"
	EventSLA        = "sla"
	EventRated      = "rated"
	EventSubject    = "subject"
)

// Participant is someone copied on the ticket's mail (Cc) or following it.
type Participant struct {
	bun.BaseModel `bun:"table:ticket_participants,alias:p"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id,notnull"`
	Email     string    `bun:"email,notnull"`
	Name      string    `bun:"name,notnull"`
	Kind      string    `bun:"kind,notnull"` // cc | follower
	CreatedAt time.Time `bun:"created_at,notnull"`
}

type ticketTag struct {
	bun.BaseModel `bun:"table:ticket_tags"`

	TicketID int64  `bun:"ticket_id,pk"`
	Tag      string `bun:"tag,pk"`
}

// MailID is a Message-ID that belongs to a ticket (received or sent).
type MailID struct {
	bun.BaseModel `bun:"table:ticket_mail_ids"`

	MessageID       string    `bun:"message_id,pk"`
	TicketID        int64     `bun:"ticket_id,notnull"`
	TicketMessageID *int64    `bun:"ticket_message_id"`
	Direction       string    `bun:"direction,notnull"` // in | out
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

type change struct {
	bun.BaseModel `bun:"table:tickets_changes"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TicketID  int64     `bun:"ticket_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// SavedView is an agent's saved inbox filter.
type SavedView struct {
	bun.BaseModel `bun:"table:ticket_views"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Name      string    `bun:"name,notnull"`
	Query     string    `bun:"query,notnull"` // the inbox query string
	Shared    bool      `bun:"shared,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Canned is a canned reply; its body may use {{requester.name}},
// {{requester.email}}, {{ticket.number}}, {{ticket.subject}} and
// {{agent.name}}.
type Canned struct {
	bun.BaseModel `bun:"table:ticket_canned"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Title     string    `bun:"title,notnull"`
	Body      string    `bun:"body,notnull"`
	CreatedBy *int64    `bun:"created_by"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

type presence struct {
	bun.BaseModel `bun:"table:ticket_presence"`

	TicketID int64     `bun:"ticket_id,pk"`
	UserID   int64     `bun:"user_id,pk"`
	Replying bool      `bun:"replying,notnull"`
	SeenAt   time.Time `bun:"seen_at,notnull"`
}

type deflection struct {
	bun.BaseModel `bun:"table:ticket_deflections"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Token     string    `bun:"token,notnull"`
	UserID    *int64    `bun:"user_id"`
	Shown     int       `bun:"shown,notnull"`
	Opened    int       `bun:"opened,notnull"`
	Outcome   string    `bun:"outcome,notnull"`
	TicketID  *int64    `bun:"ticket_id"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// SLADue is the next SLA deadline, the zero time when none.
func (t *Ticket) SLADue() time.Time {
	if t.SLADueAt == nil {
		return time.Time{}
	}
	return *t.SLADueAt
}
