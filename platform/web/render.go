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

// SetTemplateValue offers value to every template rendered for this
// request under key (the identity middleware offers the current user as
// "User"), so this package needs to know nothing of what it is.
func SetTemplateValue(c *fiber.Ctx, key string, value any) {
	vals, _ := c.Locals(localTemplate).(map[string]any)
	if vals == nil {
		vals = make(map[string]any, 2)
		c.Locals(localTemplate, vals)
	}
	vals[key] = value
}

// PageData adds the values every template may use (user, brand, CSRF token,
// flash, path) to data.
func PageData(c *fiber.Ctx, data fiber.Map) fiber.Map {
	if data == nil {
		data = fiber.Map{}
	}
	data["User"] = nil
	if vals, ok := c.Locals(localTemplate).(map[string]any); ok {
		for k, v := range vals {
			data[k] = v
		}
	}
	data["Brand"] = CurrentBrand(c)
	data["CSRF"] = CSRFToken(c)
	data["Flash"] = takeFlash(c)
	data["Path"] = c.Path()
	if f, ok := c.Locals(localCommon).(CommonData); ok && f != nil {
		f(c, data)
	}
	return data
}
