package tickets

import (
	"context"
	"errors"
	"html/template"

	"github.com/uptrace/bun"

	"github.com/frontdesk/frontdesk/accounts/identity"
)

// Person is a user as the desk shows and notifies them. The accounts
// domain owns users; app wires a Directory over its service.
type Person struct {
	ID                  int64
	Email               string
	Name                string
	Role                identity.Role
	OrgID               int64
	OrgName             string
	OrgShared           bool // the organisation's members see each other's tickets
	NotifyTicketUpdates bool
	Active              bool
}

// DisplayName is the name, or the address when there is none.
func (p Person) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// Org is an organisation as the desk shows it.
type Org struct {
	ID     int64
	Name   string
	Shared bool
}

// ErrNoPerson is returned by a Directory for an unknown user.
var ErrNoPerson = errors.New("tickets: no such person")

// Directory is what tickets reads and asks of the accounts domain.
type Directory interface {
	// People returns the users among ids (missing ids are absent).
	People(ctx context.Context, ids []int64) (map[int64]Person, error)
	// PeopleIn is People inside the caller's transaction db.
	PeopleIn(ctx context.Context, db bun.IDB, ids []int64) (map[int64]Person, error)
	// PersonByEmail finds a user by address, ErrNoPerson when none.
	PersonByEmail(ctx context.Context, email string) (Person, error)
	// FindOrCreateContact returns the user with email, creating a
	// passwordless customer contact (in db, the caller's transaction) when
	// there is none.
	FindOrCreateContact(ctx context.Context, db bun.IDB, email, name string) (Person, error)
	// Staff lists active agents and admins (assignee choices).
	Staff(ctx context.Context) ([]Person, error)
	// Orgs returns the organisations among ids; AllOrgs every one.
	Orgs(ctx context.Context, ids []int64) (map[int64]Org, error)
	AllOrgs(ctx context.Context) ([]Org, error)
}

// Suggestion is a knowledge-base article offered while a customer types
// the subject of a new request.
type Suggestion struct {
	Title   string
	URL     string
	Snippet template.HTML
}

// Suggester finds KB articles for a subject (kb.Service in the app).
type Suggester interface {
	Suggest(ctx context.Context, text string, limit int) ([]Suggestion, error)
}

// ArticleDrafter starts a KB draft ("Turn into article") and returns the
// URL of its editor.
type ArticleDrafter interface {
	DraftFromTicket(ctx context.Context, title, question, answer string, authorID int64) (editURL string, err error)
}

// BillingSummary fills the billing slot of the agent ticket sidebar. The
// billing domain implements it (wired in app when present); without it the
// slot renders nothing. The HTML is rendered by billing with its own
// templates and must be safe (html/template output).
type BillingSummary interface {
	SummaryHTML(ctx context.Context, requesterUserID, orgID int64) (template.HTML, error)
}

// Notifier is told that tickets_changes has new rows (the index follower).
type Notifier interface{ Notify() }

// MailHealth says whether the email channel is fetching the support
// mailbox: a sentence for the agent dashboard when it is not (the fetcher
// has not completed a check for longer than its threshold), "" when all is
// well or no mailbox is configured. app wires it over the mail fetcher.
type MailHealth interface {
	MailWarning(ctx context.Context) string
}
