package web

import (
	"github.com/gofiber/fiber/v2"
)

// FieldErrors maps a form field name to the message shown beside it.
// Forms are structs with a Validate() FieldErrors method; an empty result
// means the input is acceptable.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Any reports whether any field failed.
func (fe FieldErrors) Any() bool { return len(fe) > 0 }

// Error makes FieldErrors usable as an error (first message wins).
func (fe FieldErrors) Error() string {
	for _, m := range fe {
		return m
	}
	return "invalid input"
}

// JSONError answers an API request with {"error": msg} and status.
func JSONError(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg})
}
