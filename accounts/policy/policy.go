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

	"github.com/frontdesk/frontdesk/app/web"
)

// Action is something a user may be allowed to do.
type Action string

// Area-level actions (no particular resource: pass nil).
const (
	UseAgentDesk Action = "agent.desk"    // the agent inbox and tools
	ManageKB     Action = "kb.manage"     // write articles, categories, see KB reports
	Administer   Action = "admin"         // users, organisations, settings, audit log, outbox
	UseAccount   Action = "account.use"   // one's own profile, sessions, tokens
	CreateTicket Action = "ticket.create" // open a ticket
	ListTickets  Action = "ticket.list"   // the "my tickets" page (scope it with TicketScopeFor)
	ListInvoices Action = "invoice.list"  // the billing page (scope it with InvoiceScopeFor)
)

// Resource-level actions; each names the resource type it takes.
const (
	ViewArticle Action = "article.view" // Article
	EditArticle Action = "article.edit" // Article

	ViewTicket          Action = "ticket.view"          // Ticket: the ticket and its public messages
	ReplyTicket         Action = "ticket.reply"         // Ticket: add a public message
	ViewInternalNotes   Action = "ticket.notes.view"    // Ticket: internal notes between agents
	AddInternalNote     Action = "ticket.notes.add"     // Ticket
	ManageTicket        Action = "ticket.manage"        // Ticket: assign, prioritise, tag, status
	ViewInvoice         Action = "invoice.view"         // Invoice (and its PDF)
	ViewWorkspace       Action = "workspace.view"       // Workspace: files, approvals, comments
	ContributeWorkspace Action = "workspace.contribute" // Workspace: upload, approve, comment
	ManageWorkspace     Action = "workspace.manage"     // Workspace: members, share links, settings

	ChangeUserRole Action = "user.role"       // User: change another user's role
	DeactivateUser Action = "user.deactivate" // User: deactivate / reactivate another user
	EditUser       Action = "user.edit"       // User: organisation, resend verification
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
}

// Workspace describes a private client workspace for decisions.
type Workspace struct {
	OrgID int64 // the organisation the workspace belongs to
	// OrgHighValue is the organisation's high_value flag; workspaces of
	// other organisations are closed to customers.
	OrgHighValue bool
	// Member is true when the asking user is listed as a member of the
	// workspace (the caller looks it up for the current identity).
	Member bool
}

// User describes a user account as the target of an admin action.
type User struct {
	ID int64
}

// Can reports whether id (nil for anonymous) may do a to resource r (nil
// for area-level actions). A resource of the wrong type is denied.
func Can(id *web.Identity, a Action, r any) bool {
	switch a {
	case UseAgentDesk, ManageKB:
		return id.IsStaff()
	case Administer:
		return id.IsAdmin()
	case UseAccount, CreateTicket, ListTickets, ListInvoices:
		return id != nil

	case ViewArticle:
		art, ok := r.(Article)
		return ok && (art.Published || id.IsStaff())
	case EditArticle:
		_, ok := r.(Article)
		return ok && id.IsStaff()

	case ViewTicket, ReplyTicket:
		t, ok := r.(Ticket)
		return ok && canSeeTicket(id, t)
	case ViewInternalNotes, AddInternalNote, ManageTicket:
		_, ok := r.(Ticket)
		return ok && id.IsStaff()

	case ViewInvoice:
		inv, ok := r.(Invoice)
		if !ok || id == nil {
			return false
		}
		return id.IsStaff() ||
			(inv.CustomerID != 0 && inv.CustomerID == id.UserID) ||
			(inv.OrgID != 0 && inv.OrgID == id.OrgID)

	case ViewWorkspace, ContributeWorkspace:
		ws, ok := r.(Workspace)
		if !ok || id == nil {
			return false
		}
		if id.IsStaff() {
			return true
		}
		// Unverified customers cannot open workspaces (issue 3); customers
		// need both an explicit membership and a high-value organisation
		// of their own.
		return id.Verified && ws.Member && ws.OrgHighValue && ws.OrgID != 0 && ws.OrgID == id.OrgID
	case ManageWorkspace:
		_, ok := r.(Workspace)
		return ok && id.IsAdmin()

	case ChangeUserRole, DeactivateUser:
		// Admins may not demote or lock out themselves: the last admin
		// would lose the admin area with no way back in the UI.
		u, ok := r.(User)
		return ok && id.IsAdmin() && u.ID != id.UserID
	case EditUser:
		_, ok := r.(User)
		return ok && id.IsAdmin()
	}
	return false
}

func canSeeTicket(id *web.Identity, t Ticket) bool {
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
func TicketScopeFor(id *web.Identity, orgShared bool) TicketScope {
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
func InvoiceScopeFor(id *web.Identity) InvoiceScope {
	switch {
	case id == nil:
		return InvoiceScope{None: true}
	case id.IsStaff():
		return InvoiceScope{All: true}
	}
	return InvoiceScope{CustomerID: id.UserID, OrgID: id.OrgID}
}

// Check is Can for handlers holding a loaded resource: nil when allowed,
// otherwise fiber.ErrNotFound, the same answer as for an id that does not
// exist (see the package comment).
func Check(c *fiber.Ctx, a Action, r any) error {
	if Can(web.CurrentUser(c), a, r) {
		return nil
	}
	return fiber.ErrNotFound
}

// Require guards a whole area. Anonymous visitors are sent to log in (401
// for the API); a logged-in user without the permission gets 404, so the
// area's existence is not revealed to customers.
func Require(a Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := web.CurrentUser(c)
		if Can(id, a, nil) {
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
