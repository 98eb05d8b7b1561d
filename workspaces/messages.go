package workspaces

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// send emails each recipient once (never the actor) and keeps each mail's
// Message-ID, so a reply to it comes back into the workspace — into the
// comments of fileID when not 0.
func (s *Service) send(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, fileID int64, to []recipient, subject, body, link string) error {
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
		id, err := s.outbox.Enqueue(ctx, tx, fdmail.Message{
			To: r.email, ToName: r.name, Subject: subject + " " + SubjectRef(ws.Slug),
			Template: "workspaces_notice", Kind: "workspace_notice", IDTag: "w" + strconv.FormatInt(ws.ID, 10),
			Data: map[string]any{"Name": r.name, "Body": body, "Link": link, "Workspace": ws.Name},
		})
		if err != nil {
			return err
		}
		if err := s.keepMailID(ctx, tx, ws.ID, fileID, id, key); err != nil {
			return err
		}
	}
	return nil
}

// keepMailID records the Message-ID the outbox gave mail outboxID.
func (s *Service) keepMailID(ctx context.Context, tx bun.IDB, wsID, fileID, outboxID int64, to string) error {
	var mid string
	if err := tx.NewSelect().Model((*fdmail.Entry)(nil)).Column("message_id").Where("id = ?", outboxID).Scan(ctx, &mid); err != nil {
		return err
	}
	if mid == "" || len(mid) > 500 {
		return nil
	}
	row := &MailID{MessageID: mid, WorkspaceID: wsID, Recipient: to, CreatedAt: s.clock()}
	if fileID != 0 {
		row.FileID = &fileID
	}
	_, err := tx.NewInsert().Model(row).On("CONFLICT (message_id) DO NOTHING").Exec(ctx)
	return err
}

func (s *Service) notifyClients(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, fileID int64, subject, body, link string) error {
	to, err := s.clientRecipients(ctx, tx, ws)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, ws, by, fileID, to, subject, body, link)
}

func (s *Service) notifyTeam(ctx context.Context, tx bun.IDB, ws *Workspace, by Actor, fileID int64, subject, body, link string) error {
	to, err := s.teamRecipients(ctx, ws)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, ws, by, fileID, to, subject, body, link)
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
	m, err := s.postTx(ctx, s.db, by, ws, fileID, body, source, messageID)
	if err == nil && m != nil {
		s.wake()
	}
	return m, err
}

// postTx is post inside db (the caller's transaction: the message gets a
// savepoint of its own, so a duplicate leaves db usable). It returns nil,
// nil for a Message-ID already in a workspace.
func (s *Service) postTx(ctx context.Context, db bun.IDB, by Actor, ws *Workspace, fileID int64, body, source, messageID string) (*Message, error) {
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
		if dup, err := db.NewSelect().Model((*Message)(nil)).Where("message_id = ?", messageID).Exists(ctx); err != nil {
			return nil, err
		} else if dup {
			return nil, nil
		}
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
		if source == "email" {
			action = "comment.emailed"
		}
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
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
			err = s.notifyClients(ctx, tx, ws, by, fileID, subject, text, link)
		} else {
			err = s.notifyTeam(ctx, tx, ws, by, fileID, subject, text, link)
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
		return s.send(ctx, tx, ws, by, fileID, notify, by.Label+" mentioned you in "+ws.Name, text, link)
	})
	if errors.Is(err, errDuplicate) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
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
	// ThreadIDs are the Message-IDs the mail answers (In-Reply-To, then
	// References), brackets included: one we sent (see MailID) claims the
	// mail for its workspace.
	ThreadIDs []string
	Subject   string // may carry SubjectRef (see ParseSubjectRef), the fallback
	From      string // the sender's address
	FromName  string
	Text      string // the reply's text, quoted history already removed
	MessageID string // the email's Message-ID, angle brackets included (dedupe)
	// Auto marks automatic mail (out-of-office): claimed, never added.
	Auto bool
	// Files are the mail's attachments, kept as workspace files in the
	// "Email attachments" folder.
	Files []EmailFile
}

// EmailFile is an attachment of an emailed reply: its size and a way to
// stream it (a large mail's attachment is never held in memory).
type EmailFile struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// EmailResult says what DeliverEmail did, for the ingestion log.
type EmailResult struct {
	// Claimed: the mail answers workspace mail (a Message-ID we sent, or
	// the subject reference of an existing workspace). A claimed mail from
	// a member never becomes a ticket.
	Claimed bool
	// Stranger: claimed, but the sender is neither a member, an agent of
	// the account team nor an allowed address of a usable link: nothing
	// was added to the workspace.
	Stranger  bool
	Workspace string // the slug
	Reason    string // what matched and what happened
	Message   *Message
}

// ErrUnknownSender: the reply's sender is not a member, team agent or an
// allowed address of one of the workspace's links.
var ErrUnknownSender = errors.New("workspaces: sender is not part of the workspace")

// AddMessageFromEmail adds an emailed reply to the workspace conversation
// in a transaction of its own. It returns ErrNotFound when the mail claims
// no workspace, ErrUnknownSender for a stranger; the same Message-ID twice
// adds one message (nil, nil the second time).
func (s *Service) AddMessageFromEmail(ctx context.Context, in EmailReply) (*Message, error) {
	var res EmailResult
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = s.DeliverEmail(ctx, tx, in)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case !res.Claimed:
		return nil, ErrNotFound
	case res.Stranger:
		return nil, ErrUnknownSender
	}
	if res.Message != nil {
		s.wake()
	}
	return res.Message, nil
}

// DeliverEmail is the email channel's entry into workspaces, inside the
// ingestion transaction tx. A mail answering one of our workspace mails
// (by In-Reply-To/References, else by the "[ws:slug]" subject reference)
// is claimed: from a member, a team agent or an allowed link address it
// becomes a message in the conversation (a comment when the answered mail
// was about a file), attachments kept in the "Email attachments" folder;
// from anyone else it is not added (Stranger, for the caller to keep
// apart). An unclaimed mail is left alone (Claimed false). The caller
// wakes the outbox after its commit (Wake).
func (s *Service) DeliverEmail(ctx context.Context, tx bun.IDB, in EmailReply) (EmailResult, error) {
	ws, fileID, how, err := s.claim(ctx, tx, in)
	if err != nil || ws == nil {
		return EmailResult{}, err
	}
	res := EmailResult{Claimed: true, Workspace: ws.Slug}
	from := strings.ToLower(strings.TrimSpace(in.From))
	by, ok, err := s.emailActor(ctx, ws, from, in.FromName)
	if err != nil {
		return res, err
	}
	if !ok {
		res.Stranger = true
		res.Reason = fmt.Sprintf("claims workspace %s by %s, but %s is not one of its members: not added", ws.Slug, how, orUnknown(from))
		return res, nil
	}
	if in.Auto {
		res.Reason = fmt.Sprintf("automatic mail answering workspace %s mail (%s): not added", ws.Slug, how)
		return res, nil
	}
	where := "conversation"
	if fileID != 0 {
		where = "file comments"
	}
	text := strings.TrimSpace(in.Text)
	var kept []string
	for _, f := range in.Files {
		name, err := s.keepEmailFile(ctx, tx, by, ws, f)
		if err != nil {
			return res, err
		}
		if name != "" {
			kept = append(kept, name)
		}
	}
	if len(kept) > 0 {
		text += "\n\nAttached (in Email attachments): " + strings.Join(kept, ", ")
	}
	if strings.TrimSpace(text) == "" {
		text = "(empty email)"
	}
	if len(text) > 20000 {
		text = truncateUTF8(text, 19900) + "\n[…] (shortened; the original email is kept in the ingestion log)"
	}
	m, err := s.postTx(ctx, tx, by, ws, fileID, text, "email", storableMessageID(in.MessageID))
	if err != nil {
		return res, err
	}
	res.Message = m
	if m == nil {
		res.Reason = fmt.Sprintf("workspace %s: already in its %s (same Message-ID)", ws.Slug, where)
		return res, nil
	}
	res.Reason = fmt.Sprintf("workspace %s %s, threaded by %s, from %s", ws.Slug, where, how, by.Label)
	if len(kept) > 0 {
		res.Reason += fmt.Sprintf("; %d attachment(s) kept", len(kept))
	}
	return res, nil
}

// claim finds the workspace (and file) a mail answers: a Message-ID we
// sent, else the subject reference of an existing workspace.
func (s *Service) claim(ctx context.Context, tx bun.IDB, in EmailReply) (*Workspace, int64, string, error) {
	for _, id := range in.ThreadIDs {
		if id == "" || len(id) > 500 {
			continue
		}
		row := new(MailID)
		err := tx.NewSelect().Model(row).Where("message_id = ?", id).Scan(ctx)
		if isNoRows(err) {
			continue
		}
		if err != nil {
			return nil, 0, "", err
		}
		ws := new(Workspace)
		if err := scanOne(ctx, tx.NewSelect().Model(ws).Where("id = ?", row.WorkspaceID), "workspace"); err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return nil, 0, "", err
		}
		var fileID int64
		if row.FileID != nil {
			if ok, err := tx.NewSelect().Model((*File)(nil)).Where("id = ? AND workspace_id = ?", *row.FileID, ws.ID).Exists(ctx); err != nil {
				return nil, 0, "", err
			} else if ok {
				fileID = *row.FileID
			}
		}
		return ws, fileID, "In-Reply-To/References " + id, nil
	}
	slug, ok := ParseSubjectRef(in.Subject)
	if !ok {
		return nil, 0, "", nil
	}
	ws := new(Workspace)
	err := scanOne(ctx, tx.NewSelect().Model(ws).Where("slug = ?", slug), "workspace")
	if errors.Is(err, ErrNotFound) {
		return nil, 0, "", nil
	}
	if err != nil {
		return nil, 0, "", err
	}
	return ws, 0, "subject reference " + SubjectRef(slug), nil
}

// emailActor is the sender of an emailed reply as a workspace actor: a
// member or team agent by address, else the holder of a usable link that
// allows the address.
func (s *Service) emailActor(ctx context.Context, ws *Workspace, from, name string) (Actor, bool, error) {
	by := Actor{Email: from, Label: from}
	if name != "" {
		by.Label = name
	}
	if from == "" {
		return by, false, nil
	}
	team, clients, err := s.People(ctx, ws.ID)
	if err != nil {
		return by, false, err
	}
	for _, p := range append(team, clients...) {
		if strings.EqualFold(p.Email, from) {
			by.UserID, by.Side, by.Label = p.UserID, p.Side, p.Label()
			return by, true, nil
		}
	}
	links, err := s.Links(ctx, ws.ID)
	if err != nil {
		return by, false, err
	}
	for i := range links {
		if links[i].Usable(s.clock()) && allowedEmail(&links[i], from) {
			by.LinkID, by.Side, by.Label = links[i].ID, SideClient, linkLabel(&links[i], from)
			return by, true, nil
		}
	}
	return by, false, nil
}

// EmailAttachmentsFolder is where attachments of emailed replies go.
const EmailAttachmentsFolder = "Email attachments"

// keepEmailFile stores one attachment as a workspace file (a new version
// when the name is already there) and returns its name ("" when it was
// left out: empty, or over the upload limit).
func (s *Service) keepEmailFile(ctx context.Context, tx bun.IDB, by Actor, ws *Workspace, f EmailFile) (string, error) {
	name := CleanName(f.Name)
	if name == "" {
		name = "attachment"
	}
	if f.Size == 0 || f.Size > s.max || f.Open == nil {
		return "", nil
	}
	folder := new(Folder)
	err := tx.NewSelect().Model(folder).Where("workspace_id = ? AND parent_id = 0 AND name_key = ?", ws.ID, NameKey(EmailAttachmentsFolder)).Scan(ctx)
	if isNoRows(err) {
		*folder = Folder{WorkspaceID: ws.ID, Name: EmailAttachmentsFolder, CreatedAt: s.clock()}
		_, err = tx.NewInsert().Model(folder).Exec(ctx)
	}
	if err != nil {
		return "", err
	}
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	if _, _, err := s.uploadTx(ctx, tx, by, ws, UploadInput{FolderID: folder.ID, Name: name}, rc); err != nil {
		return "", err
	}
	return name, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown sender"
	}
	return s
}

func storableMessageID(id string) string {
	if len(id) > 500 {
		return ""
	}
	return id
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
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
