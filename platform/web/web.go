// Package web holds the small HTTP helpers every domain package's handlers
// share: the render helper that picks an HTMX fragment or a full page, the
// current user, CSRF, flash messages and form errors. It knows no domain.
package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Locals keys shared between middleware and handlers.
const (
	localTemplate = "web.template"
	localCSRF     = "web.csrf"
	localBrand    = "web.brand"
	localFlash    = "web.flash"
	localCommon   = "web.common"
)

// Brand is how the portal presents itself; admins edit it in settings.
type Brand struct {
	Name         string
	Tagline      string
	PrimaryColor string
	LogoURL      string
}

// SetBrand makes the branding available to templates.
func SetBrand(c *fiber.Ctx, b Brand) { c.Locals(localBrand, b) }

// CurrentBrand returns the branding set by middleware.
func CurrentBrand(c *fiber.Ctx) Brand {
	b, _ := c.Locals(localBrand).(Brand)
	return b
}

// IsHTMX reports whether the request wants a fragment: sent by htmx, and
// neither a boosted navigation nor a history restore (those need a page).
func IsHTMX(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" &&
		c.Get("HX-Boosted") != "true" &&
		c.Get("HX-History-Restore-Request") != "true"
}

// IsAPI reports whether the request is for the JSON API, whatever the case
// of its path (a router matching paths case-insensitively would otherwise
// serve /API/v1/... as the API while everything else took it for a page).
func IsAPI(c *fiber.Ctx) bool { return IsAPIPath(c.Path()) }

// IsAPIPath reports whether path is under /api/, in any case.
func IsAPIPath(path string) bool {
	return len(path) >= 5 && strings.EqualFold(path[:5], "/api/") ||
		strings.EqualFold(path, "/api")
}

// Redirect sends the browser to location: HX-Redirect for htmx requests
// (a 302 would be followed inside the XHR and swapped in), 303 otherwise so
// a POST becomes a GET.
func Redirect(c *fiber.Ctx, location string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", location)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(location, fiber.StatusSeeOther)
}

// SafeNext returns next when it is a local path (so ?next= cannot send a
// user to another site), else fallback.
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}
