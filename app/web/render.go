package web

import (
	"github.com/gofiber/fiber/v2"
)

// CommonData supplies values every template may use; the app installs one
// with SetCommonData so this package needs no knowledge of the app.
type CommonData func(c *fiber.Ctx, data fiber.Map)

// SetCommonData installs the function that fills shared template values.
func SetCommonData(c *fiber.Ctx, f CommonData) { c.Locals(localCommon, f) }

// Render writes the page template page, or only the fragment template when
// the request is an htmx partial request and fragment is not empty. Page
// templates include the layout themselves ({{template "layout_top" .}} …
// {{template "layout_bottom" .}}), so rendering never takes the template
// engine's exclusive layout lock. Vary: HX-Request keeps caches honest.
func Render(c *fiber.Ctx, page, fragment string, data fiber.Map) error {
	c.Vary("HX-Request")
	name := page
	if fragment != "" && IsHTMX(c) {
		name = fragment
	}
	return c.Render(name, PageData(c, data))
}

// RenderStatus is Render with an explicit status code (a form that failed
// validation answers 422, so htmx must be told to swap it: see layout).
func RenderStatus(c *fiber.Ctx, status int, page, fragment string, data fiber.Map) error {
	c.Status(status)
	return Render(c, page, fragment, data)
}

// PageData adds the values every template may use (user, brand, CSRF token,
// flash, path) to data.
func PageData(c *fiber.Ctx, data fiber.Map) fiber.Map {
	if data == nil {
		data = fiber.Map{}
	}
	data["User"] = CurrentUser(c)
	data["Brand"] = CurrentBrand(c)
	data["CSRF"] = CSRFToken(c)
	data["Flash"] = takeFlash(c)
	data["Path"] = c.Path()
	if f, ok := c.Locals(localCommon).(CommonData); ok && f != nil {
		f(c, data)
	}
	return data
}
