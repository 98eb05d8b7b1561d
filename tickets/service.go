package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/database"
	"github.com/frontdesk/frontdesk/platform/files"
	"github.com/frontdesk/frontdesk/platform/settings"
	"github.com/frontdesk/frontdesk/platform/web"
)

// DefaultMaxAttachment is the attachment size limit when none is
// configured (--attachment-max-bytes).
const DefaultMaxAttachment = 25 << 20

// Errors the service returns.
var (
	ErrNotFound = errors.New("tickets: not found")
	// ErrClosed is returned when a message is added to a closed ticket.
	// Closed tickets are final: the email channel starts a follow-up
	// ticket instead (NewTicket.FollowUpOf).
	ErrClosed = errors.New("tickets: ticket is closed")
)

// Deps is what the service needs.
type Deps struct {
	DB        *bun.DB
	Directory Directory
	Files     *files.Store
	// Outbox queues reply and solved notifications; nil sends none.
	Outbox   *mail.Outbox
	Settings *settings.Store
	// Follower is nudged after each committed write (the search index).
	Follower Notifier
	BaseURL  string
	// SupportAddress is the Reply-To of ticket mail.
	SupportAddress string
	// MaxAttachment is the per-file limit in bytes (DefaultMaxAttachment
	// when 0).
	MaxAttachment int64
	Log           *slog.Logger
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service is the tickets domain's logic; every write to its tables goes
// through it, each in one transaction with a tickets_changes row.
type Service struct {
	db       *bun.DB
	dir      Directory
	files    *files.Store
	outbox   *mail.Outbox
	settings *settings.Store
	follower Notifier
	baseURL  string
	support  string
	maxFile  int64
	log      *slog.Logger
	now      func() time.Time
	html     *bluemonday.Policy

	inbox *inboxCache // rendered inbox rows (inboxcache.go)
	gen   generationQuery

	tagsMu   sync.Mutex
	tags     []string
	tagsAt   time.Time
	tagsFull int
}

// NewService builds the service.
func NewService(d Deps) *Service {
	s := &Service{
		db: d.DB, dir: d.Directory, files: d.Files, outbox: d.Outbox, settings: d.Settings,
		follower: d.Follower, baseURL: strings.TrimRight(d.BaseURL, "/"), support: d.SupportAddress,
		maxFile: d.MaxAttachment, log: d.Log, now: d.Now, html: messagePolicy(),
		inbox: newInboxCache(),
	}
	if s.maxFile <= 0 {
		s.maxFile = DefaultMaxAttachment
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.settings == nil && s.db != nil {
		s.settings = settings.New(s.db, 10*time.Second)
	}
	return s
}

// SetFollower installs the index follower once it exists.
func (s *Service) SetFollower(f Notifier) { s.follower = f }

// DB is the service's database (for the index source and tests).
func (s *Service) DB() *bun.DB { return s.db }

// MaxAttachment is the per-file size limit in bytes.
func (s *Service) MaxAttachment() int64 { return s.maxFile }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Committed tells the index follower and the outbox sender that a write
// committed. The *Tx methods leave this to their caller (after its commit);
// the other writers call it themselves.
func (s *Service) Committed() {
	if s.follower != nil {
		s.follower.Notify()
	}
	if s.outbox != nil {
		s.outbox.Wake()
	}
}

// Address is an email participant.
type Address struct {
	Email string
	Name  string
}

// AttachmentInput is a file already in the file store (files.Store.Put).
type AttachmentInput struct {
	Filename    string
	ContentType string
	Blob        files.Blob
	// ContentID is set for an email's inline image (its cid: name).
	ContentID string
}

// NewTicket is a request to open.
type NewTicket struct {
	RequesterID int64
	// ActorID is who opened it (the requester, or an agent on their
	// behalf); 0 means the requester.
	ActorID  int64
	Subject  string
	Priority string // default normal
	Channel  string // web | email | api
	// The first message.
	Text      string
	HTML      string // optional; sanitised before it is stored
	MessageID string // email Message-ID as received, angle brackets included
	Auto      bool
	Cc        []Address
	Files     []AttachmentInput
	Tags      []string
	// RefKind/RefValue link the ticket to something ("invoice", "2024-0007").
	RefKind, RefValue string
	// FollowUpOf is the number of a closed ticket this one continues.
	FollowUpOf int64
}

// Validate checks a new ticket's fields.
func (in *NewTicket) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	in.Subject = strings.TrimSpace(in.Subject)
	in.Text = strings.TrimSpace(in.Text)
	switch {
	case in.Subject == "":
		fe.Add("subject", "Enter a subject.")
	case len([]rune(in.Subject)) > 200:
		fe.Add("subject", "Keep the subject under 200 characters.")
	}
	if in.Text == "" && in.HTML == "" {
		fe.Add("text", "Describe your request.")
	} else if len(in.Text) > 100000 {
		fe.Add("text", "The description is too long (100,000 characters at most).")
	}
	if in.Priority == "" {
		in.Priority = PriorityNormal
	}
	if !ValidPriority(in.Priority) {
		fe.Add("priority", "Choose a priority.")
	}
	if in.Channel == "" {
		in.Channel = ChannelWeb
	}
	if !ValidChannel(in.Channel) {
		fe.Add("channel", "Unknown channel.")
	}
	if in.RefKind != "" && in.RefKind != "invoice" && in.RefKind != "ticket" {
		fe.Add("ref", "Unknown reference.")
	}
	if len(in.RefValue) > 100 {
		in.RefValue = in.RefValue[:100]
	}
	return fe
}

// CreateTicket opens a ticket with its first message and commits.
func (s *Service) CreateTicket(ctx context.Context, in NewTicket) (*Ticket, error) {
	var t *Ticket
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		t, _, err = s.CreateTicketTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Committed()
	return t, nil
}

// CreateTicketTx opens a ticket inside tx (the email channel's ingestion
// transaction): the number is taken from the counter row, the first
// message, its attachments, Cc participants, Message-ID, timeline event
// and change-log row are written with it. Call Committed after the
// commit. Bad input is a web.FieldErrors.
func (s *Service) CreateTicketTx(ctx context.Context, tx bun.IDB, in NewTicket) (*Ticket, *Message, error) {
	if fe := in.Validate(); fe.Any() {
		return nil, nil, fe
	}
	req, err := s.personIn(ctx, tx, in.RequesterID)
	if err != nil {
		return nil, nil, err
	}
	number, err := nextNumber(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock()
	t := &Ticket{
		Number: number, Subject: in.Subject, Status: StatusNew, IsOpen: true,
		Priority: in.Priority, PriorityRank: PriorityRank(in.Priority), Channel: in.Channel,
		RequesterID: req.ID, RefKind: in.RefKind, RefValue: in.RefValue,
		CreatedAt: now, UpdatedAt: now,
	}
	if in.FollowUpOf > 0 && in.RefKind == "" {
		t.RefKind, t.RefValue = "ticket", fmt.Sprint(in.FollowUpOf)
	}
	if req.OrgID != 0 {
		org := req.OrgID
		t.OrgID = &org
	}
	s.applySLA(ctx, t)
	if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("insert ticket: %w", err)
	}
	actor := in.ActorID
	if actor == 0 {
		actor = req.ID
	}
	if err := addEvent(ctx, tx, t.ID, actor, EventCreated, "", in.Channel, now); err != nil {
		return nil, nil, err
	}
	if len(in.Tags) > 0 {
		if _, err := s.changeTagsTx(ctx, tx, t, actor, in.Tags, nil, now); err != nil {
			return nil, nil, err
		}
	}
	msg, err := s.insertMessage(ctx, tx, t, NewMessage{
		AuthorID: req.ID, Public: true, Channel: in.Channel, Text: in.Text, HTML: in.HTML,
		MessageID: in.MessageID, Subject: in.Subject, Auto: in.Auto, Files: in.Files,
	}, now)
	if err != nil {
		return nil, nil, err
	}
	if err := s.addParticipants(ctx, tx, t.ID, in.Cc, "cc", req.Email, now); err != nil {
		return nil, nil, err
	}
	t.MessageCount = 1
	if err := addChange(ctx, tx, t.ID, now); err != nil {
		return nil, nil, err
	}
	return t, msg, nil
}

// NewMessage is a message to add to a ticket.
type NewMessage struct {
	AuthorID  int64
	Public    bool // false: an internal note (staff only)
	Channel   string
	Text      string
	HTML      string // optional, sanitised before it is stored
	MessageID string // email Message-ID as received
	Subject   string
	Auto      bool
	Cc        []Address
	Files     []AttachmentInput
	// SetStatus, when not empty, is the status the ticket moves to with an
	// agent's message ("reply and set pending").
	SetStatus string
}

// Validate checks a message.
func (in *NewMessage) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	in.Text = strings.TrimSpace(in.Text)
	if in.Text == "" && in.HTML == "" && len(in.Files) == 0 {
		fe.Add("text", "Write a message.")
	} else if len(in.Text) > 100000 {
		fe.Add("text", "The message is too long (100,000 characters at most).")
	}
	if in.Channel == "" {
		in.Channel = ChannelWeb
	}
	if !ValidChannel(in.Channel) {
		fe.Add("channel", "Unknown channel.")
	}
	if in.SetStatus != "" && !ValidStatus(in.SetStatus) {
		fe.Add("status", "Choose a status.")
	}
	return fe
}

// AddMessage adds a message to ticket id and commits; see AddMessageTx.
func (s *Service) AddMessage(ctx context.Context, ticketID int64, in NewMessage) (*Message, error) {
	var m *Message
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		m, err = s.AddMessageTx(ctx, tx, ticketID, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Committed()
	return m, nil
}

// AddMessageTx adds a message inside tx and applies the reopen rules:
//
//   - a public message from the requester's side (not staff) on a
//     pending, on-hold or solved ticket reopens it (status open); on a new
//     or open ticket the status stays;
//   - on a closed ticket it fails with ErrClosed (start a follow-up
//     ticket with NewTicket.FollowUpOf);
//   - a public message from staff is a reply: the first one sets the
//     first-response time, a new ticket becomes open (or in.SetStatus), and
//     the requester and Cc participants are mailed through the outbox (in
//     this transaction) when the ticket came by email or the requester
//     wants ticket updates;
//   - an internal note (Public false) changes no status and mails no one.
func (s *Service) AddMessageTx(ctx context.Context, tx bun.IDB, ticketID int64, in NewMessage) (*Message, error) {
	if fe := in.Validate(); fe.Any() {
		return nil, fe
	}
	t, err := lockTicket(ctx, tx, ticketID)
	if err != nil {
		return nil, err
	}
	if t.Status == StatusClosed {
		return nil, ErrClosed
	}
	author, err := s.personIn(ctx, tx, in.AuthorID)
	if err != nil {
		return nil, err
	}
	staff := author.Role.IsStaff()
	if !staff && !in.Public {
		return nil, web.FieldErrors{"public": "Only agents write internal notes."}
	}
	now := s.clock()
	m, err := s.insertMessage(ctx, tx, t, in, now)
	if err != nil {
		return nil, err
	}
	if err := s.addParticipants(ctx, tx, t.ID, in.Cc, "cc", s.requesterEmail(ctx, tx, t), now); err != nil {
		return nil, err
	}
	upd := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("updated_at = ?", now).Set("message_count = message_count + 1")
	newStatus := ""
	switch {
	case in.Public && staff:
		if t.FirstResponseAt == nil && author.ID != t.RequesterID {
			upd.Set("first_response_at = ?", now)
			t.FirstResponseAt = &now
		}
		if in.SetStatus != "" && in.SetStatus != t.Status {
			newStatus = in.SetStatus
		} else if t.Status == StatusNew {
			newStatus = StatusOpen
		}
	case in.Public && !staff:
		if t.Status == StatusPending || t.Status == StatusOnHold || t.Status == StatusSolved {
			newStatus = StatusOpen
		}
	case !in.Public && in.SetStatus != "" && in.SetStatus != t.Status:
		newStatus = in.SetStatus
	}
	if _, err := upd.Exec(ctx); err != nil {
		return nil, err
	}
	if newStatus != "" {
		if err := s.setStatusTx(ctx, tx, t, author.ID, newStatus, now); err != nil {
			return nil, err
		}
	} else if t.FirstResponseAt != nil {
		if err := s.refreshSLA(ctx, tx, t); err != nil {
			return nil, err
		}
	}
	if in.Public && staff && in.Channel != ChannelEmail {
		if err := s.mailReply(ctx, tx, t, m, author); err != nil {
			return nil, err
		}
	}
	if err := addChange(ctx, tx, t.ID, now); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Service) insertMessage(ctx context.Context, tx bun.IDB, t *Ticket, in NewMessage, now time.Time) (*Message, error) {
	author := in.AuthorID
	m := &Message{
		TicketID: t.ID, AuthorID: &author, Public: in.Public, Channel: in.Channel,
		Subject: in.Subject, Text: in.Text, Auto: in.Auto, CreatedAt: now,
	}
	if in.HTML != "" {
		m.HTML = s.html.Sanitize(in.HTML)
	}
	if in.MessageID != "" {
		mid := in.MessageID
		m.MessageID = &mid
	}
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return nil, fmt.Errorf("insert message: %w", err)
	}
	if in.MessageID != "" {
		row := &MailID{MessageID: in.MessageID, TicketID: t.ID, TicketMessageID: &m.ID, Direction: "in", CreatedAt: now}
		if _, err := tx.NewInsert().Model(row).On("CONFLICT (message_id) DO NOTHING").Exec(ctx); err != nil {
			return nil, fmt.Errorf("record Message-ID: %w", err)
		}
	}
	for _, f := range in.Files {
		a := &Attachment{
			TicketID: t.ID, MessageID: m.ID, Filename: files.SafeName(f.Filename),
			ContentType: cleanContentType(f.ContentType), Size: f.Blob.Size, SHA256: f.Blob.SHA256, CreatedAt: now,
			ContentID: truncateID(f.ContentID, 300),
		}
		if a.Filename == "" {
			a.Filename = "attachment"
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return nil, fmt.Errorf("insert attachment: %w", err)
		}
		m.Attachments = append(m.Attachments, *a)
	}
	return m, nil
}

func cleanContentType(ct string) string {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	if ct == "" || len(ct) > 100 || strings.ContainsAny(ct, " \r\n\"") || !strings.Contains(ct, "/") {
		return "application/octet-stream"
	}
	return ct
}

// PutFile stores an upload in the file store (streaming; over the limit it
// fails with a *files.TooLargeError naming the limit).
func (s *Service) PutFile(ctx context.Context, r io.Reader) (files.Blob, error) {
	return s.files.Put(ctx, s.db, r, s.maxFile)
}

func (s *Service) addParticipants(ctx context.Context, tx bun.IDB, ticketID int64, addrs []Address, kind, skip string, now time.Time) error {
	for _, a := range addrs {
		email := strings.ToLower(strings.TrimSpace(a.Email))
		if email == "" || email == strings.ToLower(skip) || (s.support != "" && strings.EqualFold(email, s.support)) {
			continue
		}
		p := &Participant{TicketID: ticketID, Email: email, Name: strings.TrimSpace(a.Name), Kind: kind, CreatedAt: now}
		if _, err := tx.NewInsert().Model(p).On("CONFLICT (ticket_id, email) DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("add participant: %w", err)
		}
	}
	return nil
}

func (s *Service) requesterEmail(ctx context.Context, tx bun.IDB, t *Ticket) string {
	p, err := s.personIn(ctx, tx, t.RequesterID)
	if err != nil {
		return ""
	}
	return p.Email
}

func (s *Service) person(ctx context.Context, id int64) (Person, error) {
	return s.personIn(ctx, s.db, id)
}

// personIn looks a user up inside a transaction: on SQLite a second
// connection could wait for the one the transaction holds.
func (s *Service) personIn(ctx context.Context, db bun.IDB, id int64) (Person, error) {
	ps, err := s.dir.PeopleIn(ctx, db, []int64{id})
	if err != nil {
		return Person{}, err
	}
	p, ok := ps[id]
	if !ok {
		return Person{}, ErrNoPerson
	}
	return p, nil
}

// Changes are field changes to a ticket (inline edits, bulk actions, the
// API). Nil/empty fields are left alone.
type Changes struct {
	Status   string
	Priority string
	// Assignee: nil leaves it; a pointer to 0 unassigns.
	Assignee   *int64
	AddTags    []string
	RemoveTags []string
	Subject    string
}

// Empty reports whether there is nothing to change.
func (c Changes) Empty() bool {
	return c.Status == "" && c.Priority == "" && c.Assignee == nil && len(c.AddTags) == 0 && len(c.RemoveTags) == 0 && c.Subject == ""
}

// Validate checks the values.
func (c Changes) Validate() web.FieldErrors {
	fe := web.FieldErrors{}
	if c.Status != "" && !ValidStatus(c.Status) {
		fe.Add("status", "Choose a status.")
	}
	if c.Priority != "" && !ValidPriority(c.Priority) {
		fe.Add("priority", "Choose a priority.")
	}
	for _, tg := range c.AddTags {
		if normTag(tg) == "" {
			fe.Add("tags", "Tags are letters, digits, - and _ (50 at most).")
		}
	}
	return fe
}

// Change applies c to ticket id as actorID. Each field is written on its
// own under the ticket's row lock, with a timeline event, so two agents
// changing different fields at once both win and the timeline shows both.
// It returns the ticket as it is afterwards.
func (s *Service) Change(ctx context.Context, ticketID, actorID int64, c Changes) (*Ticket, error) {
	if fe := c.Validate(); fe.Any() {
		return nil, fe
	}
	if c.Assignee != nil && *c.Assignee != 0 {
		p, err := s.person(ctx, *c.Assignee)
		if err != nil || !p.Role.IsStaff() || !p.Active {
			return nil, web.FieldErrors{"assignee": "Choose an agent."}
		}
	}
	var t *Ticket
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		t, err = s.ChangeTx(ctx, tx, ticketID, actorID, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Committed()
	return t, nil
}

// ChangeTx is Change inside tx.
func (s *Service) ChangeTx(ctx context.Context, tx bun.IDB, ticketID, actorID int64, c Changes) (*Ticket, error) {
	t, err := lockTicket(ctx, tx, ticketID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	changed := false
	if c.Subject != "" && strings.TrimSpace(c.Subject) != t.Subject {
		subj := strings.TrimSpace(c.Subject)
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Set("subject = ?", subj).Where("id = ?", t.ID).Exec(ctx); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, tx, t.ID, actorID, EventSubject, t.Subject, subj, now); err != nil {
			return nil, err
		}
		t.Subject, changed = subj, true
	}
	if c.Priority != "" && c.Priority != t.Priority {
		old := t.Priority
		t.Priority, t.PriorityRank = c.Priority, PriorityRank(c.Priority)
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Set("priority = ?", t.Priority).
			Set("priority_rank = ?", t.PriorityRank).Where("id = ?", t.ID).Exec(ctx); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, tx, t.ID, actorID, EventPriority, old, t.Priority, now); err != nil {
			return nil, err
		}
		// New targets for the new priority.
		oldDue := t.SLADueAt
		s.applySLA(ctx, t)
		if err := s.writeSLA(ctx, tx, t); err != nil {
			return nil, err
		}
		if !sameTime(oldDue, t.SLADueAt) && t.SLADueAt != nil {
			if err := addEvent(ctx, tx, t.ID, actorID, EventSLA, fmtDue(oldDue), fmtDue(t.SLADueAt), now); err != nil {
				return nil, err
			}
		}
		changed = true
	}
	if c.Assignee != nil && *c.Assignee != t.Assignee() {
		old := t.Assignee()
		var val any
		if *c.Assignee != 0 {
			v := *c.Assignee
			val, t.AssigneeID = v, &v
		} else {
			t.AssigneeID = nil
		}
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Set("assignee_id = ?", val).Where("id = ?", t.ID).Exec(ctx); err != nil {
			return nil, err
		}
		if err := addEvent(ctx, tx, t.ID, actorID, EventAssignee, idString(old), idString(*c.Assignee), now); err != nil {
			return nil, err
		}
		changed = true
	}
	if len(c.AddTags) > 0 || len(c.RemoveTags) > 0 {
		did, err := s.changeTagsTx(ctx, tx, t, actorID, c.AddTags, c.RemoveTags, now)
		if err != nil {
			return nil, err
		}
		changed = changed || did
	}
	if c.Status != "" && c.Status != t.Status {
		if err := s.setStatusTx(ctx, tx, t, actorID, c.Status, now); err != nil {
			return nil, err
		}
		changed = true
	}
	if changed {
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Set("updated_at = ?", now).Where("id = ?", t.ID).Exec(ctx); err != nil {
			return nil, err
		}
		t.UpdatedAt = now
		if err := addChange(ctx, tx, t.ID, now); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// setStatusTx moves t to status with its event, timestamps, SLA due and
// the solved notification.
func (s *Service) setStatusTx(ctx context.Context, tx bun.IDB, t *Ticket, actorID int64, status string, now time.Time) error {
	old := t.Status
	t.Status, t.IsOpen = status, IsOpenStatus(status)
	upd := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
		Set("status = ?", status).Set("is_open = ?", t.IsOpen).Set("updated_at = ?", now)
	switch status {
	case StatusSolved:
		t.SolvedAt = &now
		upd.Set("solved_at = ?", now)
	case StatusClosed:
		t.ClosedAt = &now
		upd.Set("closed_at = ?", now)
		if t.SolvedAt == nil {
			t.SolvedAt = &now
			upd.Set("solved_at = ?", now)
		}
	default:
		if old == StatusSolved {
			// Reopened: the rating was about the old answer.
			t.SolvedAt = nil
			upd.Set("solved_at = NULL")
		}
	}
	if _, err := upd.Exec(ctx); err != nil {
		return err
	}
	if err := addEvent(ctx, tx, t.ID, actorID, EventStatus, old, status, now); err != nil {
		return err
	}
	if err := s.refreshSLA(ctx, tx, t); err != nil {
		return err
	}
	if status == StatusSolved {
		return s.mailSolved(ctx, tx, t)
	}
	return nil
}

// changeTagsTx adds and removes tags and keeps the display copy in step.
func (s *Service) changeTagsTx(ctx context.Context, tx bun.IDB, t *Ticket, actorID int64, add, remove []string, now time.Time) (bool, error) {
	changed := false
	for _, raw := range add {
		tag := normTag(raw)
		if tag == "" {
			continue
		}
		res, err := tx.NewInsert().Model(&ticketTag{TicketID: t.ID, Tag: tag}).On("CONFLICT DO NOTHING").Exec(ctx)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed = true
			if err := addEvent(ctx, tx, t.ID, actorID, EventTagAdded, "", tag, now); err != nil {
				return false, err
			}
		}
	}
	for _, raw := range remove {
		tag := normTag(raw)
		res, err := tx.NewDelete().Model((*ticketTag)(nil)).Where("ticket_id = ? AND tag = ?", t.ID, tag).Exec(ctx)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changed = true
			if err := addEvent(ctx, tx, t.ID, actorID, EventTagRemoved, tag, "", now); err != nil {
				return false, err
			}
		}
	}
	if !changed {
		return false, nil
	}
	var tags []string
	if err := tx.NewSelect().Model((*ticketTag)(nil)).Column("tag").Where("ticket_id = ?", t.ID).Order("tag").Scan(ctx, &tags); err != nil {
		return false, err
	}
	t.Tags = strings.Join(tags, " ")
	_, err := tx.NewUpdate().Model((*Ticket)(nil)).Set("tags = ?", t.Tags).Where("id = ?", t.ID).Exec(ctx)
	return true, err
}

// Rate records the requester's satisfaction rating of a solved ticket.
func (s *Service) Rate(ctx context.Context, ticketID, actorID int64, rating, comment string) error {
	if rating != "good" && rating != "bad" {
		return web.FieldErrors{"rating": "Choose good or bad."}
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > 2000 {
		return web.FieldErrors{"comment": "Keep the comment under 2,000 characters."}
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := lockTicket(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		if t.Status != StatusSolved && t.Status != StatusClosed {
			return web.FieldErrors{"rating": "You can rate a request once it is solved."}
		}
		now := s.clock()
		if _, err := tx.NewUpdate().Model((*Ticket)(nil)).Where("id = ?", t.ID).
			Set("rating = ?", rating).Set("rating_comment = ?", comment).Set("rated_at = ?", now).
			Set("updated_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, t.ID, actorID, EventRated, t.Rating, rating, now); err != nil {
			return err
		}
		return addChange(ctx, tx, t.ID, now)
	})
	if err == nil {
		s.Committed()
	}
	return err
}

// nextNumber takes the next ticket number from the counter row. The
// UPDATE holds the row lock (PostgreSQL) or the write lock (SQLite) until
// the transaction ends, so concurrent creators on any node get distinct,
// sequential numbers.
func nextNumber(ctx context.Context, tx bun.IDB) (int64, error) {
	var n int64
	err := tx.NewRaw("UPDATE ticket_counters SET value = value + 1 WHERE name = 'ticket_number' RETURNING value").Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("ticket number: %w", err)
	}
	return n, nil
}

// lockTicket loads a ticket for a change, holding its row lock on
// PostgreSQL until the transaction ends (SQLite transactions take the
// write lock up front), so concurrent changes serialise instead of one
// overwriting the other.
func lockTicket(ctx context.Context, tx bun.IDB, id int64) (*Ticket, error) {
	t := new(Ticket)
	q := tx.NewSelect().Model(t).Where("t.id = ?", id)
	if database.IsPostgres(tx) {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return t, nil
}

func addEvent(ctx context.Context, tx bun.IDB, ticketID, actorID int64, kind, old, new string, now time.Time) error {
	e := &Event{TicketID: ticketID, Kind: kind, OldValue: truncate(old, 300), NewValue: truncate(new, 300), CreatedAt: now}
	if actorID != 0 {
		e.ActorID = &actorID
	}
	_, err := tx.NewInsert().Model(e).Exec(ctx)
	return err
}

// changeLogLockKey serialises tickets_changes writers on PostgreSQL (see
// addChange); any constant distinct from kb's.
const changeLogLockKey = 7_301_002

// addChange appends a tickets_changes row for the search index. On
// PostgreSQL the writers serialise on an advisory lock until commit, so
// change ids become visible in increasing order and a follower that has
// seen id N never later finds a smaller one.
func addChange(ctx context.Context, tx bun.IDB, ticketID int64, now time.Time) error {
	if database.IsPostgres(tx) {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", changeLogLockKey); err != nil {
			return fmt.Errorf("lock change log: %w", err)
		}
	}
	_, err := tx.NewInsert().Model(&change{TicketID: ticketID, CreatedAt: now}).Exec(ctx)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n {
		r = r[:len(r)-1]
	}
	return string(r)
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

// normTag lower-cases a tag and checks its shape ("" when unusable).
func normTag(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 50 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return s
}

// SplitTags splits "a, b c" into tags.
func SplitTags(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func splitTags(s string) []string { return strings.Fields(s) }
