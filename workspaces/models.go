// Package workspaces owns private client workspaces: one place per
// high-value account where the account team (agents) delivers files, the
// client reviews and approves them, tasks are handed out and both sides
// talk. Client contacts without an account reach it through private links
// (a hashed 256-bit token, optionally with an emailed one-time code) which
// open that one workspace and nothing else.
//
// Every workspace route decides through accounts/policy (ViewWorkspace,
// ContributeWorkspace, DeliverWorkspace, ManageWorkspace,
// ExportWorkspaceAudit) with a policy.Workspace built for the asker by
// Service.Access.
package workspaces

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/platform/files"
)

// People sides.
const (
	SideTeam   = "team"
	SideClient = "client"
)

// Task kinds.
const (
	TaskTick   = "tick"
	TaskUpload = "upload"
)

// Approval states.
const (
	ApprovalPending    = "pending"
	ApprovalApproved   = "approved"
	ApprovalChanges    = "changes_requested"
	ApprovalSuperseded = "superseded"
)

// Workspace is one client's private space.
type Workspace struct {
	bun.BaseModel `bun:"table:workspaces"`

	ID         int64     `bun:"id,pk,autoincrement"`
	Slug       string    `bun:"slug,notnull"`
	Name       string    `bun:"name,notnull"`
	OrgID      *int64    `bun:"org_id"`
	CustomerID *int64    `bun:"customer_id"`
	Color      string    `bun:"color,notnull"`
	LogoSHA256 string    `bun:"logo_sha256,notnull"`
	LogoType   string    `bun:"logo_type,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	UpdatedAt  time.Time `bun:"updated_at,notnull"`
}

// Person is a team agent or a client member of a workspace.
type Person struct {
	bun.BaseModel `bun:"table:workspace_people"`

	WorkspaceID int64     `bun:"workspace_id,pk"`
	UserID      int64     `bun:"user_id,pk"`
	Side        string    `bun:"side,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`

	// Filled from the directory for display.
	Email string `bun:"-"`
	Name  string `bun:"-"`
}

// Label is how the person is shown.
func (p Person) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// Link is a permanent private link.
type Link struct {
	bun.BaseModel `bun:"table:workspace_links"`

	ID            int64      `bun:"id,pk,autoincrement"`
	WorkspaceID   int64      `bun:"workspace_id,notnull"`
	Name          string     `bun:"name,notnull"`
	TokenHash     string     `bun:"token_hash,notnull"`
	RequireCode   bool       `bun:"require_code,notnull"`
	AllowedEmails string     `bun:"allowed_emails,notnull"`
	ExpiresAt     *time.Time `bun:"expires_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	RotatedAt     *time.Time `bun:"rotated_at"`
	LastUsedAt    *time.Time `bun:"last_used_at"`
	CreatedBy     *int64     `bun:"created_by"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
}

// Usable reports whether the link may still open its workspace at now.
func (l *Link) Usable(now time.Time) bool {
	return l.RevokedAt == nil && (l.ExpiresAt == nil || l.ExpiresAt.After(now))
}

// LinkCode is a one-time code emailed before a link opens.
type LinkCode struct {
	bun.BaseModel `bun:"table:workspace_link_codes"`

	ID        int64      `bun:"id,pk,autoincrement"`
	LinkID    int64      `bun:"link_id,notnull"`
	Email     string     `bun:"email,notnull"`
	CodeHash  string     `bun:"code_hash,notnull"`
	Attempts  int        `bun:"attempts,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}

// LinkSession is a browser that opened a link.
type LinkSession struct {
	bun.BaseModel `bun:"table:workspace_link_sessions"`

	ID        int64     `bun:"id,pk,autoincrement"`
	LinkID    int64     `bun:"link_id,notnull"`
	TokenHash string    `bun:"token_hash,notnull"`
	Email     string    `bun:"email,notnull"`
	Name      string    `bun:"name,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
}

// Folder groups files.
type Folder struct {
	bun.BaseModel `bun:"table:workspace_folders"`

	ID          int64     `bun:"id,pk,autoincrement"`
	WorkspaceID int64     `bun:"workspace_id,notnull"`
	ParentID    int64     `bun:"parent_id,notnull"`
	Name        string    `bun:"name,notnull"`
	NameKey     string    `bun:"name_key,notnull"` // NameKey(Name), set on insert
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// File is a named file in a folder; its bytes are in its versions.
type File struct {
	bun.BaseModel `bun:"table:workspace_files"`

	ID             int64     `bun:"id,pk,autoincrement"`
	WorkspaceID    int64     `bun:"workspace_id,notnull"`
	FolderID       int64     `bun:"folder_id,notnull"`
	Name           string    `bun:"name,notnull"`
	NameKey        string    `bun:"name_key,notnull"` // NameKey(Name), set on insert
	CurrentVersion int       `bun:"current_version,notnull"`
	Size           int64     `bun:"size,notnull"`
	ContentType    string    `bun:"content_type,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
	UpdatedAt      time.Time `bun:"updated_at,notnull"`

	// Approval is the state of the latest approval request (list pages).
	Approval string `bun:"-"`
}

// Version is one upload of a file.
type Version struct {
	bun.BaseModel `bun:"table:workspace_file_versions"`

	ID          int64     `bun:"id,pk,autoincrement"`
	FileID      int64     `bun:"file_id,notnull"`
	Number      int       `bun:"number,notnull"`
	SHA256      string    `bun:"sha256,notnull"`
	Size        int64     `bun:"size,notnull"`
	ContentType string    `bun:"content_type,notnull"`
	Author      string    `bun:"author,notnull"`
	UserID      *int64    `bun:"user_id"`
	LinkID      *int64    `bun:"link_id"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// Approval is a request to approve one version.
type Approval struct {
	bun.BaseModel `bun:"table:workspace_approvals"`

	ID          int64      `bun:"id,pk,autoincrement"`
	WorkspaceID int64      `bun:"workspace_id,notnull"`
	FileID      int64      `bun:"file_id,notnull"`
	VersionID   int64      `bun:"version_id,notnull"`
	Status      string     `bun:"status,notnull"`
	Note        string     `bun:"note,notnull"`
	DueOn       *time.Time `bun:"due_on"`
	RequestedBy string     `bun:"requested_by,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	ClosedAt    *time.Time `bun:"closed_at"`

	Reviewers []Reviewer `bun:"rel:has-many,join:id=approval_id"`
	Decisions []Decision `bun:"rel:has-many,join:id=approval_id"`
	// VersionNumber is filled for display.
	VersionNumber int `bun:"-"`
}

// Reviewer is a named reviewer: a client member or a link's holders.
type Reviewer struct {
	bun.BaseModel `bun:"table:workspace_approval_reviewers"`

	ID         int64  `bun:"id,pk,autoincrement"`
	ApprovalID int64  `bun:"approval_id,notnull"`
	UserID     *int64 `bun:"user_id"`
	LinkID     *int64 `bun:"link_id"`
	Label      string `bun:"label,notnull"`
}

// Decision is one reviewer's answer.
type Decision struct {
	bun.BaseModel `bun:"table:workspace_approval_decisions"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ApprovalID int64     `bun:"approval_id,notnull"`
	Decision   string    `bun:"decision,notnull"`
	Comment    string    `bun:"comment,notnull"`
	Author     string    `bun:"author,notnull"`
	UserID     *int64    `bun:"user_id"`
	LinkID     *int64    `bun:"link_id"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// Task is something the client should do.
type Task struct {
	bun.BaseModel `bun:"table:workspace_tasks"`

	ID          int64      `bun:"id,pk,autoincrement"`
	WorkspaceID int64      `bun:"workspace_id,notnull"`
	Title       string     `bun:"title,notnull"`
	Details     string     `bun:"details,notnull"`
	Kind        string     `bun:"kind,notnull"`
	DueOn       *time.Time `bun:"due_on"`
	DoneAt      *time.Time `bun:"done_at"`
	DoneBy      string     `bun:"done_by,notnull"`
	FileID      *int64     `bun:"file_id"`
	RemindedAt  *time.Time `bun:"reminded_at"`
	Position    int        `bun:"position,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
}

// Overdue reports whether the task is open past its due date.
func (t *Task) Overdue(now time.Time) bool {
	return t.DoneAt == nil && t.DueOn != nil && t.DueOn.Before(now)
}

// ChecklistItem is one line of the onboarding checklist template.
type ChecklistItem struct {
	bun.BaseModel `bun:"table:workspace_checklist_items"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Position  int       `bun:"position,notnull"`
	Title     string    `bun:"title,notnull"`
	Details   string    `bun:"details,notnull"`
	Kind      string    `bun:"kind,notnull"`
	DueDays   int       `bun:"due_days,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Message is a post in the conversation or a comment on a file.
type Message struct {
	bun.BaseModel `bun:"table:workspace_messages"`

	ID          int64     `bun:"id,pk,autoincrement"`
	WorkspaceID int64     `bun:"workspace_id,notnull"`
	FileID      *int64    `bun:"file_id"`
	Body        string    `bun:"body,notnull"`
	Author      string    `bun:"author,notnull"`
	Side        string    `bun:"side,notnull"`
	UserID      *int64    `bun:"user_id"`
	LinkID      *int64    `bun:"link_id"`
	Source      string    `bun:"source,notnull"`
	MessageID   *string   `bun:"message_id"`
	TicketRef   string    `bun:"ticket_ref,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// Activity is one line of the activity feed and audit trail.
type Activity struct {
	bun.BaseModel `bun:"table:workspace_activity"`

	ID          int64     `bun:"id,pk,autoincrement"`
	WorkspaceID int64     `bun:"workspace_id,notnull"`
	Actor       string    `bun:"actor,notnull"`
	UserID      *int64    `bun:"user_id"`
	LinkID      *int64    `bun:"link_id"`
	Action      string    `bun:"action,notnull"`
	Subject     string    `bun:"subject,notnull"`
	FileID      *int64    `bun:"file_id"`
	IP          string    `bun:"ip,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// SizeLabel is the file size for people ("2.4 MB").
func (f File) SizeLabel() string { return files.FormatSize(f.Size) }

// SizeLabel is the version's size for people.
func (v Version) SizeLabel() string { return files.FormatSize(v.Size) }

// Label says the activity in words.
func (a Activity) Label() string { return ActionLabel(a.Action) }

// Segments splits the body for display with mentions highlighted.
func (m Message) Segments() []Segment { return Segments(m.Body) }

// StatusLabel says an approval state in words.
func StatusLabel(status string) string {
	switch status {
	case ApprovalPending:
		return "Waiting for approval"
	case ApprovalApproved:
		return "Approved"
	case ApprovalChanges:
		return "Changes requested"
	case ApprovalSuperseded:
		return "Replaced by a newer version"
	}
	return ""
}

// StatusLabel says the request's state in words.
func (a Approval) StatusLabel() string { return StatusLabel(a.Status) }

// ApprovalLabel says the file's latest approval state in words.
func (f File) ApprovalLabel() string { return StatusLabel(f.Approval) }

// DecisionLabel says a decision in words.
func (d Decision) DecisionLabel() string {
	if d.Decision == ApprovalApproved {
		return "approved"
	}
	return "requested changes"
}

// MailID is the Message-ID of one workspace email we sent: a reply that
// names it in In-Reply-To/References comes back into that workspace (the
// file's comments when the mail was about a file). Only our own outbox
// makes these IDs, so a match is trusted further than a subject token.
type MailID struct {
	bun.BaseModel `bun:"table:workspace_mail_ids"`

	MessageID   string    `bun:"message_id,pk"`
	WorkspaceID int64     `bun:"workspace_id,notnull"`
	FileID      *int64    `bun:"file_id"`
	Recipient   string    `bun:"recipient,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

// NameKey is what makes two file (or folder) names the same in one
// folder: case is ignored, as Windows and macOS users expect.
func NameKey(name string) string { return strings.ToLower(name) }

var (
	_ bun.BeforeAppendModelHook = (*File)(nil)
	_ bun.BeforeAppendModelHook = (*Folder)(nil)
)

// BeforeAppendModel keeps NameKey in step with Name on every insert.
func (f *File) BeforeAppendModel(_ context.Context, q bun.Query) error {
	if _, ok := q.(*bun.InsertQuery); ok {
		f.NameKey = NameKey(f.Name)
	}
	return nil
}

// BeforeAppendModel keeps NameKey in step with Name on every insert.
func (f *Folder) BeforeAppendModel(_ context.Context, q bun.Query) error {
	if _, ok := q.(*bun.InsertQuery); ok {
		f.NameKey = NameKey(f.Name)
	}
	return nil
}
