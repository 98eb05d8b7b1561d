// Package policy is the one place that decides who may do what. Handlers
// ask Can (for a resource they loaded) or mount Require (for a whole area);
// they never compare roles themselves. Every domain's resources are
// described here by the few attributes a decision needs, so the rules can
// be read, and tested as a matrix, in one file.
package policy

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/app/web"
)

// Action is something a user may be allowed to do.
type Action string

// Area-level actions (no particular resource).
const (
	UseAgentDesk Action = "agent.desk"    // the agent inbox and tools
	ManageKB     Action = "kb.manage"     // write articles, categories, see KB reports
	Administer   Action = "admin"         // users, organisations, settings, audit log, outbox
	UseAccount   Action = "account.use"   // one's own profile, sessions, tokens
	CreateTicket Action = "ticket.create" // open a ticket (later issue)
)

// Resource-level actions.
const (
	ViewArticle Action = "article.view"
	EditArticle Action = "article.edit"
)

// Article describes a knowledge-base article for decisions.
type Article struct {
	Published bool
}

// Can reports whether id (nil for anonymous) may do a to resource r (nil
// for area-level actions).
func Can(id *web.Identity, a Action, r any) bool {
	switch a {
	case UseAgentDesk, ManageKB:
		return id.IsStaff()
	case Administer:
		return id.IsAdmin()
	case UseAccount, CreateTicket:
		return id != nil
	case ViewArticle:
		art, ok := r.(Article)
		return ok && (art.Published || id.IsStaff())
	case EditArticle:
		return id.IsStaff()
	}
	return false
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
			if web.IsAPI(c) {
				return fiber.NewError(fiber.StatusUnauthorized, "authentication required")
			}
			if c.Method() == fiber.MethodGet {
				return web.Redirect(c, "/login?next="+url.QueryEscape(c.OriginalURL()))
			}
			return fiber.NewError(fiber.StatusUnauthorized, "Please log in first.")
		}
		return fiber.ErrNotFound
	}
}
