// Package policy is the one place that decides who may do what. Handlers
// ask Can (for a resource they loaded) or mount Require (for a whole area);
// they never compare roles themselves. Every domain's resources are
// described here by the few attributes a decision needs, so the rules can
// be read, and tested as a matrix, in one file.
//
// How a denial looks to the user (decided once, here):
//
//   - An anonymous visitor who needs an account is sent to /login (HTML) or
//     answered 401 (/api). Require does this for whole areas; routes that
//     show non-public objects (tickets, invoices, workspaces) mount
//     Require(UseAccount) before loading anything, so an anonymous visitor
//     learns nothing about which ids exist.
//   - A logged-in user who may not use an area (a customer opening /admin or
//     /agent) gets 404: the area's existence is not advertised.
//   - A resource-level denial (customer A asking for customer B's ticket by
//     guessing its number, a draft article) is ALWAYS 404, never 403, for
//     anyone: the answer must be the same as for an id that does not exist,
//     so ids do not leak. Use Check, which returns fiber.ErrNotFound.
//   - 403 is kept for one thing only: a request the user may make but sent
//     without a valid CSRF token (see web.CSRF).
package policy

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/platform/web"
)

// Area is a part of the product a user may or may not use at all (no
// particular resource): guard it with Require, ask with Allows.
type Area struct {
	name  string
	allow func(id *identity.Identity) bool
}

func (a Area) String() string { return a.name }

// Action is something done to one kind of resource R. Its type parameter
// makes asking about the wrong kind of resource a compile error:
// Can(id, ViewTicket, Article{}) does not build.
type Action[R any] struct {
	name  string
	allow func(id *identity.Identity, r R) bool
}

func (a Action[R]) String() string { return a.name }

// The areas.
var (
	UseAgentDesk = Area{"agent.desk", (*identity.Identity).IsStaff} // the agent inbox and tools
	ManageKB     = Area{"kb.manage", (*identity.Identity).IsStaff}  // write articles, categories, see KB reports
	Administer   = Area{"admin", (*identity.Identity).IsAdmin}      // users, organisations, settings, audit log, outbox
	UseAccount   = Area{"account.use", signedIn}                    // one's own profile, sessions, tokens
	CreateTicket = Area{"ticket.create", signedIn}                  // open a ticket
	ListTickets  = Area{"ticket.list", signedIn}                    // "my tickets" (scope it with TicketScopeFor)
	ListInvoices = Area{"invoice.list", signedIn}                   // the billing page (scope it with InvoiceScopeFor)
	// EnableWorkspaces lists workspaces and opens new ones for high-value
	// organisations; an agent sees only the workspaces whose team they are on.
	EnableWorkspaces = Area{"workspace.enable", (*identity.Identity).IsStaff}
	// EditOnboarding edits the onboarding checklist new workspaces start from.
	EditOnboarding = Area{"workspace.onboarding", (*identity.Identity).IsAdmin}
)

// The resource actions, each with the rule that decides it.
var (
	ViewArticle = Action[Article]{"article.view", func(id *identity.Identity, a Article) bool { return a.Published || id.IsStaff() }}
	EditArticle = Action[Article]{"article.edit", staffOnly[Article]}

	ViewTicket        = Action[Ticket]{"ticket.view", canSeeTicket}            // the ticket and its public messages
	ReplyTicket       = Action[Ticket]{"ticket.reply", canSeeTicket}           // add a public message
	ViewInternalNotes = Action[Ticket]{"ticket.notes.view", staffOnly[Ticket]} // internal notes between agents
	AddInternalNote   = Action[Ticket]{"ticket.notes.add", staffOnly[Ticket]}
	ManageTicket      = Action[Ticket]{"ticket.manage", staffOnly[Ticket]} // assign, prioritise, tag, status

	ViewInvoice = Action[Invoice]{"invoice.view", canSeeInvoice} // the invoice and its PDF

	ViewWorkspace       = Action[Workspace]{"workspace.view", canUseWorkspace}       // files, approvals, comments
	ContributeWorkspace = Action[Workspace]{"workspace.contribute", canUseWorkspace} // upload, approve, comment
	// DeliverWorkspace is the account team's work: delete files, request
	// approvals, give tasks, read the activity feed, turn a message into a
	// ticket. Agents outside the team have no part in the workspace.
	DeliverWorkspace = Action[Workspace]{"workspace.deliver", onAccountTeam}
	// ManageWorkspace changes the workspace itself: name, logo, colour,
	// team, members and private links.
	ManageWorkspace = Action[Workspace]{"workspace.manage", onAccountTeam}
	// ExportWorkspaceAudit downloads the full audit trail (admins only).
	ExportWorkspaceAudit = Action[Workspace]{"workspace.audit", func(id *identity.Identity, _ Workspace) bool { return id.IsAdmin() }}

	// Admins may not demote or lock out themselves: the last admin would
	// lose the admin area with no way back in the UI.
	ChangeUserRole = Action[User]{"user.role", notSelfAdmin}
	DeactivateUser = Action[User]{"user.deactivate", notSelfAdmin}
	EditUser       = Action[User]{"user.edit", func(id *identity.Identity, _ User) bool { return id.IsAdmin() }}
)

// Article describes a knowledge-base article for decisions.
type Article struct {
	// Published is true for a published article; drafts and archived
	// articles are staff-only.
	Published bool
}

// Ticket describes a support ticket for decisions.
type Ticket struct {
	RequesterID int64 // the customer the ticket belongs to
	OrgID       int64 // the requester's organisation at the time, 0 for none
	// OrgShared is the organisation's members_see_all_tickets flag: when
	// set, every member of OrgID may see (and reply to) the ticket.
	OrgShared bool
}

// Invoice describes a billing invoice for decisions.
type Invoice struct {
	CustomerID int64 // the user billed, 0 when billed to the organisation only
	OrgID      int64 // the organisation billed, 0 for an individual
	// Draft invoices are not issued yet: staff only, for customers they do
	// not exist.
	Draft bool
}

// Workspace describes a private client workspace for decisions, as seen
// by one request (Member, Team and Link are about the asker).
type Workspace struct {
	ID    int64 // the workspace
	OrgID int64 // the organisation the workspace belongs to, 0 for a single customer's
	// OrgHighValue is the organisation's high_value flag; workspaces of
	// other organisations are closed to customers.
	OrgHighValue bool
	// CustomerID is the customer a single-customer workspace belongs to.
	CustomerID int64
	// Member is true when the asking user is listed as a member of the
	// workspace (the caller looks it up for the current identity).
	Member bool
	// Team is true when the asking agent is on the workspace's account team.
	Team bool
	// Link is the request's private-link grant, nil without one.
	Link *LinkGrant
}

// LinkGrant is what holding a private workspace link gives: not a user and
// no identity, only the use of one workspace (files, approvals, tasks,
// conversation). It is established by /w/link/{token} and checked against
// the link's state (revoked, expired, rotated) on every request by the
// workspaces package; here it opens exactly the workspace it names.
type LinkGrant struct {
	WorkspaceID int64
	LinkID      int64
}

// User describes a user account as the target of an admin action.
type User struct {
	ID int64
}

// Allows reports whether id (nil for anonymous) may use area a.
func Allows(id *identity.Identity, a Area) bool { return a.allow != nil && a.allow(id) }

// Can reports whether id (nil for anonymous) may do a to r.
func Can[R any](id *identity.Identity, a Action[R], r R) bool {
	return a.allow != nil && a.allow(id, r)
}

func signedIn(id *identity.Identity) bool { return id != nil }

func staffOnly[R any](id *identity.Identity, _ R) bool { return id.IsStaff() }

func notSelfAdmin(id *identity.Identity, u User) bool { return id.IsAdmin() && u.ID != id.UserID }

func canSeeInvoice(id *identity.Identity, inv Invoice) bool {
	if id == nil {
		return false
	}
	if id.IsStaff() {
		return true
	}
	if inv.Draft {
		return false
	}
	// An organisation's invoices are shared with its verified members
	// (membership by email domain is only trusted once the address is).
	return (inv.CustomerID != 0 && inv.CustomerID == id.UserID) ||
		(inv.OrgID != 0 && inv.OrgID == id.OrgID && id.Verified)
}

func canUseWorkspace(id *identity.Identity, ws Workspace) bool {
	// A link grant opens its own workspace and no other, whoever holds it.
	if ws.Link != nil && ws.ID != 0 && ws.Link.WorkspaceID == ws.ID {
		return true
	}
	if id == nil {
		return false
	}
	if id.IsStaff() {
		return onAccountTeam(id, ws)
	}
	// Unverified customers cannot open workspaces; customers need an
	// explicit membership and either a high-value organisation of their
	// own or a workspace opened for them alone.
	if !id.Verified || !ws.Member {
		return false
	}
	return (ws.OrgHighValue && ws.OrgID != 0 && ws.OrgID == id.OrgID) ||
		(ws.OrgID == 0 && ws.CustomerID != 0 && ws.CustomerID == id.UserID)
}

// onAccountTeam: admins, and agents on the workspace's account team.
func onAccountTeam(id *identity.Identity, ws Workspace) bool {
	return id.IsAdmin() || (id.IsStaff() && ws.Team)
}

func canSeeTicket(id *identity.Identity, t Ticket) bool {
	if id == nil {
		return false
	}
	if id.IsStaff() {
		return true
	}
	if t.RequesterID != 0 && t.RequesterID == id.UserID {
		return true
	}
	return t.OrgShared && t.OrgID != 0 && t.OrgID == id.OrgID
}

// TicketScope says which tickets a list shows to one identity; list
// queries filter with it so lists and single-ticket checks agree.
type TicketScope struct {
	All         bool  // staff: every ticket
	RequesterID int64 // the user's own tickets
	// OrgID, when not 0, also includes tickets of this organisation whose
	// organisation shares tickets among members.
	OrgID int64
	None  bool // anonymous: nothing
}

// TicketScopeFor returns the ticket list scope for id. orgShared is the
// user's organisation's members_see_all_tickets flag.
func TicketScopeFor(id *identity.Identity, orgShared bool) TicketScope {
	switch {
	case id == nil:
		return TicketScope{None: true}
	case id.IsStaff():
		return TicketScope{All: true}
	}
	s := TicketScope{RequesterID: id.UserID}
	if orgShared && id.OrgID != 0 {
		s.OrgID = id.OrgID
	}
	return s
}

// InvoiceScope says which invoices a list shows to one identity.
type InvoiceScope struct {
	All        bool
	CustomerID int64 // invoices billed to the user
	OrgID      int64 // plus invoices billed to the user's organisation, when not 0
	None       bool
}

// InvoiceScopeFor returns the invoice list scope for id.
func InvoiceScopeFor(id *identity.Identity) InvoiceScope {
	switch {
	case id == nil:
		return InvoiceScope{None: true}
	case id.IsStaff():
		return InvoiceScope{All: true}
	}
	s := InvoiceScope{CustomerID: id.UserID}
	if id.Verified {
		s.OrgID = id.OrgID
	}
	return s
}

// Check is Can for handlers holding a loaded resource: nil when allowed,
// otherwise fiber.ErrNotFound, the same answer as for an id that does not
// exist (see the package comment).
func Check[R any](c *fiber.Ctx, a Action[R], r R) error {
	if Can(identity.Current(c), a, r) {
		return nil
	}
	return fiber.ErrNotFound
}

// Require guards a whole area. Anonymous visitors are sent to log in (401
// for the API); a logged-in user without the permission gets 404, so the
// area's existence is not revealed to customers.
func Require(a Area) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := identity.Current(c)
		if Allows(id, a) {
			return c.Next()
		}
		if id == nil {
			return LoginRequired(c)
		}
		return fiber.ErrNotFound
	}
}

// LoginRequired answers an anonymous request for something that needs an
// account: 401 for the API, a redirect to /login (coming back afterwards)
// for a page, 401 for a form post (its body cannot survive a redirect).
func LoginRequired(c *fiber.Ctx) error {
	if web.IsAPI(c) {
		return fiber.NewError(fiber.StatusUnauthorized, "authentication required")
	}
	if c.Method() == fiber.MethodGet {
		return web.Redirect(c, "/login?next="+url.QueryEscape(c.OriginalURL()))
	}
	return fiber.NewError(fiber.StatusUnauthorized, "Please log in first.")
}
