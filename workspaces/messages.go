package workspaces

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	fdmail "github.com/frontdesk/frontdesk/mail"
	"github.com/frontdesk/frontdesk/platform/validate"
)

func (s *Service) wsURL(ws *Workspace) string { return s.baseURL + "/w/" + ws.Slug }

func (s *Service) fileURL(ws *Workspace, fileID int64) string {
	return s.wsURL(ws) + "/files/" + strconv.FormatInt(fileID, 10)
}

func (s *Service) wake() {
	if s.outbox != nil {
		s.outbox.Wake()
	}
}

// SubjectRef is the token in the subject of workspace mail that brings a
// reply back to its workspace: "[ws:acme-corp]".
func SubjectRef(slug string) string { return "[ws:" + slug + "]" }

var subjectRefRe = regexp.MustCompile(`\[ws:([a-z0-9-]{1,100})\]`)

// ParseSubjectRef finds the workspace slug in a reply's subject.
func ParseSubjectRef(subject string) (string, bool) {
	m := subjectRefRe.FindStringSubmatch(subject)
	if m == nil {
		return "", false
	}
	return m[1], true
}

type recipient struct{ email, name string }

// clientRecipients: client members, plus the allowed addresses of usable
// links (contacts without an account).
func (s *Service) clientRecipients(ctx context.Context, db bun.IDB, ws *Workspace) ([]recipient, error) {
	_, clients, err := s.People(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	var out []recipient
	for _, p := range clients {
		out = append(out, recipient{p.Email, p.Name})
	}
	var links []Link
	if err := db.NewSelect().Model(&links).Where("workspace_id = ? AND revoked_at IS NULL", ws.ID).Scan(ctx); err != nil {
		return nil, err
	}
	now := s.clock()
	for _, l := range links {
		if l.Usable(now) {
			for _, e := range strings.Fields(l.AllowedEmails) {
				out = append(out, recipient{email: e})
			}
		}
	}
	return out, nil
}

func (s *Service) teamRecipients(ctx context.Context, ws *Workspace) ([]recipient, error) {
	team, _, err := s.People(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	var out []recipient
	for _, p := range team {
		out = append(out, recipient{p.Email, p.Name})
	}
	return out, nil
}

func (s *Service) send(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, to []recipient, subject, body, link string) error {
	if s.outbox == nil {
		return nil
	}
	seen := map[string]bool{strings.ToLower(by.Email): true}
	for _, r := range to {
		key := strings.ToLower(r.email)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		if _, err := s.outbox.Enqueue(ctx, tx, fdmail.Message{
			To: r.email, ToName: r.name, Subject: subject + " " + SubjectRef(ws.Slug),
			Template: "workspaces_notice", Kind: "workspace_notice",
			Data: map[string]any{"Name": r.name, "Body": body, "Link": link, "Workspace": ws.Name},
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) notifyClients(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, subject, body, link string) error {
	to, err := s.clientRecipients(ctx, tx, ws)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, ws, by, to, subject, body, link)
}

func (s *Service) notifyTeam(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, subject, body, link string) error {
	to, err := s.teamRecipients(ctx, ws)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, ws, by, to, subject, body, link)
}

// Messages lists the conversation (fileID 0) or a file's comments, oldest
// first.
func (s *Service) Messages(ctx context.Context, wsID, fileID int64) ([]Message, error) {
	var out []Message
	q := s.db.NewSelect().Model(&out).Where("workspace_id = ?", wsID).Order("id").Limit(500)
	if fileID == 0 {
		q = q.Where("file_id IS NULL")
	} else {
		q = q.Where("file_id = ?", fileID)
	}
	return out, q.Scan(ctx)
}

var mentionRe = regexp.MustCompile(`@([\p{L}\p{N}._+-]+(?:@[\p{L}\p{N}.-]+)?)`)

// mentioned returns the people of the workspace @mentioned in body, by
// address, the part of it before @, or first name (case-insensitive).
func mentioned(body string, people []Person) []Person {
	var out []Person
	seen := map[int64]bool{}
	for _, m := range mentionRe.FindAllStringSubmatch(body, -1) {
		word := strings.ToLower(strings.TrimRight(m[1], ".,;:!?"))
		for _, p := range people {
			local, _, _ := strings.Cut(strings.ToLower(p.Email), "@")
			first, _, _ := strings.Cut(strings.ToLower(p.Name), " ")
			if !seen[p.UserID] && (word == strings.ToLower(p.Email) || word == local || (first != "" && word == first)) {
				seen[p.UserID] = true
				out = append(out, p)
			}
		}
	}
	return out
}

// Segment is a piece of a message body: plain text or a mention.
type Segment struct {
	Text    string
	Mention bool
}

// Segments splits a body so mentions can be shown highlighted (the
// template escapes every piece).
func Segments(body string) []Segment {
	var out []Segment
	last := 0
	for _, loc := range mentionRe.FindAllStringIndex(body, -1) {
		if loc[0] > last {
			out = append(out, Segment{Text: body[last:loc[0]]})
		}
		out = append(out, Segment{Text: body[loc[0]:loc[1]], Mention: true})
		last = loc[1]
	}
	if last < len(body) {
		out = append(out, Segment{Text: body[last:]})
	}
	return out
}

// Post adds a message to the conversation (fileID 0) or a comment on a
// file, emails the other side (and anyone @mentioned) with a link.
func (s *Service) Post(ctx context.Context, by Actor, ws *Workspace, fileID int64, body string) (*Message, error) {
	return s.post(ctx, by, ws, fileID, body, "web", "")
}

func (s *Service) post(ctx context.Context, by Actor, ws *Workspace, fileID int64, body, source, messageID string) (*Message, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if body == "" {
		return nil, validate.Errors{"body": "Write a message first."}
	}
	if len(body) > 20000 {
		return nil, validate.Errors{"body": "Keep the message under 20000 characters."}
	}
	var file *File
	if fileID != 0 {
		f, err := s.File(ctx, ws.ID, fileID)
		if err != nil {
			return nil, err
		}
		file = f
	}
	team, clients, err := s.People(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	m := &Message{WorkspaceID: ws.ID, Body: body, Author: by.Label, Side: by.Side, UserID: by.userID(), LinkID: by.linkID(),
		Source: source, CreatedAt: now}
	if messageID != "" {
		m.MessageID = &messageID
	}
	action, subject, link := "message.posted", "New message in "+ws.Name, s.wsURL(ws)+"#conversation"
	if source == "email" {
		action = "message.emailed"
	}
	var fid *int64
	if file != nil {
		m.FileID = &file.ID
		fid = &file.ID
		action, subject, link = "comment.posted", "New comment on "+file.Name, s.fileURL(ws, file.ID)+"#comments"
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			if isUnique(err) && messageID != "" {
				return errDuplicate
			}
			return err
		}
		feed := ""
		if file != nil {
			feed = file.Name
		}
		if err := record(ctx, tx, ws.ID, by, action, feed, fid, now); err != nil {
			return err
		}
		text := fmt.Sprintf("%s wrote:\n\n%s", by.Label, body)
		if by.Side == SideTeam {
			err = s.notifyClients(ctx, tx, ws, by, subject, text, link)
		} else {
			err = s.notifyTeam(ctx, tx, ws, by, subject, text, link)
		}
		if err != nil {
			return err
		}
		// Mentions reach people on either side, even if that side was not
		// emailed above (the send skips addresses already written to only
		// within one call, so a mention is a separate note).
		var notify []recipient
		for _, p := range mentioned(body, append(append([]Person{}, team...), clients...)) {
			if p.Side != otherSide(by.Side) {
				notify = append(notify, recipient{p.Email, p.Name})
			}
		}
		return s.send(ctx, tx, ws, by, notify, by.Label+" mentioned you in "+ws.Name, text, link)
	})
	if errors.Is(err, errDuplicate) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.wake()
	return m, nil
}

var errDuplicate = errors.New("workspaces: duplicate message")

func otherSide(side string) string {
	if side == SideTeam {
		return SideClient
	}
	return SideTeam
}

// EmailReply is a reply to workspace mail that came back through the
// support inbox.
type EmailReply struct {
	Subject   string // must carry SubjectRef (see ParseSubjectRef)
	From      string // the sender's address
	FromName  string
	Text      string // the reply's text, quoted history already removed
	MessageID string // the email's Message-ID, angle brackets included (dedupe)
}

// ErrUnknownSender: the reply's sender is not a member, team agent or an
// allowed address of one of the workspace's links.
var ErrUnknownSender = errors.New("workspaces: sender is not part of the workspace")

// AddMessageFromEmail adds an emailed reply to the workspace conversation.
// The mail channel calls it for a message whose subject carries a
// workspace reference (ParseSubjectRef). It returns ErrNotFound for an
// unknown workspace, ErrUnknownSender for a stranger; the same Message-ID
// twice adds one message (nil, nil the second time).
func (s *Service) AddMessageFromEmail(ctx context.Context, in EmailReply) (*Message, error) {
	slug, ok := ParseSubjectRef(in.Subject)
	if !ok {
		return nil, ErrNotFound
	}
	ws, err := s.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	from := strings.ToLower(strings.TrimSpace(in.From))
	by := Actor{Email: from, Label: from}
	if in.FromName != "" {
		by.Label = in.FromName
	}
	team, clients, err := s.People(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range append(team, clients...) {
		if strings.EqualFold(p.Email, from) {
			by.UserID, by.Side, by.Label = p.UserID, p.Side, p.Label()
		}
	}
	if by.Side == "" {
		links, err := s.Links(ctx, ws.ID)
		if err != nil {
			return nil, err
		}
		for i := range links {
			if links[i].Usable(s.clock()) && allowedEmail(&links[i], from) {
				by.LinkID, by.Side, by.Label = links[i].ID, SideClient, linkLabel(&links[i], from)
				break
			}
		}
	}
	if by.Side == "" {
		return nil, ErrUnknownSender
	}
	return s.post(ctx, by, ws, 0, in.Text, "email", in.MessageID)
}

// MessageToTicket turns a conversation message into a support ticket (the
// account team's call) and notes the ticket on the message.
func (s *Service) MessageToTicket(ctx context.Context, by Actor, ws *Workspace, messageID int64) (string, string, error) {
	if s.tickets == nil {
		return "", "", ErrNotFound
	}
	m := new(Message)
	if err := scanOne(ctx, s.db.NewSelect().Model(m).Where("id = ? AND workspace_id = ?", messageID, ws.ID), "message"); err != nil {
		return "", "", err
	}
	if m.TicketRef != "" {
		return m.TicketRef, "", nil
	}
	if m.UserID == nil || m.Side != SideClient || m.FileID != nil {
		return "", "", validate.Errors{"ticket": "Only a client member's message in the conversation can become a ticket."}
	}
	in := TicketInput{Subject: firstLine(m.Body, 120), Text: m.Body, AgentID: by.UserID, WorkspaceURL: s.wsURL(ws)}
	if m.UserID != nil {
		if u, err := s.dir.User(ctx, *m.UserID); err == nil {
			in.RequesterEmail, in.RequesterName = u.Email, u.Name
		}
	}
	ref, url, err := s.tickets.TicketFromWorkspace(ctx, in)
	if err != nil {
		return "", "", err
	}
	now := s.clock()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(m).Set("ticket_ref = ?", ref).WherePK().Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, ws.ID, by, "message.ticket", ref, nil, now)
	})
	return ref, url, err
}

func firstLine(s string, max int) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(line) > max {
		line = line[:max]
	}
	if line == "" {
		line = "Workspace message"
	}
	return line
}
