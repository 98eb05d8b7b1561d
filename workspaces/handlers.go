package workspaces

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/accounts/identity"
	"github.com/frontdesk/frontdesk/accounts/policy"
	"github.com/frontdesk/frontdesk/platform/web"
)

// LinkCookie holds a private-link holder's session secret. It is sent
// only to /w/ paths and opens one workspace.
const LinkCookie = "fd_wslink"

// Handlers serves the workspace pages.
type Handlers struct {
	svc *Service
}

// NewHandlers builds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// need is the policy action a route requires.
type need int

const (
	needView need = iota
	needContribute
	needDeliver
	needManage
	needAudit
)

// wctx is one request inside a workspace.
type wctx struct {
	WS     *Workspace
	Acc    Access
	Actor  Actor
	Grant  *LinkGrant
	Layout string // brand colour CSS url etc.
}

// Mount registers every workspace route. Link routes come first: "link"
// is never a workspace slug.
func (h *Handlers) Mount(r fiber.Router) {
	r.Get("/w/link/:token", h.openLink)
	r.Post("/w/link/:token/code", h.sendCode)
	r.Post("/w/link/:token/verify", h.verifyCode)

	staff := policy.Require(policy.EnableWorkspaces)
	r.Get("/agent/workspaces", staff, h.showList)
	r.Post("/agent/workspaces", staff, h.create)
	onboarding := policy.Require(policy.EditOnboarding)
	r.Get("/admin/workspaces/onboarding", onboarding, h.showOnboarding)
	r.Post("/admin/workspaces/onboarding", onboarding, h.addOnboarding)
	r.Post("/admin/workspaces/onboarding/:id<int>/delete", onboarding, h.deleteOnboarding)

	r.Get("/w/:slug", h.in(needView, h.showOverview))
	r.Get("/w/:slug/theme.css", h.in(needView, h.themeCSS))
	r.Get("/w/:slug/logo", h.in(needView, h.logo))
	r.Get("/w/:slug/folders/:fid<int>", h.in(needView, h.showFolder))
	r.Post("/w/:slug/folders", h.in(needContribute, h.createFolder))
	r.Post("/w/:slug/upload", h.in(needContribute, h.upload))
	r.Get("/w/:slug/files/:id<int>", h.in(needView, h.showFile))
	r.Get("/w/:slug/files/:id<int>/v/:n<int>/raw", h.in(needView, h.raw))
	r.Get("/w/:slug/files/:id<int>/v/:n<int>/download", h.in(needView, h.download))
	r.Post("/w/:slug/files/:id<int>/delete", h.in(needDeliver, h.deleteFile))
	r.Post("/w/:slug/files/:id<int>/approvals", h.in(needDeliver, h.requestApproval))
	r.Post("/w/:slug/files/:id<int>/comments", h.in(needContribute, h.comment))
	r.Post("/w/:slug/approvals/:aid<int>/decide", h.in(needContribute, h.decide))
	r.Post("/w/:slug/tasks", h.in(needDeliver, h.createTask))
	r.Post("/w/:slug/tasks/:tid<int>/done", h.in(needContribute, h.tickTask))
	r.Post("/w/:slug/messages", h.in(needContribute, h.postMessage))
	if h.svc.TicketsEnabled() {
		r.Post("/w/:slug/messages/:mid<int>/ticket", h.in(needDeliver, h.toTicket))
	}
	r.Get("/w/:slug/activity", h.in(needDeliver, h.showActivity))
	r.Get("/w/:slug/activity.csv", h.in(needAudit, h.exportActivity))
	r.Get("/w/:slug/settings", h.in(needManage, h.showSettings))
	r.Post("/w/:slug/settings", h.in(needManage, h.saveSettings))
	r.Post("/w/:slug/logo", h.in(needManage, h.uploadLogo))
	r.Post("/w/:slug/people", h.in(needManage, h.addPerson))
	r.Post("/w/:slug/people/:uid<int>/remove", h.in(needManage, h.removePerson))
	r.Post("/w/:slug/links", h.in(needManage, h.createLink))
	r.Post("/w/:slug/links/:lid<int>/rotate", h.in(needManage, h.rotateLink))
	r.Post("/w/:slug/links/:lid<int>/revoke", h.in(needManage, h.revokeLink))
}

// IsUploadPath reports whether a request path is a workspace upload, the
// only kind of request whose body may be larger than the app-wide limit
// (it is streamed into the file store, never held in memory).
func IsUploadPath(path string) bool {
	return strings.HasPrefix(path, "/w/") && strings.HasSuffix(path, "/upload") && strings.Count(path, "/") == 3
}

// in loads the workspace named by :slug, works out who is asking (a user,
// a link holder, or both), and lets the request through only when policy
// allows the route's action. Anonymous visitors without a link grant are
// asked to log in before anything is loaded; every other denial is 404.
func (h *Handlers) in(n need, fn func(c *fiber.Ctx, w *wctx) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		id := identity.Current(c)
		grant, err := h.svc.GrantBySecret(ctx, c.Cookies(LinkCookie))
		if err != nil {
			return err
		}
		if id == nil && grant == nil {
			// A link cookie whose link was revoked, rotated or expired
			// gets the same 404 as the link itself, at once.
			if c.Cookies(LinkCookie) != "" {
				return fiber.ErrNotFound
			}
			return policy.LoginRequired(c)
		}
		ws, err := h.svc.BySlug(ctx, c.Params("slug"))
		if errors.Is(err, ErrNotFound) {
			return fiber.ErrNotFound
		}
		if err != nil {
			return err
		}
		var pg *policy.LinkGrant
		if grant != nil {
			pg = &policy.LinkGrant{WorkspaceID: grant.Link.WorkspaceID, LinkID: grant.Link.ID}
		}
		acc, err := h.svc.Access(ctx, ws, id, pg)
		if err != nil {
			return err
		}
		allowed := map[need]bool{needView: acc.View, needContribute: acc.Contribute, needDeliver: acc.Deliver,
			needManage: acc.Manage, needAudit: acc.Audit}[n]
		if !allowed {
			return fiber.ErrNotFound
		}
		w := &wctx{WS: ws, Acc: acc, Grant: grant}
		// A signed-in user who may use the workspace acts as themself;
		// otherwise the link holder acts.
		userAcc, err := h.svc.Access(ctx, ws, id, nil)
		if err != nil {
			return err
		}
		if id != nil && userAcc.View {
			w.Actor = Actor{UserID: id.UserID, Label: id.Name, Email: id.Email, Side: SideClient, IP: c.IP()}
			if w.Actor.Label == "" {
				w.Actor.Label = id.Email
			}
			if id.IsStaff() {
				w.Actor.Side = SideTeam
			}
		} else if grant != nil {
			w.Actor = grant.Actor(c.IP())
		}
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		return fn(c, w)
	}
}

// data is the template data every workspace page gets.
func (w *wctx) data(title string, extra fiber.Map) fiber.Map {
	d := fiber.Map{"Title": title, "WS": w.WS, "Acc": w.Acc, "Actor": w.Actor, "LinkHolder": w.Actor.LinkID != 0}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// notFound maps ErrNotFound to 404 and passes other errors on.
func notFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

func paramID(c *fiber.Ctx, name string) (int64, error) {
	v, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, fiber.ErrNotFound
	}
	return v, nil
}

// parseDate reads a yyyy-mm-dd form field ("" is nil); due dates are the
// end of that day, UTC.
func parseDate(v string) (*time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return nil, false
	}
	t = t.Add(24*time.Hour - time.Second).UTC()
	return &t, true
}

// rateLimited answers too many attempts.
func rateLimited(c *fiber.Ctx) error {
	c.Set(fiber.HeaderRetryAfter, "900")
	return fiber.NewError(fiber.StatusTooManyRequests, "Too many attempts. Please wait a few minutes and try again.")
}

// fieldErrors returns err as web.FieldErrors when it is one.
func fieldErrors(err error) (web.FieldErrors, bool) {
	var fe web.FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}
