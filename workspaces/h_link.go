package workspaces

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/frontdesk/frontdesk/platform/web"
)

// openLink is /w/link/{token}: an unknown, revoked, expired or rotated
// token is a plain 404 page, the same for all. A good token either opens
// the workspace at once (a link-holder session cookie bound to this link)
// or, for a link that needs a code, asks for the holder's address first.
// The token is never logged (the access log redacts this path) and the
// page is sent with no Referer to anywhere.
func (h *Handlers) openLink(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	l, ws, err := h.svc.LinkByToken(c.UserContext(), c.Params("token"), c.IP())
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(c)
	}
	if err != nil {
		return notFound(err)
	}
	if l.RequireCode {
		return web.Render(c, "workspaces/link_code", "", fiber.Map{"Title": ws.Name, "WSName": ws.Name, "Token": c.Params("token"), "Step": "email"})
	}
	return h.grant(c, l, ws, "")
}

// grant starts a link-holder session and goes to the workspace.
func (h *Handlers) grant(c *fiber.Ctx, l *Link, ws *Workspace, email string) error {
	secret, err := h.svc.StartLinkSession(c.UserContext(), l, email, c.IP())
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: LinkCookie, Value: secret, Path: "/w/", HTTPOnly: true, Secure: h.svc.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(LinkSessionTTL / time.Second),
	})
	return web.Redirect(c, "/w/"+ws.Slug)
}

func (h *Handlers) sendCode(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	token := c.Params("token")
	l, ws, err := h.svc.LinkByToken(c.UserContext(), token, c.IP())
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(c)
	}
	if err != nil || !l.RequireCode {
		return fiber.ErrNotFound
	}
	email := c.FormValue("email")
	err = h.svc.SendCode(c.UserContext(), l, ws, email, c.IP())
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(c)
	}
	if fe, ok := fieldErrors(err); ok {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "workspaces/link_code", "", fiber.Map{
			"Title": ws.Name, "WSName": ws.Name, "Token": token, "Step": "email", "Email": email, "Errors": fe})
	}
	if err != nil {
		return err
	}
	return web.Render(c, "workspaces/link_code", "", fiber.Map{"Title": ws.Name, "WSName": ws.Name, "Token": token, "Step": "code", "Email": email})
}

func (h *Handlers) verifyCode(c *fiber.Ctx) error {
	c.Set("Referrer-Policy", "no-referrer")
	token := c.Params("token")
	l, ws, err := h.svc.LinkByToken(c.UserContext(), token, c.IP())
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(c)
	}
	if err != nil || !l.RequireCode {
		return fiber.ErrNotFound
	}
	email := c.FormValue("email")
	err = h.svc.CheckCode(c.UserContext(), l, email, c.FormValue("code"), c.IP())
	if errors.Is(err, ErrRateLimited) {
		return rateLimited(c)
	}
	if fe, ok := fieldErrors(err); ok {
		return web.RenderStatus(c, fiber.StatusUnprocessableEntity, "workspaces/link_code", "", fiber.Map{
			"Title": ws.Name, "WSName": ws.Name, "Token": token, "Step": "code", "Email": email, "Errors": fe})
	}
	if err != nil {
		return err
	}
	return h.grant(c, l, ws, normalizeEmail(email))
}
