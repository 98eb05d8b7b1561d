// Package admin holds the admin area: users (search, role, organisation,
// deactivation, verification mail), organisations (create, edit, domains,
// members), the audit log and branding settings. Every route sits behind
// policy.Require(policy.Administer); finer decisions (an admin may not
// demote or deactivate themselves) also go through the policy layer.
package admin

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/settings"
)

// Deps is what the admin area needs from the rest of the app. Every read
// and write of accounts' tables goes through the accounts service.
type Deps struct {
	Accounts *accounts.Service
	Settings *settings.Store
}

// Handlers serves the admin pages.
type Handlers struct {
	acc      *accounts.Service
	dir      *accounts.Directory
	settings *settings.Store
}

// New returns the admin handlers.
func New(d Deps) *Handlers {
	return &Handlers{acc: d.Accounts, dir: d.Accounts.Directory(), settings: d.Settings}
}

// Mount registers the admin routes on r, all guarded by
// policy.Require(policy.Administer).
func (h *Handlers) Mount(r fiber.Router) {
	g := r.Group("/admin", policy.Require(policy.Administer))
	g.Get("/", h.showDashboard)
	g.Get("/users", h.listUsers)
	g.Get("/users/:id", h.showUser)
	g.Post("/users/:id/role", h.changeRole)
	g.Post("/users/:id/org", h.changeUserOrg)
	g.Post("/users/:id/deactivate", h.deactivateUser)
	g.Post("/users/:id/reactivate", h.reactivateUser)
	g.Post("/users/:id/verification", h.resendVerification)
	g.Get("/orgs", h.listOrgs)
	g.Post("/orgs", h.createOrg)
	g.Get("/orgs/:id", h.showOrg)
	g.Post("/orgs/:id", h.updateOrg)
	g.Post("/orgs/:id/members", h.addMember)
	g.Post("/orgs/:id/members/:user/remove", h.removeMember)
	g.Get("/audit", h.listAudit)
	g.Get("/settings", h.showSettings)
	g.Post("/settings", h.saveSettings)
}

// paramID reads a positive integer route parameter; anything else is a
// page that does not exist.
func paramID(c *fiber.Ctx, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, fiber.ErrNotFound
	}
	return n, nil
}

func queryPage(c *fiber.Ctx) int {
	p, err := strconv.Atoi(c.Query("page"))
	if err != nil || p < 1 || p > 100000 {
		return 1
	}
	return p
}

// notFound maps ErrNotFound to a 404.
func notFound(err error) error {
	if err == accounts.ErrNotFound {
		return fiber.ErrNotFound
	}
	return err
}

// pager is what the pagination partial needs.
type pager struct {
	Page     int
	HasPrev  bool
	HasNext  bool
	PrevURL  string
	NextURL  string
	BasePath string
}

func newPager(c *fiber.Ctx, page int, more bool) pager {
	link := func(p int) string {
		args := c.Request().URI().QueryArgs()
		q := make([]string, 0, 4)
		args.VisitAll(func(k, v []byte) {
			if string(k) != "page" && len(v) > 0 {
				q = append(q, url.QueryEscape(string(k))+"="+url.QueryEscape(string(v)))
			}
		})
		if p > 1 {
			q = append(q, "page="+strconv.Itoa(p))
		}
		if len(q) == 0 {
			return c.Path()
		}
		return c.Path() + "?" + strings.Join(q, "&")
	}
	return pager{Page: page, HasPrev: page > 1, HasNext: more, PrevURL: link(page - 1), NextURL: link(page + 1)}
}
